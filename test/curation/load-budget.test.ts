// The load budget (docs/curations.md, "The load budget"): a file decides how
// much work loading it is, so each file may cost a fixed number of work units,
// counted the same way on every machine, and a CPU-time ceiling catches what
// units do not see. The attack file of issue 16 kept `curation check` busy for
// hours; these loads run in a worker stopped after a minute, so a regression
// fails instead of hanging the suite.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, type YAMLMap } from 'yaml';
import { formatLoadError, loadCurations } from '../../src/curation/index.js';
import { compileCuration } from '../../src/curation/compile.js';
import { CurationFileSchema } from '../../src/curation/schema.js';
import { parseYaml } from '../../src/curation/yaml-errors.js';
import { LOAD_BUDGET } from '../../src/curation/load-budget.js';
import { checkInWorker, computeChain, heavyLegalCuration, hostileCuration } from './heavy-files.js';
import { minimalCuration, tempDir } from './helpers.js';

const MINUTE = 60_000;

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `'${needle}' is in the text`);
  return i + 1;
}

async function checkFile(text: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const dir = await tempDir({ 'h.yaml': text });
  const r = await checkInWorker(dir, MINUTE);
  assert.notEqual(r, 'still running', 'curation check finished within a minute');
  if (r === 'still running') throw new Error('unreachable');
  return r;
}

describe('a hostile file is refused by the budget, at a line, quickly', () => {
  test('the attack file (20 languages, 3,000 options, a looping message aliased 1,000 times): at the option field', async () => {
    const text = hostileCuration({ languages: 20, options: 3000, aliases: 1000, loop: 1000 });
    assert.ok(Buffer.byteLength(text) < 80 * 1024, 'a small file');
    const r = await checkFile(text);
    assert.equal(r.code, 1);
    const problems = r.err.slice(0, -1);
    assert.equal(problems.length, 1, r.err.join('\n'));
    const [where, message] = problems[0]!.split(/ fields\.pick: /);
    assert.match(where!, new RegExp(`h\\.yaml:${lineOf(text, '  pick:')}$`), problems[0]);
    assert.match(message!, /^the dry run would cost [\d,]+ units of work, more than the [\d,]+ a curation file may use: 3,001 sample answers \(3,000 from the options of this field\) × 20 languages × [\d,]+ units a plan; /);
    assert.match(message!, /give this field fewer options/);
  });

  test('its 20-option variant (which stalled a console reload for 10 s): at the costliest message', async () => {
    const text = hostileCuration({ languages: 20, options: 20, aliases: 1000, loop: 1000 });
    const r = await checkFile(text);
    assert.equal(r.code, 1);
    const problems = r.err.slice(0, -1);
    assert.equal(problems.length, 1, r.err.join('\n'));
    // The message's mapping starts on the line after its anchor.
    assert.match(problems[0]!, new RegExp(`h\\.yaml:${lineOf(text, '- &loop') + 1} messages\\[0\\]: the dry run would cost [\\d,]+ units of work, more than the [\\d,]+ a curation file may use: 21 sample answers × 20 languages × [\\d,]+ units a plan, [\\d,]+ of them for this message`));
    assert.match(problems[0]!, /make it cheaper/);
  });

  test('compiling stops where the budget runs out (a lowered budget: 1,000 units, 20 a text)', async () => {
    const lines = ['id: many', 'defaultLanguage: ko', 'trigger: { on: chatOpened }', 'messages:'];
    for (let m = 0; m < 100; m++) lines.push(`  - text: "{{ lang }} ${m}"`);
    const text = `${lines.join('\n')}\n`;
    const dir = await tempDir({ 'h.yaml': text });
    const r = await loadCurations(dir, { budget: { ...LOAD_BUDGET, units: 1000 } });
    const errors = r.ok ? [] : r.errors;
    assert.equal(errors.length, 1, errors.map(formatLoadError).join('\n'));
    const e = errors[0]!;
    assert.deepEqual([e.line, e.path], [lineOf(text, '"{{ lang }} 50"'), 'messages[50].text']);
    assert.match(e.message, /^loading stopped here: the file needs more than 1,000 units of work, the most a curation file may use; /);
    assert.match(e.message, /fewer messages or languages/);
  });
});

