// The expression engine is the project's own small parser: it reads every
// expression exactly as mathjs (the engine it replaced) did, computes the same
// numbers, refuses the same constructs, bounds hostile input, and the service
// never loads mathjs. mathjs is imported here only, as the reference.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { all, create } from 'mathjs/number';
import type { MathNode } from 'mathjs';
import { compileExpression, ExpressionError, type ExpressionContext } from '../../src/curation/expressions.js';
import { parseExpression } from '../../src/curation/expr/parse.js';
import type { Expr } from '../../src/curation/expr/ast.js';
import { ROOT } from './helpers.js';

const math = create(all ?? {});

function ctx(names: string[]): ExpressionContext {
  return { names: new Set(names), later: new Map(), self: null, tables: new Map(), functions: new Map(), optionKeys: new Map() };
}
const run = (expr: string, scope: Record<string, unknown> = {}) => compileExpression(expr, ctx(Object.keys(scope)))(scope);

// --- one canonical form for both trees ----------------------------------------------

const MATH_OPS: Record<string, string> = {
  add: '+', subtract: '-', multiply: '*', divide: '/', pow: '^', mod: 'mod',
  equal: '==', unequal: '!=', smaller: '<', smallerEq: '<=', larger: '>', largerEq: '>=',
  and: 'and', or: 'or', xor: 'xor', unaryMinus: 'neg', unaryPlus: 'pos', not: 'not',
};

const constant = (v: unknown): string => (typeof v === 'number' ? `#${Object.is(v, -0) ? '-0' : String(v)}` : JSON.stringify(v) ?? 'undefined');

/** mathjs's tree in the canonical form; constructs we refuse become `refused:<kind>`. */
function fromMath(node: MathNode): string {
  const n = node as MathNode & Record<string, unknown>;
  switch (node.type) {
    case 'ConstantNode':
      return n.value === undefined ? '(refused:undefined)' : constant(n.value);
    case 'SymbolNode':
      return String(n.name);
    case 'ParenthesisNode':
      return fromMath(n.content as MathNode);
    case 'ConditionalNode':
      return `(? ${fromMath(n.condition as MathNode)} ${fromMath(n.trueExpr as MathNode)} ${fromMath(n.falseExpr as MathNode)})`;
    case 'FunctionNode':
      if ((n.fn as MathNode).type !== 'SymbolNode' || n.optional === true) return '(refused:method call)';
      return `(call ${fromMath(n.fn as MathNode)}${(n.args as MathNode[]).map((a) => ` ${fromMath(a)}`).join('')})`;
    case 'OperatorNode': {
      const op = MATH_OPS[String(n.fn)];
      const args = (n.args as MathNode[]).map(fromMath).join(' ');
      if (n.implicit === true) return `(refused:implicit multiplication ${args})`;
      if (n.isPercentage === true) return `(refused:percentage ${args})`;
      return op === undefined ? `(refused:operator ${String(n.op)} ${args})` : `(${op} ${args})`;
    }
    case 'RelationalNode':
      return `(refused:chained comparison ${(n.params as MathNode[]).map(fromMath).join(' ')})`;
    default:
      return `(refused:${node.type})`;
  }
}

/** Our tree in the same form. */
function fromOurs(node: Expr): string {
  switch (node.kind) {
    case 'constant':
      return constant(node.value);
    case 'name':
      return node.name;
    case 'conditional':
      return `(? ${fromOurs(node.test)} ${fromOurs(node.then)} ${fromOurs(node.else)})`;
    case 'call':
      return `(call ${node.callee}${node.args.map((a) => ` ${fromOurs(a)}`).join('')})`;
    case 'unary':
      return `(${node.op === '-' ? 'neg' : node.op === '+' ? 'pos' : 'not'} ${fromOurs(node.arg)})`;
    case 'binary':
      return `(${node.op} ${fromOurs(node.left)} ${fromOurs(node.right)})`;
    case 'refused':
      if (node.what === 'operator') return `(refused:operator ${node.operator} ${node.operands.map(fromOurs).join(' ')})`;
      return `(refused:${node.what} ${node.operands.map(fromOurs).join(' ')})`;
  }
}

