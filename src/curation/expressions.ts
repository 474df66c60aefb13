// The expression language of `compute:` and `when:`. mathjs parses it (a
// sandboxed parser with good syntax errors); we then accept only a small set
// of node kinds and functions, and compile the tree into plain closures.
//
// Why not mathjs's own evaluate: its `==` converts strings to numbers
// ("female" == "female" throws), its round() works on the binary value, and its
// full function set (matrices, units, import, …) is more than a shop needs and
// more than we want to secure. Compiling once at load also makes plan() fast.
// The number-only build: the same parser without matrices, units and big
// numbers, which we refuse anyway; it loads in a third of the time.
import { all, create } from 'mathjs/number';
import type { MathNode } from 'mathjs';
import { ceilDecimal, floorDecimal, roundDecimal, truncDecimal } from './rounding.js';
import { bandOf, bandOutputs, hasEntry, lookupIn, type Table } from './tables.js';
import type { CurationFunction } from './functions.js';
import { didYouMean } from './load-errors.js';
import { ComputeError, ExpressionError } from './expr/errors.js';
import { checkLength, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_TERMS, tooDeep, tooManyTerms } from './expr/limits.js';

const math = create(all ?? {});
const parse = math.parse;
// Per mathjs's security guide: nothing that parses, alters the instance or
// builds units stays callable, in case a future change ever evaluates with it.
const disabled = (name: string) => () => {
  throw new Error(`${name} is disabled`);
};
math.import(
  Object.fromEntries(
    ['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'resolve', 'reviver', 'compile', 'parser', 'rationalize'].map((n) => [n, disabled(n)]),
  ),
  { override: true },
);

export type Scope = Record<string, unknown>;
export type Evaluator = (scope: Scope) => unknown;

export { ComputeError, ExpressionError };

export interface ExpressionContext {
  /** Names usable as values: fields, settings, earlier values, `now`, `lang`. */
  names: Set<string>;
  /** Values defined after this expression, with their line, for a helpful error. */
  later: Map<string, number | null>;
  /** The value being defined, to report self-reference. */
  self: string | null;
  tables: Map<string, Table>;
  functions: Map<string, CurationFunction>;
  /** Option keys each option field can hold (incl. `otherwise`), for table coverage checks. */
  optionKeys: Map<string, string[]>;
}

interface Node {
  type: string;
  value?: unknown;
  name?: string;
  fn?: unknown;
  op?: string;
  args?: Node[];
  content?: Node;
  condition?: Node;
  trueExpr?: Node;
  falseExpr?: Node;
  implicit?: boolean;
}

export function compileExpression(text: string, ctx: ExpressionContext): Evaluator {
  checkSize(text);
  let root: MathNode;
  try {
    root = parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const at = /\(char (\d+)\)/.exec(msg);
    throw new ExpressionError(`syntax error: ${msg.replace(/\s*\(char \d+\)/, '')}${at ? ` at character ${Number(at[1]) + 1}` : ''}`, at ? Number(at[1]) + 1 : null);
  }
  return compileNode(root, ctx);
}

const OPERATOR_WORDS = new Set(['and', 'or', 'not', 'xor', 'mod', 'to', 'in']);

/** Bounds checked on the text, before mathjs's recursive parser sees it. */
function checkSize(text: string): void {
  checkLength(text);
  let terms = 0;
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; ) {
    const c = text[i] ?? '';
    if (c === '"' || c === "'") {
      i = endOfString(text, i);
      terms++;
    } else if (/[A-Za-z_$0-9.]/.test(c)) {
      const word = tokenAt(/[A-Za-z_$][\w$]*|\d*\.?\d*(?:[eE][+-]?\d+)?/y, text, i) || c;
      if (!OPERATOR_WORDS.has(word)) terms++;
      i += word.length;
    } else {
      if (c === '(' || c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
      else if (c === ')' || c === ']' || c === '}') depth--;
      i++;
    }
  }
  if (terms > MAX_EXPRESSION_TERMS) throw tooManyTerms(terms);
  if (deepest > MAX_EXPRESSION_DEPTH) throw tooDeep(deepest);
}

function tokenAt(sticky: RegExp, text: string, at: number): string {
  sticky.lastIndex = at;
  return sticky.exec(text)?.[0] ?? '';
}

function endOfString(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

// --- the language -----------------------------------------------------------

type Fn = (args: unknown[]) => unknown;
interface Builtin {
  min: number;
  max: number;
  fn: Fn;
}

const num = (fname: string, v: unknown): number => {
  if (typeof v === 'number') return v;
  throw new ComputeError(v === null || v === undefined ? `${fname}() got a missing value` : `${fname}() needs a number`);
};
const digits = (fname: string, v: unknown): number => (v === undefined ? 0 : Math.trunc(num(fname, v)));
const oneNumber = (name: string, f: (x: number) => number): Builtin => ({ min: 1, max: 1, fn: (a) => f(num(name, a[0])) });
const withDigits = (name: string, f: (x: number, d: number) => number): Builtin => ({
  min: 1,
  max: 2,
  fn: (a) => f(num(name, a[0]), digits(name, a[1])),
});

const BUILTINS: Record<string, Builtin> = {
  trunc: oneNumber('trunc', truncDecimal),
  fix: oneNumber('fix', truncDecimal),
  round: withDigits('round', roundDecimal),
  floor: withDigits('floor', floorDecimal),
  ceil: withDigits('ceil', ceilDecimal),
  abs: oneNumber('abs', Math.abs),
  sqrt: oneNumber('sqrt', Math.sqrt),
  exp: oneNumber('exp', Math.exp),
  log10: oneNumber('log10', Math.log10),
  log: { min: 1, max: 2, fn: (a) => (a[1] === undefined ? Math.log(num('log', a[0])) : Math.log(num('log', a[0])) / Math.log(num('log', a[1]))) },
  pow: { min: 2, max: 2, fn: (a) => num('pow', a[0]) ** num('pow', a[1]) },
  min: { min: 1, max: Infinity, fn: (a) => Math.min(...a.map((v) => num('min', v))) },
  max: { min: 1, max: Infinity, fn: (a) => Math.max(...a.map((v) => num('max', v))) },
  clamp: { min: 3, max: 3, fn: (a) => Math.min(Math.max(num('clamp', a[0]), num('clamp', a[1])), num('clamp', a[2])) },
  has: {
    min: 2,
    max: 2,
    fn: (a) => {
      const list = a[0];
      if (list === null || list === undefined) return false;
      if (!Array.isArray(list)) throw new ComputeError('has() needs a list as its first argument');
      return list.includes(a[1]);
    },
  },
  count: {
    min: 1,
    max: 1,
    fn: (a) => {
      const list = a[0];
      if (list === null || list === undefined) return 0;
      if (!Array.isArray(list)) throw new ComputeError('count() needs a list');
      return list.length;
    },
  },
  coalesce: { min: 1, max: Infinity, fn: (a) => a.find((v) => v !== null && v !== undefined) ?? null },
};

// Own properties only: `hasOwnProperty`, `constructor`, `__proto__` … are not built-ins.
function builtinOf(name: string): Builtin | undefined {
  return Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
}

/** Names an expression may call besides the curation's own functions and lookup/band. */
export const BUILTIN_FUNCTIONS: readonly string[] = [...Object.keys(BUILTINS), 'lookup', 'band'];

/** Names nothing in a curation may be called, because expressions or templates give them a meaning. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  ...BUILTIN_FUNCTIONS,
  'now', 'lang', 'and', 'or', 'not', 'xor', 'mod', 'to', 'in', 'true', 'false', 'null', 'undefined',
  'empty', 'blank', 'nil', 'forloop', 'tablerowloop', 'settings', 'profile', 'values',
]);

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== undefined && v !== false && v !== 0 && v !== '';
}

const BINARY: Record<string, (a: unknown, b: unknown) => unknown> = {
  add: (a, b) => (typeof a === 'string' && typeof b === 'string' ? a + b : num('+', a) + num('+', b)),
  subtract: (a, b) => num('-', a) - num('-', b),
  multiply: (a, b) => num('*', a) * num('*', b),
  divide: (a, b) => num('/', a) / num('/', b),
  pow: (a, b) => num('^', a) ** num('^', b),
  mod: (a, b) => {
    const x = num('mod', a);
    const y = num('mod', b);
    return y === 0 ? x : x - y * Math.floor(x / y);
  },
  equal: (a, b) => a === b || (a == null && b == null),
  unequal: (a, b) => !(a === b || (a == null && b == null)),
  smaller: (a, b) => compare('<', a, b) < 0,
  smallerEq: (a, b) => compare('<=', a, b) <= 0,
  larger: (a, b) => compare('>', a, b) > 0,
  largerEq: (a, b) => compare('>=', a, b) >= 0,
  xor: (a, b) => truthy(a) !== truthy(b),
};

function compare(op: string, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new ComputeError(a === null || b === null ? `'${op}' got a missing value` : `'${op}' compares two numbers or two texts`);
}

const OPERATOR_TEXT: Record<string, string> = { dotMultiply: '.*', dotDivide: './', dotPow: '.^', factorial: '!', ctranspose: "'", transpose: "'", to: 'to', bitAnd: '&', bitOr: '|', bitXor: '^|', bitNot: '~', leftShift: '<<', rightArithShift: '>>', rightLogShift: '>>>', nullish: '??' };

function compileNode(node: Node, ctx: ExpressionContext): Evaluator {
  switch (node.type) {
    case 'ConstantNode': {
      const v = node.value;
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null) return () => v;
      throw new ExpressionError(`unsupported constant '${typeof v === 'undefined' ? 'undefined' : typeof v}'`);
    }
    case 'ParenthesisNode':
      return compileNode(node.content as Node, ctx);
    case 'SymbolNode':
      return compileSymbol(node.name ?? '', ctx);
    case 'ConditionalNode': {
      const c = compileNode(node.condition as Node, ctx);
      const t = compileNode(node.trueExpr as Node, ctx);
      const f = compileNode(node.falseExpr as Node, ctx);
      return (s) => (truthy(c(s)) ? t(s) : f(s));
    }
    case 'OperatorNode':
      return compileOperator(node, ctx);
    case 'FunctionNode':
      return compileCall(node, ctx);
    case 'AssignmentNode':
    case 'FunctionAssignmentNode':
      throw new ExpressionError('assignments are not allowed: each value has its own line under compute');
    case 'BlockNode':
      throw new ExpressionError('one expression per value: ";" and line breaks are not allowed');
    case 'AccessorNode':
    case 'IndexNode':
      throw new ExpressionError('"." and "[ ]" are not supported: use lookup(table, key)');
    default:
      throw new ExpressionError(`${node.type.replace(/Node$/, '').toLowerCase()} expressions are not supported`);
  }
}

function compileSymbol(name: string, ctx: ExpressionContext): Evaluator {
  if (ctx.names.has(name)) return (s) => s[name];
  if (name === ctx.self) throw new ExpressionError(`'${name}' refers to itself`);
  if (ctx.later.has(name)) {
    const line = ctx.later.get(name);
    throw new ExpressionError(`'${name}' is computed later${line ? ` (line ${line})` : ''}: a value can only use the values above it`);
  }
  if (ctx.tables.has(name)) throw new ExpressionError(`'${name}' is a table: use lookup(${name}, key) or band(${name}, number)`);
  if (ctx.functions.has(name) || builtinOf(name)) throw new ExpressionError(`'${name}' is a function: call it as ${name}(…)`);
  throw new ExpressionError(`unknown name '${name}'${didYouMean(name, ctx.names)}`);
}

function compileOperator(node: Node, ctx: ExpressionContext): Evaluator {
  const fn = typeof node.fn === 'string' ? node.fn : '';
  const args = (node.args ?? []).map((a) => compileNode(a, ctx));
  const [a, b] = args;
  if (args.length === 1 && a) {
    if (fn === 'unaryMinus') return (s) => -num('-', a(s));
    if (fn === 'unaryPlus') return (s) => num('+', a(s));
    if (fn === 'not') return (s) => !truthy(a(s));
  }
  if (args.length === 2 && a && b) {
    if (fn === 'and') return (s) => truthy(a(s)) && truthy(b(s));
    if (fn === 'or') return (s) => truthy(a(s)) || truthy(b(s));
    const op = BINARY[fn];
    if (op) return (s) => op(a(s), b(s));
  }
  throw new ExpressionError(`the operator '${OPERATOR_TEXT[fn] ?? node.op ?? fn}' is not supported`);
}

function compileCall(node: Node, ctx: ExpressionContext): Evaluator {
  const callee = node.fn as Node;
  if (callee.type !== 'SymbolNode') throw new ExpressionError('only named functions can be called');
  const name = callee.name ?? '';
  const argNodes = node.args ?? [];
  if (name === 'lookup' || name === 'band') return compileTableCall(name, argNodes, ctx);
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
    if (ctx.names.has(name)) throw new ExpressionError(`'${name}' is a value, not a function`);
    throw new ExpressionError(`unknown function '${name}'${didYouMean(name, [...Object.keys(BUILTINS), 'lookup', 'band', ...ctx.functions.keys()])}`);
  }
  if (argNodes.length < builtin.min || argNodes.length > builtin.max) {
    const want = builtin.min === builtin.max ? `${builtin.min}` : builtin.max === Infinity ? `at least ${builtin.min}` : `${builtin.min} or ${builtin.max}`;
    throw new ExpressionError(`${name}() takes ${want} argument(s), not ${argNodes.length}`);
  }
  const args = argNodes.map((a) => compileNode(a, ctx));
  const impl = builtin.fn;
  if (args.length === 1) {
    const [a0] = args as [Evaluator];
    return (s) => impl([a0(s)]);
  }
  return (s) => impl(args.map((a) => a(s)));
}

function compileTableCall(name: 'lookup' | 'band', argNodes: Node[], ctx: ExpressionContext): Evaluator {
  const [first, ...rest] = argNodes;
  if (!first || first.type !== 'SymbolNode') throw new ExpressionError(`${name}() takes a table name first, e.g. ${name === 'lookup' ? 'lookup(factors, goal)' : 'band(carbBands, carbs)'}`);
  const tableName = first.name ?? '';
  const table = ctx.tables.get(tableName);
  if (!table) throw new ExpressionError(`unknown table '${tableName}'${didYouMean(tableName, ctx.tables.keys())}`);
  const args = rest.map((a) => compileNode(a, ctx));

  if (name === 'band') {
    if (table.kind !== 'bands') throw new ExpressionError(`'${tableName}' is a lookup table: use lookup(${tableName}, key)`);
    const [x] = args;
    if (!x || args.length !== 1) throw new ExpressionError(`band() takes a table and one number: band(${tableName}, number)`);
    return (s) => {
      const out = bandOf(table, num('band', x(s)));
      if (out === undefined) throw new ComputeError(`the number is outside every band of table '${tableName}', which has no otherwise`);
      return out;
    };
  }

  if (table.kind !== 'lookup') throw new ExpressionError(`'${tableName}' is a band table: use band(${tableName}, number)`);
  if (args.length !== table.depth) throw new ExpressionError(`table '${tableName}' needs ${table.depth} key(s): lookup(${tableName}, ${table.depth === 1 ? 'key' : 'row, column'})`);
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
function checkCoverage(tableName: string, table: Table & { kind: 'lookup' }, keyNodes: Node[], ctx: ExpressionContext): void {
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
      throw new ExpressionError(`table '${tableName}' has no entry for ${what} and no otherwise`);
    }
  }
}

function possibleKeys(node: Node, ctx: ExpressionContext): Array<{ key: string; from: string }> | null {
  if (node.type === 'ParenthesisNode') return possibleKeys(node.content as Node, ctx);
  if (node.type === 'ConstantNode' && (typeof node.value === 'string' || typeof node.value === 'number')) return [{ key: String(node.value), from: 'a constant' }];
  if (node.type === 'SymbolNode') {
    const keys = ctx.optionKeys.get(node.name ?? '');
    return keys ? keys.map((key) => ({ key, from: `an option of ${node.name}` })) : null;
  }
  if (node.type === 'FunctionNode' && (node.fn as Node).name === 'band') {
    const t = ctx.tables.get((node.args?.[0])?.name ?? '');
    return t?.kind === 'bands' ? bandOutputs(t).map((key) => ({ key, from: `a band of ${t.name}` })) : null;
  }
  if (node.type === 'ConditionalNode') {
    const a = possibleKeys(node.trueExpr as Node, ctx);
    const b = possibleKeys(node.falseExpr as Node, ctx);
    return a && b ? [...a, ...b] : null;
  }
  return null;
}

export { truthy };
