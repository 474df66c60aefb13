// What issue 19 item 6 adds to the language: capture() and number() on
// texts, date parts of `now` in the curation's timezone, sumOf() through a
// table, fail() for a computed fallback, `pattern:` and `sample:` on fields,
// and the warning for a list field without `otherwise`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression, ExpressionError, type ExpressionContext } from '../../src/curation/expressions.js';
import { compileTable } from '../../src/curation/tables.js';
import { loadCurations, plan, type Curation } from '../../src/curation/index.js';
import { warningsOf } from '../../src/curation/warnings.js';
import { minimalCuration, tempDir } from './helpers.js';

function ctx(names: string[], timezone?: string): ExpressionContext {
  return {
    names: new Set(names),
    later: new Map(),
    self: null,
    tables: new Map([
      ['surcharge', compileTable('surcharge', { lookup: { none: 0, protein50: 700, carbs100: 1000 } })],
      ['labels', compileTable('labels', { lookup: { none: 'nothing' } })],
    ]),
    functions: new Map(),
    optionKeys: new Map(),
    ...(timezone ? { timezone } : {}),
  };
}
const run = (expr: string, scope: Record<string, unknown> = {}, timezone?: string) => compileExpression(expr, ctx(Object.keys(scope), timezone))(scope);
const refused = (expr: string, pattern: RegExp, names: string[] = ['menu']) =>
  assert.throws(() => compileExpression(expr, ctx(names)), (e: unknown) => e instanceof ExpressionError && pattern.test(e.message));

async function load(body: string): Promise<{ ok: true; c: Curation } | { ok: false; lines: string[] }> {
  const dir = await tempDir({ 'c.yaml': minimalCuration(body) });
  const r = await loadCurations(dir);
  if (!r.ok) return { ok: false, lines: r.errors.map((e) => `${e.line} ${e.path}: ${e.message}`) };
  const c = r.set.byId('mini');
  assert.ok(c);
  return { ok: true, c };
}
async function loaded(body: string): Promise<Curation> {
  const r = await load(body);
  assert.ok(r.ok, r.ok ? '' : r.lines.join('\n'));
  return r.c;
}
async function loadErrors(body: string): Promise<string[]> {
  const r = await load(body);
  assert.ok(!r.ok, 'expected the file to be refused');
  return r.lines;
}

