// The expression language of `compute:` and `when:`: parsed by our own small
// parser (expr/parse.ts, mathjs's grammar for the part a curation may use),
// checked against a small allow-list of node kinds and functions, and compiled
// once into plain closures, so plan() never parses.
//
// Why not mathjs: it added 57 MB of memory to parse a line of arithmetic, and
// its evaluate has other semantics (its `==` converts strings to numbers, its
// round() works on the binary value) and far more functions (matrices, units,
// import, …) than a shop needs or we want to secure.
import { bandOf, bandOutputs, hasEntry, lookupIn, type Table } from './tables.js';
import type { CurationFunction } from './functions.js';
import { said, unknownName, type Said } from './load-errors.js';
import { ComputeError, ExpressionError, FailError } from './expr/errors.js';
import { compileSpecial, SPECIAL_NAMES } from './expr/special.js';
import { parseExpression } from './expr/parse.js';
import type { ArithmeticOp, Expr, Refusal } from './expr/ast.js';
import { arithmetic, BUILTIN_NAMES, builtinOf, comparison, num, truthy } from './expr/builtins.js';

export type Scope = Record<string, unknown>;
export type Evaluator = (scope: Scope) => unknown;

export { ComputeError, ExpressionError, FailError, truthy };

export interface ExpressionContext {
  /** Names usable as values: fields, settings, earlier values, `now`, `lang`. */
  names: Set<string>;
  /** Values defined after this expression, with their line, for a helpful error. */
  later: Pick<ReadonlyMap<string, number | null>, 'has' | 'get'>;
  /** The value being defined, to report self-reference. */
  self: string | null;
  tables: Map<string, Table>;
  functions: Map<string, CurationFunction>;
  /** Option keys each option field can hold (incl. `otherwise`), for table coverage checks. */
  optionKeys: Map<string, string[]>;
  /** The declared option keys of each list field (not its otherwise), for sumOf's coverage check. */
  listOptions?: Map<string, string[]>;
  /** The curation's IANA time zone for weekday(), hour(), …; default Asia/Seoul. */
  timezone?: string;
}


export function compileExpression(text: string, ctx: ExpressionContext): Evaluator {
  return compileNode(parseExpression(text), ctx);
}

/** Names an expression may call besides the curation's own functions and lookup/band. */
export const BUILTIN_FUNCTIONS: readonly string[] = [...BUILTIN_NAMES, ...SPECIAL_NAMES, 'lookup', 'band'];

/** Names nothing in a curation may be called, because expressions or templates give them a meaning. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...BUILTIN_FUNCTIONS,
  'now', 'lang', 'and', 'or', 'not', 'xor', 'mod', 'to', 'in', 'true', 'false', 'null', 'undefined',
  'empty', 'blank', 'nil', 'forloop', 'tablerowloop', 'settings', 'profile', 'values',
]);

function compileNode(node: Expr, ctx: ExpressionContext): Evaluator {
  switch (node.kind) {
    case 'constant': {
      const v = node.value;
      return () => v;
    }
    case 'name':
      return compileSymbol(node.name, ctx);
    case 'conditional': {
      const c = compileNode(node.test, ctx);
      const t = compileNode(node.then, ctx);
      const f = compileNode(node.else, ctx);
      return (s) => (truthy(c(s)) ? t(s) : f(s));
    }
    case 'unary':
      return compileUnary(node.op, compileNode(node.arg, ctx));
    case 'binary':
      return compileBinary(node, ctx);
    case 'call':
      return compileCall(node.callee, node.args, ctx);
    case 'refused':
      for (const operand of node.operands) compileNode(operand, ctx);
      throw new ExpressionError(refusalMessage(node.what, node.operator));
  }
}

function refusalMessage(what: Refusal, operator: string): Said {
  switch (what) {
    case 'assignment':
      return said('check.refusedAssignment', {}, 'assignments are not allowed: each value has its own line under compute');
    case 'several expressions':
      return said('check.refusedSeveral', {}, 'one expression per value: ";" and line breaks are not allowed');
    case 'property or index':
    case 'method call':
      return said('check.refusedProperty', {}, '"." and "[ ]" are not supported: use lookup(table, key)');
    case 'list':
      return said('check.refusedList', {}, 'array expressions are not supported');
    case 'object':
      return said('check.refusedObject', {}, 'object expressions are not supported');
    case 'range':
      return said('check.refusedRange', {}, 'range expressions are not supported');
    case 'chained comparison':
      return said('check.refusedChain', {}, 'comparisons cannot be chained: write a < b and b < c');
    case 'implicit multiplication':
      return said('check.refusedImplicit', {}, 'an operator is missing between two values: write 2 * x, not 2x (units are not supported)');
    case 'percentage':
      return said('check.refusedPercent', {}, "'%' is the remainder (like mod) and needs a number after it: for a percentage write x / 100");
    case 'undefined':
      return said('check.refusedUndefined', {}, "unsupported constant 'undefined'");
    case 'operator':
      return said('check.refusedOperator', { operator }, `the operator '${operator}' is not supported`);
  }
}

function compileSymbol(name: string, ctx: ExpressionContext): Evaluator {
  if (ctx.names.has(name)) return (s) => s[name];
  if (name === ctx.self) throw new ExpressionError(said('check.refersToItself', { name }, `'${name}' refers to itself`));
  if (ctx.later.has(name)) {
    const line = ctx.later.get(name);
    const text = `'${name}' is computed later${line ? ` (line ${line})` : ''}: a value can only use the values above it`;
    throw new ExpressionError(line ? said('check.computedLaterAt', { name, line }, text) : said('check.computedLater', { name }, text));
  }
  if (ctx.tables.has(name)) throw new ExpressionError(said('check.isTable', { name }, `'${name}' is a table: use lookup(${name}, key) or band(${name}, number)`));
  if (ctx.functions.has(name) || builtinOf(name) || SPECIAL_NAMES.includes(name)) throw new ExpressionError(said('check.isFunction', { name }, `'${name}' is a function: call it as ${name}(…)`));
  throw new ExpressionError(unknownName('name', name, ctx.names));
}

function compileUnary(op: '-' | '+' | 'not', a: Evaluator): Evaluator {
  switch (op) {
    case '-':
      return (s) => -num('-', a(s));
    case '+':
      return (s) => num('+', a(s));
    case 'not':
      return (s) => !truthy(a(s));
  }
}

function compileBinary(node: Expr & { kind: 'binary' }, ctx: ExpressionContext): Evaluator {
  const a = compileNode(node.left, ctx);
  const b = compileNode(node.right, ctx);
  const op = node.op;
  switch (op) {
    case 'and':
      return (s) => truthy(a(s)) && truthy(b(s));
    case 'or':
      return (s) => truthy(a(s)) || truthy(b(s));
    case 'xor':
      return (s) => truthy(a(s)) !== truthy(b(s));
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const f = comparison(op);
      return (s) => f(a(s), b(s));
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '^':
    case 'mod':
      return compileArithmetic(op, a, b);
  }
}

/**
 * Two numbers are computed in place; anything else (texts joined by +, a
 * missing value's error) goes through arithmetic(), which decides exactly as
 * before. One closure per operator, so each does one operation and no call.
 */
