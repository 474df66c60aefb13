// `__proto__`, `constructor` and `prototype` as a key of a curation file: the
// YAML reader keeps `__proto__` as a key, but zod and every plain object it
// lands in drop it (an object's prototype is set instead), and `constructor`
// or `prototype` read what every object inherits. `curation check` refuses
// all three wherever a key of the file names something, each at its line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { curationJsonSchema, formatLoadError, loadCurations, plan, type CurationLoadError } from '../../src/curation/index.js';
import { checkCommand } from '../../src/cli/check.js';
import { captureIO, tempDir } from './helpers.js';

const base = `id: rk
defaultLanguage: ko
languages: [ko, en]
trigger: { on: chatOpened }
settings:
  shop: Example
fields:
  weight: { type: number, min: 20, max: 300 }
  goal:
    type: option
    options: { lose: Lose weight, keep: Keep my weight }
tables:
  factor:
    lookup: { lose: 0.9, keep: 1 }
  grid:
    lookup:
      lose: { a: 1 }
      keep: { a: 2 }
compute:
  kcal: weight * 30 * lookup(factor, goal)
messages:
  - text: { ko: "{{ kcal }} kcal", en: "{{ kcal }} kcal" }
    buttons:
      - { title: Go, action: command, appId: app-1, name: go, params: { sku: { value: A1 } } }
writeBack:
  kcal: dietKcal
userEvent:
  name: curationCompleted
  property:
    kcal: "{{ kcal }}"
`;

/** `base` with `from` replaced by `to` (which must occur exactly once). */
function variant(from: string, to: string): string {
  assert.equal(base.split(from).length, 2, `'${from}' occurs once in the base file`);
  return base.replace(from, to);
}

function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `'${needle}' is in the text`);
  return i + 1;
}

async function errorsOf(text: string): Promise<{ file: string; errors: CurationLoadError[] }> {
  const dir = await tempDir({ 'rk.yaml': text });
  const r = await loadCurations(dir);
  return { file: path.join(dir, 'rk.yaml'), errors: r.ok ? [] : r.errors };
}

/** The one error the file gets: at `needle`'s line, at `where`, naming the key. */
async function refused(text: string, needle: string, where: string, key: string): Promise<void> {
  const { file, errors } = await errorsOf(text);
  assert.equal(errors.length, 1, errors.map(formatLoadError).join('\n') || 'the file loaded');
  const e = errors[0]!;
  assert.deepEqual([e.file, e.line, e.path], [file, lineOf(text, needle), where], formatLoadError(e));
  assert.equal(e.message, `'${key}' cannot be a name or key in a curation: JavaScript gives __proto__, constructor and prototype a meaning of their own, so the value would be lost or misread; choose another`);
}

test('the base file loads (each case below changes one key of it)', async () => {
  const { errors } = await errorsOf(base);
  assert.deepEqual(errors.map(formatLoadError), []);
});

describe('__proto__ is refused as any key, at its line', () => {
  const cases: Array<[string, string, string, string]> = [
    // [what, from, to, path]
    ['a write-back value name', '  kcal: dietKcal', '  __proto__: dietKcal', 'writeBack.__proto__'],
    ['a user-event property', '    kcal: "{{ kcal }}"', '    __proto__: "{{ kcal }}"', 'userEvent.property.__proto__'],
    ['a setting', '  shop: Example', '  __proto__: Example', 'settings.__proto__'],
    ['a computed value', '  kcal: weight * 30', '  __proto__: 1\n  kcal: weight * 30', 'compute.__proto__'],
    ['a field', '  weight: { type: number', '  __proto__: { type: text }\n  weight: { type: number', 'fields.__proto__'],
    ['an option', 'options: { lose: Lose weight,', 'options: { __proto__: Other, lose: Lose weight,', 'fields.goal.options.__proto__'],
    ['a table', '  factor:\n', '  __proto__:\n    lookup: { a: 1 }\n  factor:\n', 'tables.__proto__'],
    ['a lookup key', 'lookup: { lose: 0.9,', 'lookup: { __proto__: 2, lose: 0.9,', 'tables.factor.lookup.__proto__'],
    ['a row key', '      lose: { a: 1 }', '      lose: { a: 1, __proto__: 3 }', 'tables.grid.lookup.lose.__proto__'],
    ['a language of a text', 'en: "{{ kcal }} kcal" }', 'en: "{{ kcal }} kcal", __proto__: x }', 'messages[0].text.__proto__'],
    ['a button parameter', 'params: { sku:', 'params: { __proto__: { value: B2 }, sku:', 'messages[0].buttons[0].params.__proto__'],
    ['a value of a button parameter', '{ value: A1 }', '{ value: A1, __proto__: B2 }', 'messages[0].buttons[0].params.sku.__proto__'],
    ['a key of the file itself', 'id: rk\n', 'id: rk\n__proto__: { x: 1 }\n', '__proto__'],
  ];
  for (const [what, from, to, where] of cases) {
    test(`as ${what}`, async () => {
      const text = variant(from, to);
      await refused(text, '__proto__', where, '__proto__');
    });
  }
});