describe('capture(text, pattern, group?)', () => {
  const menu = '샐러드 정기배송 2식 (123,000원)';
  test('the first group by default, the group asked for, the whole match with 0; null when nothing matches or the text is missing', () => {
    assert.equal(run("capture(menu, '[(]([0-9,]+) *원[)]')", { menu }), '123,000');
    // A backslash inside an expression's quotes is written twice.
    assert.equal(run("capture(menu, '\\\\(([0-9,]+)\\\\s*원\\\\)')", { menu }), '123,000');
    assert.equal(run("capture(menu, '([0-9])식')", { menu }), '2');
    assert.equal(run("capture(menu, '([0-9])(식)', 2)", { menu }), '식');
    assert.equal(run("capture(menu, '[0-9]식', 0)", { menu }), '2식');
    assert.equal(run("capture(menu, '[0-9]식')", { menu }), '2식', 'no group: the whole match');
    assert.equal(run("capture(menu, '([0-9]+)원')", { menu: '샐러드 2식' }), null);
    assert.equal(run("capture(menu, '([0-9]+)원')", { menu: null }), null);
  });

  test('a catastrophic pattern for a backtracking engine stays linear', () => {
    // (a+)+$ on "aaaa…b" takes exponential time in a backtracking engine; RE2 answers at once.
    assert.equal(run("capture(menu, '(a+)+$')", { menu: `${'a'.repeat(1500)}b` }), null);
  });

  test('a text longer than the bound is a computation problem, not a slow match', () => {
    assert.throws(() => run("capture(menu, '(a)')", { menu: 'a'.repeat(2001) }), /capture\(\) got a text longer than 2,000 characters/);
    assert.equal(run("capture(menu, '(a)')", { menu: 'a'.repeat(2000) }), 'a');
  });

  test('the pattern is a constant compiled at load: a bad one, a missing group or a computed pattern is a load error', () => {
    refused("capture(menu, '(a')", /capture\(\): the pattern '\(a' is not a valid regular expression: .*missing closing \)/);
    refused("capture(menu, '(a)', 2)", /capture\(\): the pattern has 1 group\(s\), so group 2 does not exist/);
    refused("capture(menu, menu)", /capture\(\) takes its pattern as a text in quotes/);
    refused("capture(menu, '(a)', menu)", /capture\(\) takes its group as a whole number/);
    refused("capture(menu, '(?=a)')", /not a valid regular expression/);
    // Linear, but RE2 writes a counted repetition out: its size times the text's length is the cost.
    refused("capture(menu, '[a-z]{1000}')", /not a valid regular expression: it is too large \(1002 steps once compiled, at most 300\)/);
    assert.equal(run("capture(menu, '([a-z]{100})')", { menu: 'b'.repeat(100) }), 'b'.repeat(100));
  });

  test('a pattern with a bad sentence is reported at its line', async () => {
    const lines = await loadErrors(`fields:\n  menu: { type: text }\ncompute:\n  price: "capture(menu, '([0-9')"\nmessages:\n  - text: "{{ price }}"\n`);
    assert.ok(lines.some((l) => /^7 compute\.price: capture\(\): the pattern '\(\[0-9' is not a valid regular expression/.test(l)), lines.join('\n'));
  });
});

describe('number(text)', () => {
  test('reads a number as people type it, null when it is not one', () => {
    assert.equal(run("number('123,000')"), 123000);
    assert.equal(run("number(' 72.5 ')"), 72.5);
    assert.equal(run("number('７')"), 7);
    assert.equal(run('number(12)'), 12);
    assert.equal(run("number('about 70')"), null);
    assert.equal(run('number(null)'), null);
    assert.equal(run("number(capture(menu, '[(]([0-9,]+)원[)]'))", { menu: '샐러드 정기배송 2식 (123,000원)' }), 123000);
  });
});

describe('date parts of a moment, in the curation timezone', () => {
  // 2026-12-07T15:30:00Z is Monday 15:30 in London and Tuesday 00:30 in Seoul.
  const at = Date.UTC(2026, 11, 7, 15, 30);
  test('Asia/Seoul unless the curation says otherwise', () => {
    assert.equal(run('weekday(t)', { t: at }), 'tue');
    assert.equal(run('hour(t)', { t: at }), 0);
    assert.equal(run('minute(t)', { t: at }), 30);
    assert.equal(run('day(t)', { t: at }), 8);
    assert.equal(run('month(t)', { t: at }), 12);
    assert.equal(run('year(t)', { t: at }), 2026);
    assert.equal(run('weekday(t)', { t: at }, 'Europe/London'), 'mon');
    assert.equal(run('hour(t)', { t: at }, 'Europe/London'), 15);
    assert.equal(run('weekday(t)', { t: Date.UTC(2026, 11, 13, 7) }), 'sun');
  });

  test('a missing moment is a computation problem', () => {
    assert.throws(() => run('hour(t)', { t: null }), /hour\(\) got a missing value/);
  });

  test('`timezone:` is an IANA name checked at load and used by now', async () => {
    const c = await loaded(`timezone: America/New_York\ncompute:\n  wd: weekday(now)\n  h: hour(now)\nmessages:\n  - text: "{{ wd }} {{ h }}"\n`);
    const p = plan(c, null, {}, { runId: 'r', now: at });
    assert.deepEqual(p.values, { wd: 'mon', h: 10 });
    const lines = await loadErrors(`timezone: Asia/Seol\nmessages:\n  - text: hi\n`);
    assert.ok(lines.some((l) => /^4 timezone: 'Asia\/Seol' is not a time zone this machine knows: write an IANA name such as Asia\/Seoul or Europe\/London/.test(l)), lines.join('\n'));
  });
});