function compileArithmetic(op: ArithmeticOp, a: Evaluator, b: Evaluator): Evaluator {
  const f = arithmetic(op);
  switch (op) {
    case '+':
      return (s) => {
        const x = a(s);
        const y = b(s);
        return typeof x === 'number' && typeof y === 'number' ? x + y : f(x, y);
      };
    case '-':
      return (s) => {
        const x = a(s);
        const y = b(s);
        return typeof x === 'number' && typeof y === 'number' ? x - y : f(x, y);
      };
    case '*':
      return (s) => {
        const x = a(s);
        const y = b(s);
        return typeof x === 'number' && typeof y === 'number' ? x * y : f(x, y);
      };
    case '/':
      return (s) => {
        const x = a(s);
        const y = b(s);
        return typeof x === 'number' && typeof y === 'number' ? x / y : f(x, y);
      };
    case '^':
    case 'mod':
      return (s) => f(a(s), b(s));
  }
}

function compileCall(name: string, argNodes: Expr[], ctx: ExpressionContext): Evaluator {
  if (name === 'lookup' || name === 'band') return compileTableCall(name, argNodes, ctx);
  const special = compileSpecial(name, argNodes, ctx, (n) => compileNode(n, ctx));
  if (special) return special;
  const own = ctx.functions.get(name);
  if (own) {
    const args = argNodes.map((a) => compileNode(a, ctx));
    return (s) => {
      let out: unknown;
      try {
        out = own(...(args.map((a) => a(s)) as Parameters<CurationFunction>));
      } catch {
        // Its message is not ours: it may quote the customer's answers, so it stays out of reasons and logs.
        throw new ComputeError(`${name}() failed`);
      }
      return out;
    };
  }
  const builtin = builtinOf(name);
  if (!builtin) {
    if (ctx.names.has(name)) throw new ExpressionError(said('check.notFunction', { name }, `'${name}' is a value, not a function`));
    throw new ExpressionError(unknownName('function', name, [...BUILTIN_FUNCTIONS, ...ctx.functions.keys()]));
  }
  if (argNodes.length < builtin.min || argNodes.length > builtin.max) {
    const { min, max } = builtin;
    const given = argNodes.length;
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} or ${max}`;
    const text = `${name}() takes ${want} argument(s), not ${given}`;
    if (min === max) throw new ExpressionError(said('check.argumentCount', { name, want: min, given }, text));
    throw new ExpressionError(max === Infinity ? said('check.argumentCountAtLeast', { name, min, given }, text) : said('check.argumentCountRange', { name, min, max, given }, text));
  }
  const args = argNodes.map((a) => compileNode(a, ctx));
  const impl = builtin.fn;
  // Arguments are evaluated left to right before the function runs, as with fn.
  const { fn1, fn2 } = builtin;
  if (args.length === 1) {
    const [a0] = args as [Evaluator];
    return fn1 ? (s) => fn1(a0(s)) : (s) => impl([a0(s)]);
  }
  if (args.length === 2 && fn2) {
    const [a0, a1] = args as [Evaluator, Evaluator];
    return (s) => fn2(a0(s), a1(s));
  }
  return (s) => impl(args.map((a) => a(s)));
}

function compileTableCall(name: 'lookup' | 'band', argNodes: Expr[], ctx: ExpressionContext): Evaluator {
  const [first, ...rest] = argNodes;
  if (!first || first.kind !== 'name') throw new ExpressionError(name === 'lookup' ? said('check.lookupTableFirst', {}, 'lookup() takes a table name first, e.g. lookup(factors, goal)') : said('check.bandTableFirst', {}, 'band() takes a table name first, e.g. band(carbBands, carbs)'));
  const tableName = first.name;
  const table = ctx.tables.get(tableName);
  if (!table) throw new ExpressionError(unknownName('table', tableName, ctx.tables.keys()));
  const args = rest.map((a) => compileNode(a, ctx));

  if (name === 'band') {
    if (table.kind !== 'bands') throw new ExpressionError(said('check.isLookupTable', { name: tableName }, `'${tableName}' is a lookup table: use lookup(${tableName}, key)`));
    const [x] = args;
    if (!x || args.length !== 1) throw new ExpressionError(said('check.bandArguments', { name: tableName }, `band() takes a table and one number: band(${tableName}, number)`));
    return (s) => {
      const out = bandOf(table, num('band', x(s)));
      if (out === undefined) throw new ComputeError(`the number is outside every band of table '${tableName}', which has no otherwise`);
      return out;
    };
  }

  if (table.kind !== 'lookup') throw new ExpressionError(said('check.isBandTable', { name: tableName }, `'${tableName}' is a band table: use band(${tableName}, number)`));
  if (args.length !== table.depth) {
    const text = `table '${tableName}' needs ${table.depth} key(s): lookup(${tableName}, ${table.depth === 1 ? 'key' : 'row, column'})`;
    throw new ExpressionError(table.depth === 1 ? said('check.lookupOneKey', { name: tableName }, text) : said('check.lookupTwoKeys', { name: tableName }, text));
  }
  checkCoverage(tableName, table, rest, ctx);
  return (s) => {
    const keys = args.map((a) => {
      const k = a(s);
      if (typeof k === 'string' || typeof k === 'number') return String(k);
      throw new ComputeError(k === null || k === undefined ? `lookup in '${tableName}' got a missing key` : `lookup in '${tableName}' needs a text or number key`);
    });
    const out = lookupIn(table, keys);
    if (out === undefined) throw new ComputeError(`table '${tableName}' has no entry for the key and no otherwise`);
    return out;
  };
}

/** At load: every key an option field or a band can produce must be in the table (or the table needs `otherwise`). */
function checkCoverage(tableName: string, table: Table & { kind: 'lookup' }, keyNodes: Expr[], ctx: ExpressionContext): void {
  if (table.otherwise !== undefined) return;
  const sets = keyNodes.map((n) => possibleKeys(n, ctx));
  if (sets.some((s) => s === null)) return;
  const combos = (sets as Array<Array<{ key: string; from: string }>>).reduce<Array<Array<{ key: string; from: string }>>>(
    (acc, set) => acc.flatMap((prefix) => set.map((k) => [...prefix, k])),
    [[]],
  );
  for (const combo of combos) {
    if (!hasEntry(table, combo.map((c) => c.key))) {
      const what = combo.map((c) => `'${c.key}' (${c.from})`).join(', ');
      throw new ExpressionError(said('check.tableNoEntry', { name: tableName, what }, `table '${tableName}' has no entry for ${what} and no otherwise`));
    }
  }
}

function possibleKeys(node: Expr, ctx: ExpressionContext): Array<{ key: string; from: string }> | null {
  switch (node.kind) {
    case 'constant':
      return typeof node.value === 'string' || typeof node.value === 'number' ? [{ key: String(node.value), from: 'a constant' }] : null;
    case 'name': {
      const keys = ctx.optionKeys.get(node.name);
      return keys ? keys.map((key) => ({ key, from: `an option of ${node.name}` })) : null;
    }
    case 'call': {
      const first = node.args[0];
      const t = node.callee === 'band' && first?.kind === 'name' ? ctx.tables.get(first.name) : undefined;
      return t?.kind === 'bands' ? bandOutputs(t).map((key) => ({ key, from: `a band of ${t.name}` })) : null;
    }
    case 'conditional': {
      const a = possibleKeys(node.then, ctx);
      const b = possibleKeys(node.else, ctx);
      return a && b ? [...a, ...b] : null;
    }
    case 'unary':
    case 'binary':
    case 'refused':
      return null;
  }
}
