// The expression language: rounding as a person does it, strings compared as
// strings, tables, and nothing beyond the small allowed set.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression, ExpressionError, type ExpressionContext } from '../../src/curation/expressions.js';
import { ceilDecimal, floorDecimal, roundDecimal, truncDecimal } from '../../src/curation/rounding.js';
import { compileTable } from '../../src/curation/tables.js';
import { formatNumber } from '../../src/curation/format.js';
import { loadCurations, plan } from '../../src/curation/index.js';
import { minimalCuration, tempDir } from './helpers.js';

function ctx(names: string[] = []): ExpressionContext {
  return {
    names: new Set(names),
    later: new Map(),
    self: null,
    tables: new Map([
      ['factor', compileTable('factor', { lookup: { a: 1.5, b: 2 } })],
      ['grid', compileTable('grid', { lookup: { r1: { c1: 11, c2: 12 } }, otherwise: 0 })],
      ['size', compileTable('size', { bands: [{ from: 0, below: 10, value: 'small' }, { from: 10, value: 'big' }] })],
    ]),
    functions: new Map(),
    optionKeys: new Map(),
  };
}

const run = (expr: string, scope: Record<string, unknown> = {}) => compileExpression(expr, ctx(Object.keys(scope)))(scope);

describe('rounding', () => {
  test('round(x, 1) is half away from zero on the decimal value', () => {
    assert.equal(roundDecimal(2.25, 1), 2.3);
    assert.equal(roundDecimal(2.35, 1), 2.4);
    assert.equal(roundDecimal(2.45, 1), 2.5);
    assert.equal(roundDecimal(-2.25, 1), -2.3);
    assert.equal(roundDecimal(1.005, 2), 1.01); // binary 1.00499999999999989...
    assert.equal(roundDecimal(72.5 * 0.03, 1), 2.2); // 2.1749999999999998 in binary, 2.175 by hand
    assert.equal(roundDecimal(0.5), 1);
    assert.equal(roundDecimal(2.5), 3);
    assert.equal(roundDecimal(2.4999), 2);
    assert.equal(roundDecimal(1234.5, -1), 1230);
    assert.equal(roundDecimal(1235, -1), 1240);
    assert.equal(run('round(2.25, 1)'), 2.3);
  });

  test('trunc drops the fraction of the decimal value, like integer conversion', () => {
    assert.equal(truncDecimal(2.999), 2);
    assert.equal(truncDecimal(-2.7), -2);
    assert.equal(truncDecimal(13.7 * 70 + 66 + 850 - 204), 1671); // 1670.9999999999998 in binary
    assert.equal(Object.is(truncDecimal(-0.2), 0), true);
    assert.equal(run('trunc(9.99)'), 9);
    assert.equal(run('fix(-9.99)'), -9);
  });

  test('floor and ceil with decimals', () => {
    assert.equal(floorDecimal(8641.5, -1), 8640);
    assert.equal(ceilDecimal(2.01, 1), 2.1);
    assert.equal(floorDecimal(-2.5), -3);
    assert.equal(ceilDecimal(0.1 + 0.2, 1), 0.3); // 0.30000000000000004 must not become 0.4
  });

  test('numbers are formatted per language, with fixed decimals', () => {
    assert.equal(formatNumber(1234567.25, 'ko', 1), '1,234,567.3');
    assert.equal(formatNumber(1234567.25, 'en', 0), '1,234,567');
    assert.equal(formatNumber(1234.5, 'de', 1), '1.234,5');
    assert.equal(formatNumber(200, 'ko', 1), '200.0');
    assert.equal(formatNumber(2.25, 'en', 1), '2.3');
  });
});

