// `curation preview`: readable text, or the exact bodies plan() produces.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { previewCommand } from '../../src/cli/preview.js';
import { usage } from '../../src/cli/usage.js';
import { plan, type Plan } from '../../src/curation/index.js';
import { captureIO, packCuration, profileFixture, ROOT, tempDir } from './helpers.js';

const HONG = 'test/fixtures/profiles/hong.json';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await previewCommand(args, io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

describe('curation preview', () => {
  test('text: every message with its delay, markup made readable, buttons with their links', async () => {
    const { code, out } = await run(['diet-main', '--profile', HONG]);
    assert.equal(code, 0);
    assert.match(out, /^diet-main: sequence in ko, 12 messages/);
    assert.match(out, /bmr\s+1708/);
    assert.match(out, /#1 {2}after 1s \(at 1s\)\n {4}홍길동님, 안녕하세요!/);
    assert.match(out, /#2 {2}after 2s \(at 3s\)/);
    assert.match(out, /\*\*1,708 kcal\*\*/);
    assert.match(out, / {4}• 단호박 \*\*366\.7 g\*\*/);
    assert.match(out, /\[ 나에게 맞는 프로그램 보기 \] → https:\/\/salad\.example\/curation-program\?index=39 \(green\)/);
  });

  test('--lang en', async () => {
    const { code, out } = await run(['diet-main', '--profile', HONG, '--lang', 'en']);
    assert.equal(code, 0);
    assert.match(out, /sequence in en/);
    assert.match(out, /Hi 홍길동!/);
  });

  test('--json: the messages are exactly plan()\'s bodies, with delays', async () => {
    for (const lang of ['ko', 'en']) {
      const { code, out } = await run(['diet-main', '--profile', HONG, '--json', '--lang', lang]);
      assert.equal(code, 0);
      const got = JSON.parse(out) as Pick<Plan, 'values' | 'messages' | 'outcome' | 'lang'>;
      const want = plan(await packCuration('diet-main'), null, profileFixture('hong'), { runId: 'preview', now: 0, lang });
      assert.equal(got.outcome, 'sequence');
      assert.equal(got.lang, lang);
      assert.deepEqual(got.values, want.values);
      assert.deepEqual(got.messages, want.messages);
      assert.deepEqual(got.messages.map((m) => m.body.requestId), want.messages.map((_, i) => `preview-${i}`));
    }
  });

  test('a whole webhook delivery works as the profile file, with its language', async () => {
    const { code, out } = await run(['diet-gift', '--profile', 'test/fixtures/webhooks/user-chat-opened.json', '--json']);
    assert.equal(code, 0);
    const got = JSON.parse(out) as Plan;
    assert.equal(got.lang, 'ko');
    assert.equal(got.messages.length, 9);
  });

  test('a fallback is shown with its problems, without the values', async () => {
    const { code, out } = await run(['diet-main', '--profile', 'test/fixtures/profiles/out-of-range.json']);
    assert.equal(code, 0);
    assert.match(out, /^diet-main: fallback in ko, 1 message/);
    assert.match(out, /problem: height must be between 100 and 250 cm/);
    assert.ok(!out.includes('1760'));
  });

  test('--dir previews another directory', async () => {
    const dir = await tempDir({ 'p.json': JSON.stringify({ orderAmount: 50000, daysSinceDelivery: 2, reason: '불량' }) });
    const { code, out } = await run(['refund-estimate', '--dir', 'examples/curations', '--profile', path.join(dir, 'p.json')]);
    assert.equal(code, 0);
    assert.match(out, /\*\*50,000원\*\*/);
  });

  test('usage and lookup errors', async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run(['diet-main'])).code, 2, '--profile is required');
    assert.equal((await run(['diet-main', '--profile', HONG, '--lang', 'fr'])).code, 2);
    const unknown = await run(['diet-mian', '--profile', HONG]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no curation 'diet-mian'/);
    const missing = await run(['diet-main', '--profile', path.join(ROOT, 'nope.json')]);
    assert.equal(missing.code, 1);
  });

  test('--now: the moment the customer asks, an ISO 8601 time with its zone; --help says so', async () => {
    const at = await run(['diet-main', '--profile', HONG, '--json', '--now', '2026-12-08T10:00:00+09:00']);
    assert.equal(at.code, 0, at.err);
    assert.equal((JSON.parse(at.out) as { now: string }).now, '2026-12-08T01:00:00.000Z');
    for (const bad of ['2026-12-08T10:00', 'tomorrow', '2026-13-40T10:00Z']) {
      const r = await run(['diet-main', '--profile', HONG, '--now', bad]);
      assert.equal(r.code, 2, bad);
      assert.match(r.err, /--now must be an ISO 8601 time with its zone, e.g\. 2026-12-08T10:00\+09:00/, bad);
    }
    const text = await run(['diet-main', '--profile', HONG, '--now', '2026-12-08T01:00Z']);
    assert.match(text.out, /^as if asked at 2026-12-08T01:00:00\.000Z \(Tue 10:00 in Asia\/Seoul\)\ndiet-main: sequence/);
    assert.match(usage('preview'), /--now ISO_TIME/);
    assert.match(usage('preview'), /--json/);
  });
});