describe('sumOf(list, table)', () => {
  test('sums the table value of each entry; an empty or missing list is 0', () => {
    assert.equal(run('sumOf(o, surcharge)', { o: ['protein50', 'carbs100'] }), 1700);
    assert.equal(run('sumOf(o, surcharge)', { o: [] }), 0);
    assert.equal(run('sumOf(o, surcharge)', { o: null }), 0);
  });

  test('an entry not in the table is never dropped: the plan falls back', () => {
    assert.throws(() => run('sumOf(o, surcharge)', { o: ['protein50', 'protein70'] }), /sumOf\(\): table 'surcharge' has no entry for an element of the list, and no otherwise/);
  });

  test('a table that is not a lookup of numbers, or a list field with an option the table lacks, is a load error', async () => {
    refused('sumOf(o, labels)', /sumOf\(\): table 'labels' must hold numbers/, ['o']);
    refused('sumOf(o, o)', /sumOf\(\) takes a list and a table name, e.g. sumOf\(options, surcharge\)/, ['o']);
    const lines = await loadErrors(
      `fields:\n  o:\n    type: list\n    options: { a: A, b: B }\n    otherwise: other\ntables:\n  t: { lookup: { a: 1 } }\ncompute:\n  s: sumOf(o, t)\nmessages:\n  - text: "{{ s }}"\n`,
    );
    assert.ok(lines.some((l) => /^12 compute\.s: table 't' has no entry for 'b' \(an option of o\) and no otherwise/.test(l)), lines.join('\n'));
  });
});

const FALLBACK = `fallback:\n  messages:\n    - text: 메뉴를 다시 확인해 주세요\n`;

describe('fail(reason): the fallback from a computed condition', () => {
  test('the run ends as a fallback with the reason, never a completed sequence', async () => {
    const c = await loaded(`fields:\n  meals: { type: number, min: 0 }\ncompute:\n  whole: "meals == trunc(meals) ? meals : fail('meals must be a whole number')"\nmessages:\n  - text: "{{ whole }}"\n${FALLBACK}`);
    const ok = plan(c, null, { meals: 7 }, { runId: 'r', now: 0 });
    assert.equal(ok.outcome, 'sequence');
    const p = plan(c, null, { meals: 7.5 }, { runId: 'r', now: 0 });
    assert.equal(p.outcome, 'fallback');
    assert.equal(p.reason, 'meals must be a whole number (compute.whole)');
    assert.deepEqual(p.values, {});
    assert.equal(p.messages.length, 1);
  });

  test('the reason is a text in quotes, so it can never quote an answer', () => {
    refused('fail(menu)', /fail\(\) takes its reason as a text in quotes/);
    refused("fail('')", /fail\(\) needs a reason/);
  });

  test("check's dry run does not count a fail() as a problem of the file", async () => {
    await loaded(`fields:\n  meals: { type: number, min: 0, max: 10 }\ncompute:\n  x: "meals > 5 ? fail('too many') : meals"\nmessages:\n  - text: "{{ x }}"\n${FALLBACK}`);
  });
});