// --- random expressions in the language curations use --------------------------------

const blank = fc.constantFrom('', ' ', '  ');
const lineBreak = fc.constantFrom('', '', '', '\n');
const spaced = (op: string) => fc.tuple(blank, lineBreak).map(([b, nl]) => (/^[a-z]/.test(op) ? ` ${op}${nl} ` : `${b}${op}${nl}${b}`));
const numberText = fc.oneof(
  fc.integer({ min: 0, max: 999 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(([a, b]) => `${a}.${b}`),
  fc.integer({ min: 0, max: 99 }).map((b) => `.${b}`),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.constantFrom('e', 'E', 'e-', 'e+'), fc.integer({ min: 0, max: 20 })).map(([a, e, b]) => `${a}${e}${b}`),
);
const textLiteral = fc.constantFrom("'abc'", '"a b"', "'it\\'s'", '"line\\nbreak"', "'\\u0041\\t'", "''", '"x"');
const nameText = fc.constantFrom('x', 'y', 'weight', 'a_1', '$z', 'true', 'false', 'null', 'NaN', 'Infinity');
const BINARY = ['+', '-', '*', '/', '^', 'mod', '%', '==', '!=', '<', '<=', '>', '>=', 'and', 'or', 'xor'];

const { expr: anyExpression } = fc.letrec<{ expr: string; chain: string; operand: string }>((tie) => ({
  expr: fc.oneof(
    { weight: 3, arbitrary: tie('chain') },
    // A condition inside the `? …` part needs brackets: mathjs could not read it without.
    { weight: 1, arbitrary: fc.tuple(tie('chain'), blank, fc.oneof(tie('chain'), tie('expr').map((e) => `(${e})`)), blank, tie('expr')).map(([c, b1, t, b2, f]) => `${c}${b1}?${b2}${t}${b1}:${b2}${f}`) },
  ),
  chain: fc.tuple(tie('operand'), fc.array(fc.tuple(fc.constantFrom(...BINARY).chain(spaced), tie('operand')), { maxLength: 3 })).map(([first, rest]) => first + rest.map(([op, o]) => op + o).join('')),
  operand: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: fc.oneof(numberText, nameText, textLiteral) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('-', '+', 'not ', '- ', '-('), tie('operand')).map(([p, o]) => (p === '-(' ? `-(${o})` : p + o)) },
    { weight: 1, arbitrary: tie('expr').map((e) => `(${e})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('round', 'max', 'f', 'lookup'), fc.array(tie('expr'), { minLength: 1, maxLength: 3 })).map(([f, args]) => `${f}(${args.join(', ')})`) },
  ),
}));

const { expr: arithmeticExpression } = fc.letrec<{ expr: string; operand: string }>((tie) => ({
  expr: fc.tuple(tie('operand'), fc.array(fc.tuple(fc.constantFrom('+', '-', '*', '/', '^', 'mod', '%').chain(spaced), tie('operand')), { maxLength: 4 })).map(([first, rest]) => first + rest.map(([op, o]) => op + o).join('')),
  operand: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: fc.oneof(numberText, fc.constantFrom('x', 'y')) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('-', '+', '- '), tie('operand')).map(([p, o]) => p + o) },
    { weight: 1, arbitrary: tie('expr').map((e) => `(${e})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('abs', 'sqrt'), tie('expr')).map(([f, a]) => `${f}(${a})`) },
  ),
}));

const sameNumber = (a: unknown, b: unknown) => Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));

