// A curation's userEvent: checked at load (Channel Talk's limits, names that
// exist, each problem as `file:line path: sentence`), rendered by plan() from
// the run's computed values with their types, and only on a sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { describePlan, formatLoadError, loadCurations, plan } from '../../src/curation/index.js';
import { checkCommand } from '../../src/cli/check.js';
import { previewCommand } from '../../src/cli/preview.js';
import { cutToBytes, renderUserEvent, USER_EVENT_LIMITS } from '../../src/curation/user-event.js';
import { captureIO, tempDir } from './helpers.js';
import { writeFile } from 'node:fs/promises';

const base = `id: ue
defaultLanguage: en
trigger: { on: chatOpened }
settings:
  pack: diet
fields:
  weight: { type: number, unit: kg, min: 20, max: 300 }
  goal:
    type: option
    options: { lose: Lose weight, keep: Keep my weight }
compute:
  waterL: round(weight * 0.03, 1)
  goalName: "goal == 'lose' ? 'losing' : 'keeping'"
  heavy: weight > 100
messages:
  - text: "{{ waterL }} L"
fallback:
  messages:
    - text: Please finish the survey.
`;

async function load(userEvent: string) {
  const dir = await tempDir({ 'ue.yaml': `${base}${userEvent}` });
  return { dir, loaded: await loadCurations(dir) };
}

/** The error lines, with the file named relative to its directory. */
async function errorLines(userEvent: string): Promise<string[]> {
  const { dir, loaded } = await load(userEvent);
  assert.ok(!loaded.ok, 'the file must not load');
  return loaded.errors.map((e) => formatLoadError(e).replace(`${dir}${path.sep}`, ''));
}

const HEAD = base.split('\n').length; // the first line of what follows `base`

test('a userEvent is rendered with the plan of a sequence, each value keeping its type', async () => {
  const { loaded } = await load(`userEvent:
  name: curationCompleted
  property:
    waterL: "{{ waterL }}"
    goal: "{{ goalName }}"
    heavy: "{{heavy}}"
    pack: "{{ pack }}"
    lang: "{{ lang }}"
    source: chat
    version: 2
    beta: false
`);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.map(formatLoadError).join('\n'));
  const c = loaded.set.byId('ue')!;
  assert.deepEqual(c.userEvent, {
    name: 'curationCompleted',
    property: { waterL: '{{ waterL }}', goal: '{{ goalName }}', heavy: '{{heavy}}', pack: '{{ pack }}', lang: '{{ lang }}', source: 'chat', version: 2, beta: false },
  });
  const p = plan(c, null, { weight: 72, goal: 'Lose weight' }, { runId: 'r1', now: 0 });
  assert.equal(p.outcome, 'sequence');
  assert.deepEqual(p.userEvent, {
    name: 'curationCompleted',
    property: { waterL: 2.2, goal: 'losing', heavy: false, pack: 'diet', lang: 'en', source: 'chat', version: 2, beta: false },
  });
  // `curation preview` shows what the run will record.
  assert.match(describePlan(p), /\nonce completed: user event curationCompleted \{waterL: 2\.2, goal: "losing", heavy: false, pack: "diet", lang: "en", source: "chat", version: 2, beta: false\}\n/);
});

test('a fallback or skipped plan carries no user event', async () => {
  const { loaded } = await load('userEvent: { name: curationCompleted, property: { waterL: "{{ waterL }}" } }\n');
  assert.ok(loaded.ok);
  const c = loaded.set.byId('ue')!;
  const fallback = plan(c, null, { goal: 'Lose weight' }, { runId: 'r2', now: 0 });
  assert.equal(fallback.outcome, 'fallback');
  assert.equal(fallback.userEvent, undefined);
});

test('a curation without userEvent plans none', async () => {
  const { loaded } = await load('');
  assert.ok(loaded.ok);
  const c = loaded.set.byId('ue')!;
  assert.equal(c.userEvent, null);
  assert.equal(plan(c, null, { weight: 72, goal: 'Lose weight' }, { runId: 'r3', now: 0 }).userEvent, undefined);
});

test('check: an unknown value, a survey answer and a template are refused, each at its line', async () => {
  const lines = await errorLines(`userEvent:
  name: curationCompleted
  property:
    water: "{{ watrL }}"
    weight: "{{ weight }}"
    label: "{{ waterL }} L"
    ok: "{{ waterL }}"
`);
  const at = (n: number) => `ue.yaml:${HEAD + n}`;
  assert.ok(lines.includes(`${at(3)} userEvent.property.water: unknown value 'watrL': use one of the names under compute or settings, or lang; did you mean 'waterL'?`), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(`${at(4)} userEvent.property.weight: 'weight' is a survey answer`)), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(`${at(5)} userEvent.property.label: is a text, a number, true/false, or one value written {{ name }}`)), lines.join('\n'));
  assert.equal(lines.length, 3, lines.join('\n'));
});

