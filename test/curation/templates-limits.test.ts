// Liquid templates are bounded: `check` refuses loops whose length an answer
// decides (or that are simply too long), and every render has a time, memory
// and length budget. Going over it fails that one run with a reason; the
// service, other runs and other curations are not affected.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { previewCommand } from '../../src/cli/preview.js';
import { formatLoadError, loadCurations, plan } from '../../src/curation/index.js';
import { compileTemplate, RenderLimitError, RenderSession, TemplateError } from '../../src/curation/templates.js';
import { RENDER_LIMITS } from '../../src/curation/render-limits.js';
import { captureIO, minimalCuration, tempDir } from './helpers.js';

// Each message grows only for one odd answer, so the load-time dry run (with
// sample answers) passes and `check` accepts the file, as in the review.
const GROWING = `id: growing
defaultLanguage: ko
trigger: { on: chatOpened }
fields:
  name: { type: text }
  amount: { type: number, required: false }
fallback:
  messages:
    - text: sorry
messages:
  - text: "hello {{ name }}"
  - text: "{% if name == 'grow' %}{% assign a = 'ab' %}{% for i in (1..40) %}{% assign a = a | append: a %}{% endfor %}{{ a | size }}{% endif %}"
  - text: "{% if name == 'double' %}{% capture a %}x{% endcapture %}{% for i in (1..22) %}{% capture a %}{{ a }}{{ a }}{% endcapture %}{% endfor %}{{ a | size }}{% endif %}"
  - text: "{% if name.size > 50 %}{% for i in (1..1000) %}{{ name }}{% endfor %}{% endif %}"
  - text: "{% if amount > 0 %}{% assign r = (1..amount) %}{{ r | size }}{% endif %}"
`;

const OTHER = minimalCuration(`fields:
  name: { type: text }
messages:
  - text: "hi {{ name }}"
`, 'other');

async function growingSet() {
  const r = await loadCurations(await tempDir({ 'growing.yaml': GROWING, 'other.yaml': OTHER }));
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatLoadError).join('\n'));
  return r.set;
}

describe('a render over its budget fails that run, with a reason', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['text doubled by append', { name: 'grow' }, /^messages\[1\]\.text could not be rendered: it needs more memory than a message may use/],
    ['text doubled by capture', { name: 'double' }, /^messages\[2\]\.text could not be rendered: it is longer than 20000 characters/],
    ['a long answer repeated', { name: 'x'.repeat(60) }, /^messages\[3\]\.text could not be rendered: it is longer than 20000 characters/],
    ['a range as long as an answer', { name: 'Kim', amount: 5_000_000 }, /^messages\[4\]\.text could not be rendered: it needs more memory than a message may use/],
  ];
  for (const [label, profile, reason] of cases) {
    test(label, async () => {
      const set = await growingSet();
      const p = plan(set.byId('growing')!, null, profile, { runId: 'g', now: 0 });
      assert.equal(p.outcome, 'skipped');
      assert.deepEqual(p.messages, []);
      assert.match(p.reason ?? '', reason);
      // The reason names the place, never the answer.
      assert.ok(!(p.reason ?? '').includes('xxxxxxxx'));
    });
  }

  test('nothing else is affected: the same curation for an ordinary answer, and the other curation', async () => {
    const set = await growingSet();
    const ok = plan(set.byId('growing')!, null, { name: 'Kim', amount: 3 }, { runId: 'k', now: 0 });
    assert.equal(ok.outcome, 'sequence', ok.reason ?? '');
    assert.deepEqual(ok.messages.map((m) => m.body.blocks), [[{ type: 'text', value: 'hello Kim' }], [{ type: 'text', value: '3' }]]);
    const other = plan(set.byId('other')!, null, { name: 'grow' }, { runId: 'o', now: 0 });
    assert.equal(other.outcome, 'sequence');
  });

  test('curation preview shows the skipped run and its reason', async () => {
    const dir = await tempDir({ 'growing.yaml': GROWING, 'other.yaml': OTHER });
    await writeFile(path.join(dir, 'grow.json'), JSON.stringify({ name: 'grow' }));
    const io = captureIO();
    const code = await previewCommand(['growing', '--dir', dir, '--profile', path.join(dir, 'grow.json')], io);
    assert.equal(code, 0, io.err.join('\n'));
    const out = io.out.join('\n');
    assert.match(out, /^growing: skipped in ko, 0 messages/);
    assert.match(out, /reason: messages\[1\]\.text could not be rendered: it needs more memory than a message may use/);
  });
});