describe('one step between two pauses is bounded too', () => {
  test('a message with more templates than one step may compile is refused at the template where it ran out (a lowered step: 100 units)', async () => {
    const bullets = Array.from({ length: 12 }, (_, i) => `          - "{{ lang }} item ${i}"`);
    const text = minimalCuration(`messages:\n  - blocks:\n      - bullets:\n${bullets.join('\n')}\n  - text: "{{ lang }} next"\n`, 'step');
    const dir = await tempDir({ 'h.yaml': text });
    const r = await loadCurations(dir, { budget: { ...LOAD_BUDGET, stepUnits: 100 } });
    const errors = r.ok ? [] : r.errors;
    assert.equal(errors.length, 1, errors.map(formatLoadError).join('\n'));
    const e = errors[0]!;
    // 20 units a template: the sixth bullet is the one over 100.
    assert.deepEqual([e.line, e.path], [lineOf(text, 'item 5"'), 'messages[0].blocks[0].bullets[5]']);
    assert.match(e.message, /^loading stopped here: this part alone needs more than 100 units of work at once, the most one message or value may use; /);
  });

  test('the same texts over several messages load: each message is a step of its own', async () => {
    const messages = Array.from({ length: 12 }, (_, i) => `  - text: "{{ lang }} item ${i}"`);
    const dir = await tempDir({ 'h.yaml': minimalCuration(`messages:\n${messages.join('\n')}\n`, 'steps') });
    const r = await loadCurations(dir, { budget: { ...LOAD_BUDGET, stepUnits: 100 } });
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatLoadError).join('\n'));
  });
});

describe('compute values load in linear work', () => {
  /** How often compiling `n` chained values reads an item of the YAML `compute:` mapping. */
  async function itemReads(n: number): Promise<number> {
    const parsed = parseYaml('c.yaml', computeChain(n));
    assert.ok(parsed.ok);
    const node = parsed.source.doc.get('compute', true);
    assert.ok(isMap(node));
    const map: YAMLMap = node;
    let reads = 0;
    map.items = new Proxy(map.items, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const data = CurationFileSchema.parse(parsed.source.doc.toJS());
    const compiled = await compileCuration(parsed.source, data);
    assert.ok(compiled.ok);
    return reads;
  }

  test('twice the values, about twice the line lookups (it was eight times: every later value was looked up for every value)', async () => {
    const small = await itemReads(150);
    const large = await itemReads(300);
    assert.ok(large <= 2.5 * small, `${small} reads for 150 values, ${large} for 300`);
    assert.ok(large <= 10 * 300, `${large} reads for 300 values`);
  });

  test('2,000 compute values load (they took 56 s), and one that uses a value below it names its line', async () => {
    const text = computeChain(2000);
    const r = await checkFile(text);
    assert.equal(r.code, 0, r.err.join('\n'));
    const wrong = text.replace('  v10: v9 + 1', '  v10: v1999 + 1');
    const bad = await checkFile(wrong);
    assert.equal(bad.code, 1);
    assert.match(bad.err[0]!, new RegExp(`h\\.yaml:${lineOf(wrong, 'v10:')} compute\\.v10: 'v1999' is computed later \\(line ${lineOf(wrong, 'v1999: v1998')}\\)`));
  });
});

describe('the time ceiling', () => {
  test('a function module that is slow is stopped, at its line, by a lowered ceiling', async () => {
    const dir = await tempDir({});
    await writeFile(
      path.join(dir, 'slow.js'),
      'export default { slow: (x) => { const end = Date.now() + 40; while (Date.now() < end); return x; } };\n',
    );
    const text = minimalCuration(
      'functions: ./slow.js\nfields:\n  pick:\n    type: option\n    options: { a: A, b: B, c: C, d: D, e: E, f: F, g: G, h: H, i: I, j: J }\ncompute:\n  s: slow(1)\nmessages:\n  - text: "{{ s }}"\n',
      'slow',
    );
    await writeFile(path.join(dir, 's.yaml'), text);
    const r = await loadCurations(dir, { budget: { ...LOAD_BUDGET, ms: 150 } });
    assert.equal(r.ok, false);
    const errors = r.ok ? [] : r.errors;
    assert.equal(errors.length, 1, errors.map(formatLoadError).join('\n'));
    const e = errors[0]!;
    assert.deepEqual([e.file, e.line, e.path], [path.join(dir, 's.yaml'), lineOf(text, 'functions:'), 'functions']);
    assert.match(e.message, /^loading took more than 0\.15 s of work, the most a curation file may take/);
  });
});

describe('what the budget admits', () => {
  test('a heavy file within the budget loads, as does the shipped pack', async () => {
    const text = heavyLegalCuration();
    const r = await checkFile(text);
    assert.equal(r.code, 0, r.err.join('\n'));
  });
});