describe('constructor and prototype are refused wherever a key names something', () => {
  const cases: Array<[string, string, string, string, string]> = [
    // [what, from, to, needle, path]
    ['a write-back value name', '  kcal: dietKcal', '  constructor: dietKcal', '  constructor:', 'writeBack.constructor'],
    ['a write-back profile key', '  kcal: dietKcal', '  kcal: constructor', '  kcal: constructor', 'writeBack.kcal'],
    ['a user-event property', '    kcal: "{{ kcal }}"', '    prototype: "{{ kcal }}"', 'prototype:', 'userEvent.property.prototype'],
    ['a setting', '  shop: Example', '  constructor: Example', 'constructor:', 'settings.constructor'],
    ['a computed value', '  kcal: weight * 30', '  prototype: 1\n  kcal: weight * 30', 'prototype:', 'compute.prototype'],
    ['a field', '  weight: { type: number', '  constructor: { type: text, required: false }\n  weight: { type: number', 'constructor:', 'fields.constructor'],
    ['a field\'s profile key', '{ type: number, min: 20', '{ type: number, key: constructor, min: 20', 'key: constructor', 'fields.weight.key'],
    ['an option', 'options: { lose: Lose weight,', 'options: { prototype: Other, lose: Lose weight,', 'prototype: Other', 'fields.goal.options.prototype'],
    ['an otherwise option', 'Keep my weight }', 'Keep my weight }\n    otherwise: constructor', 'otherwise: constructor', 'fields.goal.otherwise'],
    ['a table', '  factor:\n', '  constructor:\n    lookup: { a: 1 }\n  factor:\n', 'constructor:', 'tables.constructor'],
    ['a lookup key', 'lookup: { lose: 0.9,', 'lookup: { prototype: 2, lose: 0.9,', 'prototype: 2', 'tables.factor.lookup.prototype'],
    ['a row key', '      lose: { a: 1 }', '      lose: { a: 1, constructor: 3 }', 'constructor: 3', 'tables.grid.lookup.lose.constructor'],
    ['a button parameter', 'params: { sku:', 'params: { constructor: { value: B2 }, sku:', 'constructor:', 'messages[0].buttons[0].params.constructor'],
    ['a value of a button parameter', '{ value: A1 }', '{ value: A1, prototype: B2 }', 'prototype: B2', 'messages[0].buttons[0].params.sku.prototype'],
  ];
  for (const [what, from, to, needle, where] of cases) {
    const key = to.includes('prototype') ? 'prototype' : 'constructor';
    test(`as ${what}`, async () => {
      await refused(variant(from, to), needle, where, key);
    });
  }

  test('__proto__ as a write-back profile key (a value in the file, a key of the PATCH body)', async () => {
    const text = variant('  kcal: dietKcal', '  kcal: __proto__');
    await refused(text, 'kcal: __proto__', 'writeBack.kcal', '__proto__');
  });

  test('__proto__ as a field\'s profile key', async () => {
    const text = variant('{ type: number, min: 20', '{ type: number, key: __proto__, min: 20');
    await refused(text, 'key: __proto__', 'fields.weight.key', '__proto__');
  });

  test('curation check exits 1 with file:line path: sentence', async () => {
    const dir = await tempDir({ 'rk.yaml': variant('    kcal: "{{ kcal }}"', '    __proto__: "{{ kcal }}"') });
    const io = captureIO();
    assert.equal(await checkCommand(['--dir', dir], io), 1);
    assert.match(io.err.join('\n'), /rk\.yaml:\d+ userEvent\.property\.__proto__: '__proto__' cannot be a name or key in a curation/);
  });
});

test('a profile key that every object inherits (toString) is read from the profile only', async () => {
  const text = variant('{ type: number, min: 20', '{ type: number, key: toString, min: 20');
  const dir = await tempDir({ 'rk.yaml': text });
  const r = await loadCurations(dir);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatLoadError).join('\n'));
  const c = r.set.byId('rk')!;
  const missing = plan(c, null, { goal: 'Lose weight' }, { runId: 'r1', now: 0 });
  assert.deepEqual(missing.problems.map((p) => [p.field, p.problem]), [['toString', 'missing']]);
  const given = plan(c, null, { toString: 70, goal: 'Lose weight' }, { runId: 'r1', now: 0 });
  assert.equal(given.outcome, 'sequence');
  assert.equal(given.values.kcal, 70 * 30 * 0.9);
});

describe('the JSON Schema says it too', () => {
  /** Every `propertyNames` in the schema, with where it is. */
  function propertyNames(node: unknown, at: string, out: Array<{ at: string; pattern: unknown }>): void {
    if (Array.isArray(node)) node.forEach((n, i) => propertyNames(n, `${at}[${i}]`, out));
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'propertyNames') out.push({ at, pattern: (v as { pattern?: unknown }).pattern });
        else propertyNames(v, `${at}.${k}`, out);
      }
    }
  }

  test('every map of the file refuses the three keys in an editor', () => {
    const found: Array<{ at: string; pattern: unknown }> = [];
    propertyNames(curationJsonSchema(), '', found);
    // settings, fields, options, tables, lookup keys, rows, compute, writeBack, userEvent.property, params (2 levels), …
    assert.ok(found.length >= 10, `${found.length} maps`);
    for (const { at, pattern } of found) {
      assert.equal(typeof pattern, 'string', `${at} has a key pattern`);
      const re = new RegExp(pattern as string, 'u');
      for (const key of ['__proto__', 'constructor', 'prototype']) assert.equal(re.test(key), false, `${at} refuses ${key}`);
    }
  });

  test('profile keys (writeBack values, a field\'s key) refuse them too', () => {
    const schema = curationJsonSchema() as { properties: Record<string, { additionalProperties?: { pattern?: string } }>; definitions?: unknown };
    const writeBack = schema.properties.writeBack?.additionalProperties?.pattern;
    assert.equal(typeof writeBack, 'string');
    for (const key of ['__proto__', 'constructor', 'prototype']) assert.equal(new RegExp(writeBack!, 'u').test(key), false);
    assert.equal(new RegExp(writeBack!, 'u').test('dietKcal'), true);
  });
});