describe('check refuses loops whose length the file does not fix', () => {
  async function errors(messages: string): Promise<string[]> {
    const r = await loadCurations(
      await tempDir({
        'l.yaml': minimalCuration(`fields:
  n: { type: number }
  name: { type: text }
  tags: { type: list, required: false, options: { a: A, b: B, c: C } }
messages:
${messages}`),
      }),
    );
    return r.ok ? [] : r.errors.map((e) => formatLoadError({ ...e, file: path.basename(e.file) }));
  }

  test('the review\'s loop inside an if, a range up to an answer, a loop over a text, nested loops', async () => {
    const got = await errors(`  - text: "{% if n > 1000 %}{% for i in (1..100000000) %}x{% endfor %}{% endif %}"
  - text: "{% for i in (1..n) %}x{% endfor %}"
  - text: "{% for c in name %}{{ c }}{% endfor %}"
  - text: |-
      a
      {% for i in (1..100) %}{% for j in (1..100) %}x{% endfor %}{% endfor %}
  - text: "{% tablerow i in (n..3) %}x{% endtablerow %}"
`);
    assert.deepEqual(got, [
      'l.yaml:9 messages[0].text: a loop may repeat at most 1000 times; (1..100000000) repeats 100000000 times',
      "l.yaml:10 messages[1].text: the length of a loop must be written in the file: (1..n) depends on 'n'; write numbers, e.g. (1..10)",
      "l.yaml:11 messages[2].text: a loop may only go over a list field or a range of numbers, not 'name'",
      'l.yaml:14 messages[3].text: a loop may repeat at most 1000 times; with the loops around it, (1..100) repeats 10000 times',
      "l.yaml:15 messages[4].text: the length of a loop must be written in the file: (n..3) depends on 'n'; write numbers, e.g. (1..10)",
    ]);
  });

  test('loops over list fields and short ranges are fine', async () => {
    const got = await errors(`  - text: "{% for t in tags %}{{ t }}{% endfor %}{% for t in tags %}{% for i in (1..3) %}{{ t }}{% endfor %}{% endfor %}"
  - text: "{% for i in (1..1000) %}.{% endfor %}{% for t in tags reversed limit: 2 %}{{ t }}{% endfor %}"
`);
    assert.deepEqual(got, []);
  });
});

describe('the budget of one render', () => {
  test('time: a loop that would run for minutes stops at the time limit', { timeout: 120_000 }, () => {
    const t = compileTemplate('{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}done', 'text');
    // The ranges also cost memory, and on a fast machine the memory bound could stop this loop first:
    // lift it here, so that what stops the loop is the time bound (the memory bound has its own test).
    const timeOnly = { ...RENDER_LIMITS, memory: Number.MAX_SAFE_INTEGER };
    assert.throws(() => t.render(new RenderSession({}, { lang: 'ko', now: 0 }, timeOnly)), (err: unknown) => err instanceof RenderLimitError && /took longer than \d+ ms/.test(err.message));
  });

  test('memory: the review\'s loop, were it ever loaded, stops before building its range', () => {
    const t = compileTemplate('{% if big %}{% for i in (1..100000000) %}x{% endfor %}{% endif %}', 'text');
    assert.equal(t.render(new RenderSession({ big: false }, { lang: 'ko', now: 0 })), '');
    assert.throws(() => t.render(new RenderSession({ big: true }, { lang: 'ko', now: 0 })), (err: unknown) => err instanceof RenderLimitError && err.message === 'it needs more memory than a message may use');
  });

  test('length: the short cut and liquidjs refuse the same long output', () => {
    for (const fast of [true, false]) {
      const t = compileTemplate('Hi {{ name }}!', 'text', { fast });
      const session = () => new RenderSession({ name: 'x'.repeat(25_000) }, { lang: 'ko', now: 0 });
      assert.throws(() => t.render(session()), (err: unknown) => err instanceof RenderLimitError && /longer than 20000 characters/.test(err.message), `fast=${fast}`);
      assert.equal(t.render(new RenderSession({ name: 'x'.repeat(19_000) }, { lang: 'ko', now: 0 })).length, 19_004);
    }
  });

  test('parse: a template longer than the limit is refused at load', () => {
    assert.throws(() => compileTemplate(`{{ x }}${'y'.repeat(30_000)}`, 'text'), (err: unknown) => err instanceof TemplateError && /longer than 20000 characters/.test(err.message));
  });
});