describe('the parser reads expressions as mathjs did', () => {
  test('property: the same tree as mathjs for random expressions of the language', () => {
    fc.assert(
      fc.property(anyExpression, (text) => {
        fc.pre(text.length <= 1000);
        let theirs: string;
        try {
          theirs = fromMath(math.parse(text));
        } catch {
          // mathjs refused it as a syntax error: so must we.
          assert.throws(() => parseExpression(text), ExpressionError, text);
          return;
        }
        let ours: Expr;
        try {
          ours = parseExpression(text);
        } catch (err) {
          // Past our bounds (mathjs had none): not a comparison of grammars.
          fc.pre(!(err instanceof ExpressionError && /an expression may (have|nest) at most/.test(err.message)));
          throw err;
        }
        assert.equal(fromOurs(ours), theirs, text);
      }),
      { numRuns: 3000 },
    );
  });

  test('property: with stray tokens anywhere, what either parser accepts the other reads the same', () => {
    const stray = fc.constantFrom('(', ')', ',', '?', ':', '=', '!', '[', ']', '{', '}', '.', "'", '"', '#', ';', '%', 'e', '5', 'x', ' ', '\n', '-', 'not', 'mod', '^', '<', '==', '?.', '??', '&', '~', 'to', 'in', '@');
    const noisy = fc.tuple(anyExpression, fc.array(fc.tuple(fc.nat(), stray), { minLength: 1, maxLength: 4 })).map(([text, strays]) =>
      strays.reduce((t, [at, token]) => {
        const i = at % (t.length + 1);
        return t.slice(0, i) + token + t.slice(i);
      }, text),
    );
    const clean = (tree: string) => !tree.includes('refused:');
    fc.assert(
      fc.property(noisy, (text) => {
        fc.pre(text.length <= 1000);
        let theirs: string | null = null;
        let ours: string | null = null;
        try {
          theirs = fromMath(math.parse(text));
        } catch {
          // mathjs refused it.
        }
        try {
          ours = fromOurs(parseExpression(text));
        } catch (err) {
          if (!(err instanceof ExpressionError)) throw err;
          fc.pre(!/an expression may (have|nest) at most/.test(err.message));
        }
        // Accepted by mathjs's grammar as a curation expression: we read the same tree.
        if (theirs !== null && clean(theirs)) assert.equal(ours, theirs, text);
        // Accepted by ours: mathjs read the same tree (nothing new is accepted), except a
        // final line break (or comment line), which mathjs took for a second expression.
        const finalLineBreak = /\n\s*$/.test(text.replace(/#[^\n]*/g, ''));
        if (ours !== null && clean(ours) && !finalLineBreak) assert.equal(theirs, ours, text);
      }),
      { numRuns: 5000 },
    );
  });

  test('property: the same numbers as mathjs for random arithmetic', () => {
    fc.assert(
      fc.property(arithmeticExpression, fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.integer({ min: -50, max: 50 }), (text, x, y) => {
        fc.pre(text.length <= 1000);
        const theirs: unknown = math.evaluate(text, { x, y });
        const ours = run(text, { x, y });
        assert.ok(sameNumber(ours, theirs), `${text} with x=${x}, y=${y}: ours ${String(ours)}, mathjs ${String(theirs)}`);
      }),
      { numRuns: 3000 },
    );
  });

  test('precedence and associativity, case by case', () => {
    const cases: Array<[string, unknown, Record<string, unknown>?]> = [
      ['-2^2', -4],
      ['2^3^2', 512],
      ['2^-1', 0.5],
      ['-x^2', -9, { x: 3 }],
      ['2 + 3 * 4 ^ 2 / 8', 8],
      ['7 % 3 + -7 mod 3', 3],
      ['7 mod -3', -2],
      ['5 mod 0', 5],
      ['1 - 2 - 3', -4],
      ['64 / 4 / 2', 8],
      ['not 0 == 1', false],
      ['not (0 == 1)', true],
      ['1 < 2 and 3 > 4 or 5 >= 5', true],
      ['true or true xor true', true],
      ["a ? 'x' : b ? 'y' : 'z'", 'y', { a: false, b: true }],
      ['a?.5:.3', 0.3, { a: 0 }],
      ['round (2.5) + round(-2.5)', 0],
      ['(1 +\n 2) * 3 # a comment', 9],
      ['1.5e3 + 2E-1 + 5.', 1505.2],
      ["'it\\'s' + \"\\u0041\"", "it'sA"],
      ['max(1, 2)\n', 2],
      // A YAML `|` block may break a line after an operator, as mathjs allowed.
      ['1 +\n 2 *\n3 ==\n 7 and\n not\n false', true],
    ];
    for (const [text, want, scope] of cases) assert.deepEqual(run(text, scope ?? {}), want, text);
  });
});

describe('refused, with a reason', () => {
  test('constructs outside the language', () => {
    const refused: Array<[string, RegExp]> = [
      ['1 < 2 < 3', /comparisons cannot be chained/],
      ['2 x', /an operator is missing between two values/],
      ['(1)(2)', /an operator is missing/],
      ['50%', /'%' is the remainder/],
      ['x ?? 1', /operator '\?\?'/],
      ['1 & 2', /operator '&'/],
      ['~1', /operator '~'/],
      ['1 << 2', /operator '<<'/],
      ['x.y(1)', /lookup/],
      ['undefined', /unsupported constant 'undefined'/],
      ['1\n2', /one expression per value/],
      ['0xFF', /syntax error: hexadecimal/],
      ["'abc", /syntax error: the text has no closing ' at character 1/],
      ["'\\q'", /syntax error: '\\q' is not an escape/],
      ['1 +', /syntax error: the expression ends too early at character 4/],
      ['round(1, 2', /syntax error: '\)' is missing/],
      ['1 @ 2', /syntax error: unexpected character '@' at character 3/],
      ['1 2', /syntax error: unexpected '2' at character 3/],
    ];
    for (const [expr, why] of refused) {
      assert.throws(
        () => compileExpression(expr, ctx(['x'])),
        (err: unknown) => err instanceof ExpressionError && why.test(err.message),
        expr,
      );
    }
  });

  test('an unknown name inside a refused construct is reported first', () => {
    assert.throws(() => compileExpression('5 cm', ctx([])), /unknown name 'cm'/);
    assert.throws(() => compileExpression('nope!', ctx([])), /unknown name 'nope'/);
    assert.throws(() => compileExpression('import({}, [1])', ctx([])), /unknown function 'import'/);
  });
});

describe('hostile input is bounded', () => {
  test('at the limits, long chains parse and evaluate without exhausting the stack', () => {
    assert.equal(run(Array.from({ length: 200 }, () => '1').join('+')), 200);
    assert.equal(run(`${'('.repeat(32)}1${')'.repeat(32)}`), 1);
    assert.equal(run(`${'not '.repeat(240)}x`, { x: true }), true);
    assert.equal(run(`${'-'.repeat(999)}1`), -1);
    assert.equal(run(Array.from({ length: 200 }, () => '1').join('^')), 1);
    assert.equal(run(`${Array.from({ length: 99 }, () => 'x ? 1 :').join(' ')} 2`, { x: false }), 2);
  });

  test('past them, a clear refusal', () => {
    assert.throws(() => run(`${'-'.repeat(1000)}1`), /is 1001 characters long; an expression may have at most 1000/);
    assert.throws(() => run(Array.from({ length: 201 }, () => '1').join('^')), /has 201 terms; an expression may have at most 200/);
    assert.throws(() => run(`${'['.repeat(33)}${']'.repeat(33)}`), /is nested 33 levels deep/);
  });
});

describe('mathjs is gone from the service', () => {
  test('the curation engine loads with mathjs made unimportable', () => {
    const hooks = `export async function resolve(s, c, next) { if (s === 'mathjs' || s.startsWith('mathjs/')) throw new Error('mathjs imported by ' + c.parentURL); return next(s, c); }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const importing = (specifier: string) =>
      spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', `await import(${JSON.stringify(specifier)});`], { encoding: 'utf8', cwd: ROOT });
    const control = importing('mathjs/number');
    assert.notEqual(control.status, 0, 'the hook does refuse mathjs');
    assert.match(control.stderr, /mathjs imported by/);
    for (const module of ['dist/src/curation/index.js', 'dist/src/service.js']) {
      const r = importing(pathToFileURL(path.join(ROOT, module)).href);
      assert.equal(r.status, 0, `${module}: ${r.stderr}`);
    }
  });

  test('package.json lists mathjs for tests only', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    assert.equal(pkg.dependencies.mathjs, undefined);
    assert.ok(pkg.devDependencies.mathjs, 'the reference of the property tests');
  });
});
