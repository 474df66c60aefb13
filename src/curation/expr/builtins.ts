// The functions and operators of the expression language, on plain values.
// Semantics are the project's own, not mathjs's: `==` compares texts as texts
// and numbers exactly, round() works on the decimal value, and a missing
// answer is an error of the computation, never a silent NaN.
import { ceilDecimal, floorDecimal, roundDecimal, truncDecimal } from '../rounding.js';
import type { ArithmeticOp, ComparisonOp } from './ast.js';
import { ComputeError } from './errors.js';
import { parseNumber } from '../profile.js';

type Fn = (args: unknown[]) => unknown;
export interface Builtin {
  min: number;
  max: number;
  fn: Fn;
  /**
   * The same function called with its arguments one by one, for the arities
   * written most (trunc(x), round(x, 1)): plan() computes ~30 values, and an
   * array per call was most of a rounding's cost. Each gives what `fn` gives
   * for the same arguments, errors included.
   */
  fn1?: (a: unknown) => unknown;
  fn2?: (a: unknown, b: unknown) => unknown;
}

export const num = (fname: string, v: unknown): number => {
  if (typeof v === 'number') return v;
  throw new ComputeError(v === null || v === undefined ? `${fname}() got a missing value` : `${fname}() needs a number`);
};
const operand = (op: string, v: unknown): number => num(op, v);
const digits = (fname: string, v: unknown): number => (v === undefined ? 0 : Math.trunc(num(fname, v)));
const oneNumber = (name: string, f: (x: number) => number): Builtin => ({ min: 1, max: 1, fn: (a) => f(num(name, a[0])), fn1: (a) => f(num(name, a)) });
const withDigits = (name: string, f: (x: number, d: number) => number): Builtin => ({
  min: 1,
  max: 2,
  fn: (a) => f(num(name, a[0]), digits(name, a[1])),
  fn1: (a) => f(num(name, a), digits(name, undefined)),
  fn2: (a, d) => f(num(name, a), digits(name, d)),
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
  // A number out of a text as people type it ("123,000", " 72.5 ", full-width digits), null when it is not one.
  number: {
    min: 1,
    max: 1,
    fn: (a) => {
      const v = a[0];
      if (v === null || v === undefined) return null;
      if (typeof v === 'number') return v;
      if (typeof v === 'string') return parseNumber(v, null);
      throw new ComputeError('number() needs a text or a number');
    },
  },
  coalesce: { min: 1, max: Infinity, fn: (a) => a.find((v) => v !== null && v !== undefined) ?? null },
};

/** Own properties only: `hasOwnProperty`, `constructor`, `__proto__` … are not built-ins. */
export function builtinOf(name: string): Builtin | undefined {
  return Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
}

export const BUILTIN_NAMES: readonly string[] = Object.keys(BUILTINS);

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== undefined && v !== false && v !== 0 && v !== '';
}

export function arithmetic(op: ArithmeticOp): (a: unknown, b: unknown) => unknown {
  switch (op) {
    case '+':
      return (a, b) => (typeof a === 'string' && typeof b === 'string' ? a + b : operand('+', a) + operand('+', b));
    case '-':
      return (a, b) => operand('-', a) - operand('-', b);
    case '*':
      return (a, b) => operand('*', a) * operand('*', b);
    case '/':
      return (a, b) => operand('/', a) / operand('/', b);
    case '^':
      return (a, b) => operand('^', a) ** operand('^', b);
    case 'mod':
      // mathjs's mod: the sign of the divisor, and x mod 0 is x.
      return (a, b) => {
        const x = operand('mod', a);
        const y = operand('mod', b);
        return y === 0 ? x : x - y * Math.floor(x / y);
      };
  }
}

export function comparison(op: ComparisonOp): (a: unknown, b: unknown) => boolean {
  switch (op) {
    case '==':
      return (a, b) => a === b || (a == null && b == null);
    case '!=':
      return (a, b) => !(a === b || (a == null && b == null));
    case '<':
      return (a, b) => compare('<', a, b) < 0;
    case '<=':
      return (a, b) => compare('<=', a, b) <= 0;
    case '>':
      return (a, b) => compare('>', a, b) > 0;
    case '>=':
      return (a, b) => compare('>=', a, b) >= 0;
  }
}

function compare(op: string, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new ComputeError(a === null || b === null ? `'${op}' got a missing value` : `'${op}' compares two numbers or two texts`);
}
