// Broken curation files are refused at load with file, line, path and a plain
// sentence; loading is all-or-nothing; `curation check` exits non-zero.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatLoadError, loadCurations, curationJsonSchemaText, type CurationLoadError } from '../../src/curation/index.js';
import { checkCommand } from '../../src/cli/check.js';
import { schemaCommand } from '../../src/cli/schema.js';
import { captureIO, minimalCuration, PACK_DIR, ROOT, tempDir } from './helpers.js';

const DIET_MAIN = readFileSync(path.join(PACK_DIR, 'diet-main.yaml'), 'utf8');

/** 1-based line of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `'${needle}' is in the text`);
  return i + 1;
}

async function errorsFor(files: Record<string, string>): Promise<{ dir: string; errors: CurationLoadError[] }> {
  const dir = await tempDir(files);
  const r = await loadCurations(dir);
  assert.equal(r.ok, false, 'the directory must not load');
  return { dir, errors: r.ok ? [] : r.errors };
}

async function oneError(body: string): Promise<{ error: CurationLoadError; text: string }> {
  const text = minimalCuration(body);
  const { errors } = await errorsFor({ 'c.yaml': text });
  assert.ok(errors.length >= 1);
  return { error: errors[0]!, text };
}

describe('broken curation files', () => {
  test('an unknown name in compute names the file, the line and the value', async () => {
    const broken = DIET_MAIN.replace('13.7 * weight', '13.7 * wieght');
    const { dir, errors } = await errorsFor({ 'diet-main.yaml': broken });
    assert.equal(errors.length, 1);
    const line = lineOf(broken, '  bmr:');
    const e = errors[0]!;
    assert.deepEqual([e.file, e.line, e.path], [path.join(dir, 'diet-main.yaml'), line, 'compute.bmr']);
    assert.ok(formatLoadError(e).startsWith(`${path.join(dir, 'diet-main.yaml')}:${line} compute.bmr: unknown name 'wieght'`), formatLoadError(e));
  });

  test('YAML syntax errors carry their line', async () => {
    const { errors } = await errorsFor({ 'bad.yaml': 'id: x\ndefaultLanguage: ko\ntrigger: { on: chatOpened\nmessages:\n  - text: hi\n' });
    assert.match(errors[0]!.message, /^YAML syntax error: /);
    assert.equal(typeof errors[0]!.line, 'number');
    const dup = await errorsFor({ 'dup.yaml': 'id: x\nid: y\n' });
    assert.equal(dup.errors[0]!.line, 2);
    assert.match(dup.errors[0]!.message, /unique/);
  });

  test('three buttons are refused (Channel Talk allows two)', async () => {
    const { error, text } = await oneError(`messages:
  - text: pick one
    buttons:
      - { title: a, url: "https://a.example" }
      - { title: b, url: "https://b.example" }
      - { title: c, url: "https://c.example" }
`);
    assert.equal(error.path, 'messages[0].buttons');
    assert.equal(error.line, lineOf(text, 'buttons:'));
    assert.match(error.message, /at most 2 buttons/);
  });

  test('a duplicate id across files names both files', async () => {
    const { errors } = await errorsFor({ 'a.yaml': minimalCuration('messages:\n  - text: a\n', 'same'), 'b.yaml': minimalCuration('messages:\n  - text: b\n', 'same') });
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.file, /b\.yaml$/);
    assert.equal(errors[0]!.line, 1);
    assert.equal(errors[0]!.message, "duplicate id 'same': a.yaml already uses it");
  });

  test('a value may not use a value computed below it', async () => {
    const { error, text } = await oneError(`fields:
  amount: { type: number }
compute:
  total: amount + tax
  tax: amount * 0.1
messages:
  - text: "{{ total }}"
`);
    assert.equal(error.path, 'compute.total');
    assert.equal(error.line, lineOf(text, 'total: amount'));
    assert.equal(error.message, `'tax' is computed later (line ${lineOf(text, 'tax: amount')}): a value can only use the values above it`);
  });

  const cases: Array<[string, string, string, RegExp]> = [
    ['unknown table', 'compute:\n  x: lookup(factors, 1)\nmessages:\n  - text: hi\n', 'compute.x', /unknown table 'factors'/],
    ['unknown function', 'compute:\n  x: sqr(4)\nmessages:\n  - text: hi\n', 'compute.x', /unknown function 'sqr'/],
    ['assignment', 'compute:\n  x: y = 4\nmessages:\n  - text: hi\n', 'compute.x', /assignments are not allowed/],
    ["mathjs's import is not reachable", 'compute:\n  x: import({}, {})\nmessages:\n  - text: hi\n', 'compute.x', /unknown function 'import'/],
    ['evaluate is not reachable', 'compute:\n  x: evaluate("1+1")\nmessages:\n  - text: hi\n', 'compute.x', /unknown function 'evaluate'/],
    ['units are not names', 'compute:\n  x: 5 cm\nmessages:\n  - text: hi\n', 'compute.x', /unknown name 'cm'/],
    ['expression syntax', 'compute:\n  x: 1 +* 2\nmessages:\n  - text: hi\n', 'compute.x', /syntax error/],
    ['unknown name in a template', 'messages:\n  - text: "Hi {{ nmae }}"\n', 'messages[0].text', /unknown name 'nmae'/],
    ['unknown filter', 'messages:\n  - text: "{{ lang | shout }}"\n', 'messages[0].text', /unknown filter 'shout'/],
    ['include is refused', 'messages:\n  - text: "{% include \'x\' %}"\n', 'messages[0].text', /not allowed/],
    ['a literal invalid URL', 'messages:\n  - text: go\n    buttons:\n      - { title: go, url: "ftp://files.example" }\n', 'messages[0].buttons[0].url', /not a valid http\(s\) URL/],
    ['a URL that renders invalid', 'settings:\n  page: not-a-url\nmessages:\n  - text: go\n    buttons:\n      - { title: go, url: "{{ page }}/x" }\n', 'messages[0].buttons[0].url', /not a valid http\(s\) URL once rendered/],
    ['markup Channel Talk refuses', 'messages:\n  - text: "line<br>break"\n', 'messages[0].text', /only <b>, <i> and <link/],
    ['a missing translation', 'languages: [ko, en]\nmessages:\n  - text: { ko: 안녕 }\n', 'messages[0].text', /has no 'en' text/],
    ['an unknown key', 'limits: { oncePerChat: true, coolDown: 1h }\nmessages:\n  - text: hi\n', 'limits.coolDown', /unknown key 'coolDown'/],
    ['a bad duration', 'messages:\n  - text: hi\n    delay: 2 seconds\n', 'messages[0].delay', /duration/],
    ['keywords on chatOpened', 'trigger: { on: chatOpened, keywords: [hi] }\nmessages:\n  - text: hi\n', 'trigger.keywords', /only apply to userMessage/],
    ['a computed value in a fallback', 'compute:\n  x: 1\nmessages:\n  - text: hi\nfallback:\n  messages:\n    - text: "{{ x }}"\n', 'fallback.messages[0].text', /fallback messages cannot use the computed value 'x'/],
    ['a table missing an option', 'fields:\n  size: { type: option, options: { s: S, l: L } }\ntables:\n  price:\n    lookup: { s: 1 }\ncompute:\n  p: lookup(price, size)\nmessages:\n  - text: hi\n', 'compute.p', /no entry for 'l'/],
    ['overlapping bands', 'tables:\n  b:\n    bands:\n      - { from: 0, below: 10, value: a }\n      - { from: 5, below: 20, value: b }\nmessages:\n  - text: hi\n', 'tables.b.bands[1]', /overlaps/],
    ['a name used twice', 'settings:\n  amount: 1\nfields:\n  amount: { type: number }\nmessages:\n  - text: hi\n', 'fields.amount', /already used by settings/],
    ['a reserved name', 'fields:\n  round: { type: number }\nmessages:\n  - text: hi\n', 'fields.round', /reserved/],
    ['min on a text field', 'fields:\n  n: { type: text, min: 1 }\nmessages:\n  - text: hi\n', 'fields.n.min', /only apply to number fields/],
  ];
  for (const [label, body, wantPath, wantMessage] of cases) {
    test(`refused: ${label}`, async () => {
      const { error } = await oneError(body);
      assert.equal(error.path, wantPath, formatLoadError(error));
      assert.match(error.message, wantMessage);
      assert.equal(typeof error.line, 'number');
    });
  }

  test('a template error inside a block text points at its own line', async () => {
    const { error, text } = await oneError('messages:\n  - text: |\n      first line\n      {{ nmae }}\n');
    assert.equal(error.line, lineOf(text, '{{ nmae }}'));
  });

  test('a userMessage trigger needs keywords; keywords need letters', async () => {
    const none = await errorsFor({ 'c.yaml': 'id: c\ndefaultLanguage: ko\ntrigger: { on: userMessage }\nmessages:\n  - text: hi\n' });
    assert.match(none.errors[0]!.message, /needs 'keywords'/);
    const punct = await errorsFor({ 'c.yaml': 'id: c\ndefaultLanguage: ko\ntrigger: { on: userMessage, keywords: ["!!"] }\nmessages:\n  - text: hi\n' });
    assert.equal(punct.errors[0]!.path, 'trigger.keywords[0]');
  });

  test('every problem of a file is reported, not only the first', async () => {
    const { errors } = await errorsFor({ 'c.yaml': minimalCuration('compute:\n  a: nope1\n  b: nope2\nmessages:\n  - text: "{{ nope3 }}"\n') });
    assert.deepEqual(errors.map((e) => e.path), ['compute.a', 'compute.b', 'messages[0].text']);
  });

  test('a missing directory is an error, not an empty set', async () => {
    const r = await loadCurations(path.join(ROOT, 'no-such-curations-dir'));
    assert.equal(r.ok, false);
  });
});

describe('loading is all-or-nothing', () => {
  test('one broken file: no curation is loaded, only its errors are listed', async () => {
    const good = readFileSync(path.join(PACK_DIR, 'diet-gift.yaml'), 'utf8');
    const { errors } = await errorsFor({ 'a-good.yaml': good, 'b-bad.yaml': minimalCuration('messages:\n  - text: "{{ x }}"\n') });
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.file, /b-bad\.yaml$/);
  });

  test('the shipped pack loads, in file order', async () => {
    const r = await loadCurations(PACK_DIR);
    assert.ok(r.ok, r.ok ? '' : r.errors.map(formatLoadError).join('\n'));
    assert.deepEqual(r.set.curations.map((c) => c.id), ['diet-gift', 'diet-main']);
    assert.equal(r.set.byId('diet-main')?.id, 'diet-main');
    assert.equal(r.set.byId('nope'), undefined);
    assert.equal(r.files.length, 2);
  });

  test('shipped files point editors at the JSON Schema', async () => {
    for (const name of ['diet-main.yaml', 'diet-gift.yaml']) {
      const text = await readFile(path.join(PACK_DIR, name), 'utf8');
      assert.ok(text.startsWith('# yaml-language-server: $schema=./curation.schema.json\n'), name);
    }
  });
});

describe('curation check', () => {
  test('exit 0 for the shipped pack (CURATIONS_DIR default ./curations)', async () => {
    const io = captureIO();
    assert.equal(await checkCommand([], io), 0);
    assert.match(io.out.join('\n'), /diet-main/);
    assert.match(io.out.join('\n'), /2 curations valid/);
  });

  test('exit 1 for a broken directory, printing every error line', async () => {
    const dir = await tempDir({ 'x.yaml': minimalCuration('compute:\n  a: nope1\nmessages:\n  - text: "{{ nope2 }}"\n') });
    const io = captureIO();
    assert.equal(await checkCommand(['--dir', dir], io), 1);
    const lines = io.err.join('\n').split('\n');
    assert.ok(lines.some((l) => /x\.yaml:5 compute\.a: unknown name 'nope1'/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /x\.yaml:7 messages\[0\]\.text: unknown name 'nope2'/.test(l)), lines.join('\n'));
  });

  test('CURATIONS_DIR is honoured, relative to the working directory', async () => {
    const io = captureIO({ CURATIONS_DIR: 'examples/curations' });
    assert.equal(await checkCommand([], io), 0);
    assert.match(io.out.join('\n'), /refund-estimate/);
  });

  test('exit 2 for a wrong option', async () => {
    const io = captureIO();
    assert.equal(await checkCommand(['--nope'], io), 2);
  });
});

describe('the JSON Schema', () => {
  test('the committed curations/curation.schema.json is the generated one (run `curation schema --out curations/curation.schema.json`)', async () => {
    const committed = await readFile(path.join(PACK_DIR, 'curation.schema.json'), 'utf8');
    assert.equal(committed, curationJsonSchemaText());
  });

  test('curation schema prints it, or writes it with --out', async () => {
    const io = captureIO();
    assert.equal(await schemaCommand([], io), 0);
    assert.equal(io.out.join(''), curationJsonSchemaText());
    const dir = await tempDir({});
    const out = captureIO();
    assert.equal(await schemaCommand(['--out', path.join(dir, 's.json')], out), 0);
    assert.equal(await readFile(path.join(dir, 's.json'), 'utf8'), curationJsonSchemaText());
    const schema = JSON.parse(curationJsonSchemaText()) as { properties: Record<string, unknown>; required: string[] };
    assert.ok(schema.properties.trigger && schema.properties.messages && schema.properties.compute);
    assert.deepEqual([...schema.required].sort(), ['defaultLanguage', 'id', 'messages', 'trigger']);
  });
});