test('check: the name must be given, fixed and within bounds', async () => {
  for (const [name, why] of [
    ['""', /userEvent\.name: is empty/],
    ['" done"', /userEvent\.name: starts or ends with spaces/],
    ['"done-{{ waterL }}"', /userEvent\.name: is a fixed name, not a template/],
    [`"${'n'.repeat(USER_EVENT_LIMITS.nameChars + 1)}"`, /userEvent\.name: is longer than 100 characters/],
  ] as const) {
    const lines = await errorLines(`userEvent:\n  name: ${name}\n`);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, new RegExp(`^ue\\.yaml:${HEAD + 1} ${why.source}`));
  }
  const missing = await errorLines('userEvent:\n  property: { a: 1 }\n');
  assert.deepEqual(missing, [`ue.yaml:${HEAD} userEvent: 'name' is required`]);
});

test('check: Channel Talk\'s 512-byte text limit and our property count', async () => {
  // 171 Korean syllables are 513 bytes in UTF-8.
  const long = await errorLines(`userEvent:\n  name: done\n  property:\n    note: "${'가'.repeat(171)}"\n`);
  assert.deepEqual(long, [`ue.yaml:${HEAD + 3} userEvent.property.note: is longer than 512 bytes, Channel Talk's limit for a text property`]);
  const props = Array.from({ length: USER_EVENT_LIMITS.properties + 1 }, (_, i) => `    p${i}: ${i}`).join('\n');
  const many = await errorLines(`userEvent:\n  name: done\n  property:\n${props}\n`);
  assert.deepEqual(many, [`ue.yaml:${HEAD + 2} userEvent.property: has 21 properties; at most 20`]);
  const unknownKey = await errorLines('userEvent:\n  name: done\n  extra: 1\n');
  assert.ok(unknownKey.some((l) => /userEvent/.test(l) && /extra/.test(l)), unknownKey.join('\n'));
});

test('curation check prints the userEvent problems as file:line path: sentence and exits 1', async () => {
  const { dir } = await load('userEvent:\n  name: curationCompleted\n  property:\n    index: "{{ nope }}"\n');
  const io = captureIO();
  assert.equal(await checkCommand(['--dir', dir], io), 1);
  assert.match(io.err.join('\n'), new RegExp(`ue\\.yaml:${HEAD + 3} userEvent\\.property\\.index: unknown value 'nope'`));
});

test('rendering: a null value leaves its property out; a long text or list is cut to Channel Talk\'s limits', () => {
  const e = { name: 'done', property: [
    { key: 'none', source: { kind: 'value' as const, name: 'none' } },
    { key: 'text', source: { kind: 'value' as const, name: 'text' } },
    { key: 'list', source: { kind: 'value' as const, name: 'list' } },
  ] };
  const out = renderUserEvent(e, { none: null, text: '가'.repeat(300), list: Array.from({ length: 2000 }, (_, i) => i) });
  const property = out.property!;
  assert.equal('none' in property, false);
  assert.equal(property.text, '가'.repeat(170));
  const list = property.list as number[];
  assert.ok(Buffer.byteLength(JSON.stringify(list)) <= USER_EVENT_LIMITS.listBytes);
  assert.deepEqual(list, Array.from({ length: list.length }, (_, i) => i));
  assert.ok(list.length > 500 && Buffer.byteLength(JSON.stringify([...list, list.length])) > USER_EVENT_LIMITS.listBytes, 'as many items as fit');
  assert.deepEqual(renderUserEvent({ name: 'bare', property: [] }, {}), { name: 'bare' });
  assert.equal(cutToBytes('a가b', 3), 'a');
});

test('curation preview --json carries the planned user event', async () => {
  const { dir } = await load('userEvent: { name: curationCompleted, property: { waterL: "{{ waterL }}" } }\n');
  await writeFile(path.join(dir, 'p.json'), JSON.stringify({ weight: 72, goal: 'Lose weight' }));
  const io = captureIO();
  assert.equal(await previewCommand(['ue', '--dir', dir, '--profile', path.join(dir, 'p.json'), '--json'], io), 0);
  const doc = JSON.parse(io.out.join('\n')) as { userEvent?: unknown };
  assert.deepEqual(doc.userEvent, { name: 'curationCompleted', property: { waterL: 2.2 } });
});
