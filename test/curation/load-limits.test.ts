// Hostile or runaway curation files are refused quickly and with a place:
// a size cap, duplicate keys found per mapping, YAML aliases that expand
// without end, nesting and expressions beyond their bounds. None of them may
// escape as an exception (which `check` showed as exit 2 and the console as 500).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { formatLoadError, loadCurations, type CurationLoadError } from '../../src/curation/index.js';
import { checkCommand } from '../../src/cli/check.js';
import { captureIO, minimalCuration, tempDir } from './helpers.js';

/** The documented cap (docs/curations.md): 256 KB per file. */
const CAP = 256 * 1024;

async function load(text: string, name = 'c.yaml'): Promise<{ file: string; errors: CurationLoadError[]; ok: boolean }> {
  const dir = await tempDir({ [name]: text });
  const r = await loadCurations(dir);
  return { file: path.join(dir, name), errors: r.ok ? [] : r.errors, ok: r.ok };
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `'${needle}' is in the text`);
  return i + 1;
}

/** A valid curation with `n` settings keys (k0 … k<n-1>). */
function manySettings(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`  k${i}: ${i}`);
  return minimalCuration(`settings:\n${lines.join('\n')}\nmessages:\n  - text: hi\n`);
}

/** `text` padded with a trailing comment to exactly `bytes` bytes. */
function padTo(text: string, bytes: number): string {
  const room = bytes - Buffer.byteLength(text) - 3;
  assert.ok(room >= 0, 'the text fits');
  return `${text}# ${'x'.repeat(room)}\n`;
}

describe('the size cap', () => {
  test('a file of exactly 256 KB with thousands of keys loads', async () => {
    const text = padTo(manySettings(12_000), CAP);
    assert.equal(Buffer.byteLength(text), CAP);
    const r = await load(text);
    assert.ok(r.ok, r.errors.map(formatLoadError).join('\n'));
  });

  test('one byte more is refused at line 1, with the cap and what to do', async () => {
    const text = padTo(manySettings(12_000), CAP + 1);
    const r = await load(text);
    assert.equal(r.errors.length, 1);
    const e = r.errors[0]!;
    assert.deepEqual([e.file, e.line, e.path], [r.file, 1, '']);
    assert.match(e.message, /larger than 256 KB/);
    assert.match(e.message, /split/);
  });

  test('a much larger file is refused the same way', async () => {
    const r = await load(manySettings(40_000));
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!.message, /larger than 256 KB/);
  });
});

describe('duplicate keys, found per mapping', () => {
  test('among thousands of keys, the duplicate is named at its own line and path', async () => {
    const body = manySettings(10_000).replace('messages:\n', '  k42: again\nmessages:\n');
    const r = await load(body);
    assert.equal(r.errors.length, 1, r.errors.map(formatLoadError).join('\n'));
    const e = r.errors[0]!;
    assert.deepEqual([e.file, e.line, e.path], [r.file, lineOf(body, 'k42: again'), 'settings.k42']);
    assert.match(e.message, new RegExp(`'k42' appears twice in this mapping \\(first at line ${lineOf(body, 'k42: 42')}\\); keys must be unique`));
  });

  test('a duplicate deep inside a table, and one at the top', async () => {
    const body = minimalCuration('tables:\n  t:\n    lookup:\n      a: 1\n      b: 2\n      a: 3\nmessages:\n  - text: hi\nmessages:\n  - text: again\n');
    const r = await load(body);
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.path]),
      [
        [lineOf(body, 'a: 3'), 'tables.t.lookup.a'],
        [body.split('\n').lastIndexOf('messages:') + 1, 'messages'],
      ],
    );
  });

  test('the same key in two different mappings is not a duplicate', async () => {
    const r = await load(minimalCuration('tables:\n  t:\n    lookup: { a: 1 }\n  u:\n    lookup: { a: 2 }\nmessages:\n  - text: hi\n'));
    assert.ok(r.ok, r.errors.map(formatLoadError).join('\n'));
  });

  test('1 and "1" collide as keys (they are one key once loaded)', async () => {
    const body = minimalCuration('tables:\n  t:\n    lookup:\n      1: a\n      "1": b\nmessages:\n  - text: hi\n');
    const r = await load(body);
    assert.equal(r.errors[0]?.line, lineOf(body, '"1": b'));
    assert.match(r.errors[0]?.message ?? '', /appears twice/);
  });
});