describe('the language', () => {
  test('texts compare as texts; conditions; and/or/not', () => {
    assert.equal(run("sex == 'female' ? 1 : 2", { sex: 'female' }), 1);
    assert.equal(run("sex == 'female' ? 1 : 2", { sex: null }), 2);
    assert.equal(run("a != 'x' and not b or c", { a: 'y', b: false, c: false }), true);
    assert.equal(run('x > 3 xor y > 3', { x: 5, y: 1 }), true);
    assert.equal(run("'a' + 'b'"), 'ab');
    assert.equal(run('7 mod 3'), 1);
    assert.equal(run('2 ^ 10'), 1024);
  });

  test('functions: min, max, clamp, has, count, coalesce, abs, sqrt, pow', () => {
    assert.equal(run('min(3, 1, 2) + max(3, 1, 2)'), 4);
    assert.equal(run('clamp(15, 0, 10)'), 10);
    assert.equal(run("has(list, 'b')", { list: ['a', 'b'] }), true);
    assert.equal(run("has(list, 'b')", { list: null }), false);
    assert.equal(run('count(list)', { list: ['a', 'b'] }), 2);
    assert.equal(run("coalesce(name, 'guest')", { name: null }), 'guest');
    assert.equal(run('abs(-2) + sqrt(9) + pow(2, 3)'), 13);
  });

  test('tables: lookup by key, by row and column, bands', () => {
    assert.equal(run("lookup(factor, 'b')"), 2);
    assert.equal(run("lookup(grid, 'r1', 'c2')"), 12);
    assert.equal(run("lookup(grid, 'r9', 'c2')"), 0, 'otherwise');
    assert.equal(run('band(size, 9.99)'), 'small');
    assert.equal(run('band(size, 10)'), 'big');
    assert.throws(() => run("lookup(factor, 'zzz')"), /no entry/);
    assert.throws(() => run('band(size, -1)'), /outside every band/);
  });

  test('refused at compile time, with a reason', () => {
    const refused: Array<[string, RegExp]> = [
      ['a = 1', /assignments/],
      ['f(x) = x', /assignments/],
      ['1; 2', /one expression/],
      ['[1, 2]', /not supported/],
      ['{a: 1}', /not supported/],
      ['x.y', /lookup/],
      ['x[1]', /lookup/],
      ['1:3', /not supported/],
      ['3!', /operator '!'/],
      ['1 to 2', /not supported|operator/],
      ['import({}, {})', /unknown function 'import'/],
      ['createUnit("x")', /unknown function 'createUnit'/],
      ['parse("1")', /unknown function 'parse'/],
      ['simplify("x")', /unknown function 'simplify'/],
      ['round(1, 2, 3)', /takes 1 or 2/],
      ['lookup(size, 1)', /band table/],
      ['band(factor, 1)', /lookup table/],
      ['factor', /is a table/],
      ['round', /is a function/],
      ['"abc" +', /syntax error/],
    ];
    for (const [expr, why] of refused) {
      assert.throws(
        () => compileExpression(expr, ctx(['x'])),
        (err: unknown) => err instanceof ExpressionError && why.test(err.message),
        expr,
      );
    }
  });
});

describe('built-in functions are own properties of the allow-list', () => {
  test("Object.prototype's members are neither functions nor names", () => {
    for (const name of ['hasOwnProperty', 'toString', 'valueOf', 'constructor', '__proto__', 'isPrototypeOf', '__defineGetter__']) {
      assert.throws(
        () => compileExpression(`${name}(x)`, ctx(['x'])),
        (err: unknown) => err instanceof ExpressionError && err.message.startsWith(`unknown function '${name}'`),
        `${name}(x)`,
      );
      assert.throws(
        () => compileExpression(name, ctx(['x'])),
        (err: unknown) => err instanceof ExpressionError && err.message.startsWith(`unknown name '${name}'`),
        name,
      );
    }
  });

  test('a curation calling hasOwnProperty is refused at its value', async () => {
    const r = await loadCurations(await tempDir({ 'h.yaml': minimalCuration("compute:\n  x: hasOwnProperty('a')\nmessages:\n  - text: \"{{ x }}\"\n") }));
    assert.ok(!r.ok);
    assert.deepEqual([r.errors[0]?.line, r.errors[0]?.path], [5, 'compute.x']);
    assert.match(r.errors[0]?.message ?? '', /^unknown function 'hasOwnProperty'/);
  });
});

describe('compute failures never produce a half plan', () => {
  test('a division by zero falls back with a reason; values stay empty', async () => {
    const r = await loadCurations(
      await tempDir({
        'z.yaml': minimalCuration(`fields:
  a: { type: number, min: 1 }
  b: { type: number, min: 1 }
compute:
  ratio: a / (b - 1 + 1)
  inverse: 1 / (a - 5)
messages:
  - text: "{{ ratio }} {{ inverse }}"
fallback:
  messages:
    - text: sorry
`),
      }),
    );
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
    const c = r.set.curations[0]!;
    const good = plan(c, null, { a: 2, b: 4 }, { runId: 'z', now: 0 });
    assert.equal(good.outcome, 'sequence');
    const bad = plan(c, null, { a: 5, b: 4 }, { runId: 'z', now: 0 });
    assert.equal(bad.outcome, 'fallback');
    assert.equal(bad.reason, "could not compute 'inverse': the result is not a finite number (a division by zero?)");
    assert.deepEqual(bad.values, {});
    assert.deepEqual(bad.messages[0]?.body.blocks, [{ type: 'text', value: 'sorry' }]);
  });

  test('the load-time dry run catches what only values reveal', async () => {
    const r = await loadCurations(
      await tempDir({
        'd.yaml': minimalCuration(`fields:
  age: { type: number, min: 10, max: 20 }
compute:
  x: 100 / (age - 10)
messages:
  - text: "{{ x }}"
`),
      }),
    );
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.path, 'compute.x');
    assert.match(r.errors[0]?.message ?? '', /age = 10 \(its min\)/);
  });
});
