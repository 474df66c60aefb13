// `curation preview` given a whole webhook delivery also says whether that
// delivery starts the curation: the way to try a trigger without a server,
// for instance a chatTagged one with the addTags log message (issue 19 item 6).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { previewCommand } from '../../src/cli/preview.js';
import { captureIO, minimalCuration, tempDir } from './helpers.js';

const TAGGED = 'test/fixtures/webhooks/bot-message-log-add-tags.json';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIO();
  const code = await previewCommand(args, io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

async function refundDir(): Promise<string> {
  return tempDir({
    'refund.yaml': minimalCuration("trigger: { on: chatTagged, tags: ['환불결제조회'] }\nfields:\n  menu: { type: text, key: temp_refund_menu }\nmessages:\n  - text: '{{ menu }} 환불 안내'\n", 'refund'),
    'off.yaml': minimalCuration("enabled: false\ntrigger: { on: chatTagged, tags: ['환불결제조회'] }\nmessages:\n  - text: off\n", 'off'),
  });
}

describe('curation preview with a delivery', () => {
  test('the addTags log message starts a chatTagged curation, and its profile is the one previewed', async () => {
    const dir = await refundDir();
    const { code, out, err } = await run(['refund', '--dir', dir, '--profile', TAGGED]);
    assert.equal(code, 0, err);
    assert.match(out, /샐러드 정기배송 2식 \(123,000원\) 환불 안내/);
    assert.match(out, /\ntrigger: this delivery \(chatTagged: tags 환불결제조회\) starts refund$/);
  });

  test('a delivery of another kind does not start it, and says what the trigger wants', async () => {
    const dir = await refundDir();
    const { code, out } = await run(['refund', '--dir', dir, '--profile', 'test/fixtures/webhooks/user-chat-opened.json']);
    assert.equal(code, 0);
    assert.match(out, /\ntrigger: this delivery \(chatOpened\) does not start refund \(on chatTagged · tags 환불결제조회\)$/);
  });

  test('a delivery not acted on says why; a disabled curation says so', async () => {
    const dir = await refundDir();
    const ignored = await run(['refund', '--dir', dir, '--profile', 'test/fixtures/webhooks/user-message-log-other.json']);
    assert.match(ignored.out, /\ntrigger: this delivery is not acted on: a log message \(startMarketing\) is not the customer writing$/);
    const off = await run(['off', '--dir', dir, '--profile', TAGGED]);
    assert.match(off.out, /\ntrigger: this delivery \(chatTagged: tags 환불결제조회\) does not start off \(disabled\)$/);
  });

  test('--json carries the same answer', async () => {
    const dir = await refundDir();
    const { code, out } = await run(['refund', '--dir', dir, '--profile', TAGGED, '--json']);
    assert.equal(code, 0);
    const got = JSON.parse(out) as { trigger?: unknown; messages: unknown[] };
    assert.deepEqual(got.trigger, { event: 'chatTagged', starts: true });
    assert.equal(got.messages.length, 1);
  });

  test('a file of answers, not a delivery, previews as before, without a trigger line', async () => {
    const dir = await refundDir();
    const answers = await tempDir({ 'a.json': JSON.stringify({ temp_refund_menu: '2식' }) });
    const { code, out } = await run(['refund', '--dir', dir, '--profile', path.join(answers, 'a.json'), '--json']);
    assert.equal(code, 0);
    assert.equal((JSON.parse(out) as { trigger?: unknown }).trigger, undefined);
    assert.doesNotMatch((await run(['refund', '--dir', dir, '--profile', path.join(answers, 'a.json')])).out, /trigger:/);
  });
});