describe('YAML aliases', () => {
  /** Ten levels of nine aliases each: 9^10 values once expanded. */
  function aliasBomb(): string {
    const lines = ['  l0: &l0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 10; i++) lines.push(`  l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(', ')}]`);
    return minimalCuration(`settings:\n${lines.join('\n')}\nmessages:\n  - text: hi\n`);
  }

  test('an alias bomb is refused at the alias that makes it too big, not thrown', async () => {
    const text = aliasBomb();
    const r = await load(text);
    assert.equal(r.errors.length, 1, r.errors.map(formatLoadError).join('\n'));
    const e = r.errors[0]!;
    assert.equal(e.file, r.file);
    assert.equal(typeof e.line, 'number');
    assert.match(e.path, /^settings\.l\d+\[\d+\]$/);
    assert.equal(e.line, lineOf(text, `${e.path.replace(/^settings\.(l\d+).*$/, '$1')}: &`));
    assert.match(e.message, /aliases expand this file to more than [\d,]+ values/);
  });

  test('a modest alias use (a shared list used many times) loads', async () => {
    const uses = Array.from({ length: 150 }, (_, i) => `  s${i}: *shared`).join('\n');
    const r = await load(minimalCuration(`settings:\n  base: &shared hello\n${uses}\nmessages:\n  - text: hi\n`));
    assert.ok(r.ok, r.errors.map(formatLoadError).join('\n'));
  });

  test('an alias without its anchor, and an alias inside the value it names', async () => {
    const missing = minimalCuration('settings:\n  a: *nowhere\nmessages:\n  - text: hi\n');
    const m = await load(missing);
    assert.deepEqual([m.errors[0]?.line, m.errors[0]?.path], [lineOf(missing, 'a: *nowhere'), 'settings.a']);
    assert.match(m.errors[0]?.message ?? '', /alias \*nowhere has no anchor &nowhere above it/);
    const loop = minimalCuration('tables:\n  t: &t\n    lookup:\n      a: *t\nmessages:\n  - text: hi\n');
    const l = await load(loop);
    assert.deepEqual([l.errors[0]?.line, l.errors[0]?.path], [lineOf(loop, 'a: *t'), 'tables.t.lookup.a']);
    assert.match(l.errors[0]?.message ?? '', /alias \*t is inside the value it names/);
  });
});

describe('nesting and expressions', () => {
  test('YAML nested deeper than any curation needs is refused with a line (100 levels, and 5,000)', async () => {
    for (const levels of [100, 5000]) {
      const deep = minimalCuration(`settings:\n  a: ${'['.repeat(levels)}${']'.repeat(levels)}\nmessages:\n  - text: hi\n`);
      const r = await load(deep);
      assert.equal(r.errors.length, 1, r.errors.map(formatLoadError).join('\n'));
      assert.equal(r.errors[0]!.line, lineOf(deep, 'a: [['));
      assert.match(r.errors[0]!.message, /^is nested more than 32 levels deep/);
    }
  });

  test('a 20,000-term expression is refused at its value', async () => {
    const text = minimalCuration(`compute:\n  x: ${Array.from({ length: 20_000 }, () => '1').join(' + ')}\nmessages:\n  - text: "{{ x }}"\n`);
    const r = await load(text);
    assert.equal(r.errors.length, 1, r.errors.map(formatLoadError).join('\n'));
    const e = r.errors[0]!;
    assert.deepEqual([e.line, e.path], [lineOf(text, '  x: 1 + 1'), 'compute.x']);
    assert.match(e.message, /^is \d+ characters long; an expression may have at most 1000/);
  });

  test('too many terms, too deep brackets: refused, each at its value', async () => {
    const terms = Array.from({ length: 201 }, (_, i) => `${i % 10}`).join('+');
    const depth = `${'('.repeat(33)}1${')'.repeat(33)}`;
    const text = minimalCuration(`compute:\n  many: ${terms}\n  deep: ${depth}\n  fine: ${'('.repeat(32)}1${')'.repeat(32)} + ${Array.from({ length: 199 }, () => '1').join('+')}\nmessages:\n  - text: "{{ many }} {{ deep }} {{ fine }}"\n`);
    const r = await load(text);
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.path]),
      [
        [lineOf(text, 'many:'), 'compute.many'],
        [lineOf(text, 'deep:'), 'compute.deep'],
      ],
      r.errors.map(formatLoadError).join('\n'),
    );
    assert.match(r.errors[0]!.message, /has 201 terms; an expression may have at most 200/);
    assert.match(r.errors[1]!.message, /is nested 33 levels deep; an expression may nest at most 32/);
  });
});

describe('curation check on hostile files', () => {
  test('exit 1 (not 2) and one file:line path: sentence per problem', async () => {
    const bombLines = ['  l0: &l0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 10; i++) bombLines.push(`  l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(', ')}]`);
    const dir = await tempDir({
      'a-bomb.yaml': minimalCuration(`settings:\n${bombLines.join('\n')}\nmessages:\n  - text: hi\n`, 'bomb'),
      'b-long.yaml': minimalCuration(`compute:\n  x: ${Array.from({ length: 20_000 }, () => '1').join(' + ')}\nmessages:\n  - text: hi\n`, 'long'),
    });
    const io = captureIO();
    assert.equal(await checkCommand(['--dir', dir], io), 1);
    const lines = io.err.join('\n').split('\n');
    assert.ok(lines.some((l) => /a-bomb\.yaml:\d+ settings\.l\d+\[\d+\]: YAML aliases expand/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /b-long\.yaml:5 compute\.x: is \d+ characters long/.test(l)), lines.join('\n'));
  });
});