describe('pattern: on text fields', () => {
  const body = (extra = '') => `fields:\n  menu: { type: text, pattern: '[0-9]식.*\\([0-9,]+원\\)'${extra} }\nmessages:\n  - text: "{{ menu }}"\n${FALLBACK}`;
  test('an answer that does not match is a problem like an out-of-range number', async () => {
    const c = await loaded(body(", sample: '샐러드 2식 (123,000원)'"));
    assert.equal(plan(c, null, { menu: '샐러드 정기배송 2식 (123,000원)' }, { runId: 'r', now: 0 }).outcome, 'sequence');
    const p = plan(c, null, { menu: '샐러드 정기배송 2식' }, { runId: 'r', now: 0 });
    assert.equal(p.outcome, 'fallback');
    assert.deepEqual(p.problems, [{ field: 'menu', problem: 'not_matching', message: 'menu is not in the expected form' }]);
    assert.doesNotMatch(JSON.stringify(p), /정기배송/, 'the answer is never quoted');
  });

  test('a bad pattern is a load error at its line', async () => {
    const lines = await loadErrors(`fields:\n  menu: { type: text, pattern: '([0-9]' }\nmessages:\n  - text: hi\n`);
    assert.ok(lines.some((l) => /^5 fields\.menu\.pattern: '\(\[0-9\]' is not a valid regular expression: /.test(l)), lines.join('\n'));
  });

  test('a pattern on a field that is not text is refused', async () => {
    const lines = await loadErrors(`fields:\n  n: { type: number, pattern: '[0-9]' }\nmessages:\n  - text: hi\n`);
    assert.ok(lines.some((l) => /fields\.n\.pattern: pattern only applies to text fields/.test(l)), lines.join('\n'));
  });

  test('a pattern without a sample: a warning, since the dry run cannot make up a matching text', async () => {
    const c = await loaded(body());
    assert.ok(warningsOf(c).some((w) => /fields\.menu/.test(w.path) && /has a pattern but no sample/.test(w.message)), JSON.stringify(warningsOf(c)));
  });
});

describe('sample: answers for check\'s dry run', () => {
  test('the dry run computes with the sample instead of a made-up text', async () => {
    // With the made-up text 'Sample' the price would be null and `price * 2` a problem of the file.
    const text = (sample: string) =>
      `fields:\n  menu: { type: text, pattern: '\\([0-9,]+원\\)', sample: '${sample}' }\ncompute:\n  price: "number(capture(menu, '[(]([0-9,]+)원[)]'))"\n  twice: price * 2\nmessages:\n  - text: "{{ twice }}"\n${FALLBACK}`;
    await loaded(text('2식 (123,000원)'));
  });

  test('a sample that is not a valid answer for its own field is a load error', async () => {
    const lines = await loadErrors(`fields:\n  menu: { type: text, pattern: '원', sample: 'no price' }\n  n: { type: number, min: 0, max: 10, sample: 11 }\n  o: { type: option, options: { a: A }, sample: Z }\nmessages:\n  - text: hi\n`);
    const all = lines.join('\n');
    assert.match(all, /fields\.menu\.sample: is not a valid answer for this field: menu is not in the expected form/);
    assert.match(all, /fields\.n\.sample: is not a valid answer for this field: n must be between 0 and 10/);
    assert.match(all, /fields\.o\.sample: is not a valid answer for this field: o is not one of the survey's options/);
  });

  test('a list sample is used as the list', async () => {
    await loaded(
      `fields:\n  o: { type: list, options: { a: A, b: B }, otherwise: other, sample: [A, B] }\ntables:\n  t: { lookup: { a: 1, b: 2 } }\ncompute:\n  s: "has(o, 'other') ? fail('unknown option') : sumOf(o, t)"\nmessages:\n  - text: "{{ s }}"\n${FALLBACK}`,
    );
  });
});

describe('a list field without otherwise', () => {
  test('is a check warning: unknown answers would be dropped without a word', async () => {
    const c = await loaded(`fields:\n  o: { type: list, options: { a: A } }\nmessages:\n  - text: hi\n`);
    const w = warningsOf(c);
    assert.equal(w.length, 1);
    assert.equal(w[0]?.line, 5);
    assert.match(w[0]?.message ?? '', /a list field without otherwise drops answers that are not one of its options without a word; add otherwise: KEY/);
    const quiet = await loaded(`fields:\n  o: { type: list, options: { a: A }, otherwise: other }\nmessages:\n  - text: hi\n`);
    assert.deepEqual(warningsOf(quiet), []);
  });
});
