// Built-ins that need the file at load, not only values at plan time:
// - capture(text, 'pattern', group?): the pattern is compiled once, here, by a
//   linear-time engine (../regex.ts); a bad pattern is a load error;
// - fail('reason'): sends the fallback, with a reason the file fixes (so it
//   can never quote an answer);
// - sumOf(list, table): each entry through a lookup table of numbers; an
//   entry the table lacks is a problem, never silently dropped;
// - weekday/hour/minute/day/month/year(moment): date parts in the curation's
//   time zone.
import type { Expr } from './ast.js';
import { ComputeError, ExpressionError, FailError } from './errors.js';
import { num } from './builtins.js';
import { compilePattern, firstMatch, MAX_MATCH_CHARS, MAX_MATCH_CHARS_TEXT } from '../regex.js';
import { lookupIn, type LookupTable, type Table } from '../tables.js';
import { datePartsIn, DEFAULT_TIMEZONE, type DateParts } from '../zone.js';
import { said } from '../load-errors.js';

type Evaluator = (scope: Record<string, unknown>) => unknown;

export interface SpecialContext {
  tables: Map<string, Table>;
  /** The declared option keys of each list field (not its otherwise), for sumOf's load-time check. */
  listOptions?: Map<string, string[]>;
  timezone?: string;
}

const DATE_PARTS = ['weekday', 'hour', 'minute', 'day', 'month', 'year'] as const satisfies ReadonlyArray<keyof DateParts>;
type DatePart = (typeof DATE_PARTS)[number];

export const SPECIAL_NAMES: readonly string[] = ['capture', 'fail', 'sumOf', ...DATE_PARTS];

/** The evaluator of a special built-in call, or null when `name` is not one. */
export function compileSpecial(name: string, args: Expr[], ctx: SpecialContext, compile: (e: Expr) => Evaluator): Evaluator | null {
  switch (name) {
    case 'capture':
      return compileCapture(args, compile);
    case 'fail':
      return compileFail(args);
    case 'sumOf':
      return compileSumOf(args, ctx, compile);
    default:
      return (DATE_PARTS as readonly string[]).includes(name) ? compileDatePart(name as DatePart, args, ctx, compile) : null;
  }
}

function arity(name: string, args: Expr[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const given = args.length;
    const text = `${name}() takes ${min === max ? `${min}` : `${min} or ${max}`} argument(s), not ${given}`;
    throw new ExpressionError(min === max ? said('check.argumentCount', { name, want: min, given }, text) : said('check.argumentCountRange', { name, min, max, given }, text));
  }
}

function compileCapture(args: Expr[], compile: (e: Expr) => Evaluator): Evaluator {
  arity('capture', args, 2, 3);
  const [textNode, patternNode, groupNode] = args as [Expr, Expr, Expr | undefined];
  const text = compile(textNode);
  if (patternNode.kind !== 'constant' || typeof patternNode.value !== 'string') {
    throw new ExpressionError(said('check.capturePatternText', {}, "capture() takes its pattern as a text in quotes, e.g. capture(menu, '([0-9])식'): it is compiled once, when the file loads"));
  }
  const compiled = compilePattern(patternNode.value);
  if (!compiled.ok) {
    const text = `capture(): the pattern '${patternNode.value}' is not a valid regular expression: ${compiled.why}`;
    throw new ExpressionError(said('check.capturePatternInvalid', { pattern: patternNode.value, detail: compiled.why }, text));
  }
  const pattern = compiled.pattern;
  let group = pattern.groups > 0 ? 1 : 0;
  if (groupNode !== undefined) {
    if (groupNode.kind !== 'constant' || typeof groupNode.value !== 'number' || !Number.isInteger(groupNode.value) || groupNode.value < 0) {
      throw new ExpressionError(said('check.captureGroupNumber', {}, 'capture() takes its group as a whole number from 0 (the whole match), e.g. capture(menu, pattern, 1)'));
    }
    if (groupNode.value > pattern.groups) {
      const text = `capture(): the pattern has ${pattern.groups} group(s), so group ${groupNode.value} does not exist`;
      throw new ExpressionError(said('check.captureNoGroup', { groups: pattern.groups, group: groupNode.value }, text));
    }
    group = groupNode.value;
  }
  return (s) => {
    const v = text(s);
    if (v === null || v === undefined) return null;
    if (typeof v !== 'string' && typeof v !== 'number') throw new ComputeError('capture() needs a text');
    const t = String(v);
    if (t.length > MAX_MATCH_CHARS) throw new ComputeError(`capture() got a text longer than ${MAX_MATCH_CHARS_TEXT} characters`);
    return firstMatch(pattern, t, group);
  };
}

function compileFail(args: Expr[]): Evaluator {
  arity('fail', args, 1, 1);
  const [reason] = args as [Expr];
  if (reason.kind !== 'constant' || typeof reason.value !== 'string') {
    throw new ExpressionError("fail() takes its reason as a text in quotes, e.g. fail('temp_refund_count is not a whole number'): a reason never quotes an answer");
  }
  const text = reason.value.trim();
  if (text === '') throw new ExpressionError('fail() needs a reason: say which answer is wrong, e.g. fail(\'menu has no price\')');
  return () => {
    throw new FailError(text);
  };
}

function compileSumOf(args: Expr[], ctx: SpecialContext, compile: (e: Expr) => Evaluator): Evaluator {
  const [listNode, tableNode] = args;
  if (args.length !== 2 || !listNode || tableNode?.kind !== 'name' || !ctx.tables.has(tableNode.name)) {
    const notTable = args.length === 2 && tableNode?.kind === 'name' ? `: '${tableNode.name}' is not a table` : '';
    throw new ExpressionError(`sumOf() takes a list and a table name, e.g. sumOf(options, surcharge)${notTable}`);
  }
  const table = ctx.tables.get(tableNode.name) as Table;
  if (table.kind !== 'lookup' || table.depth !== 1 || !numbersOnly(table)) {
    throw new ExpressionError(`sumOf(): table '${table.name}' must hold numbers, one per key (a lookup table such as {lookup: {none: 0, protein50: 700}})`);
  }
  if (listNode.kind === 'name' && table.otherwise === undefined) {
    for (const key of ctx.listOptions?.get(listNode.name) ?? []) {
      if (!table.entries.has(key)) throw new ExpressionError(`table '${table.name}' has no entry for '${key}' (an option of ${listNode.name}) and no otherwise`);
    }
  }
  const list = compile(listNode);
  return (s) => {
    const v = list(s);
    if (v === null || v === undefined) return 0;
    if (!Array.isArray(v)) throw new ComputeError('sumOf() needs a list as its first argument');
    let sum = 0;
    for (const item of v) {
      const got = typeof item === 'string' || typeof item === 'number' ? lookupIn(table, [String(item)]) : undefined;
      // Never dropped: a sum without one of the chosen entries would be a wrong number, said with confidence.
      if (typeof got !== 'number') throw new ComputeError(`sumOf(): table '${table.name}' has no entry for an element of the list, and no otherwise`);
      sum += got;
    }
    return sum;
  };
}

function numbersOnly(t: LookupTable): boolean {
  if (t.otherwise !== undefined && typeof t.otherwise !== 'number') return false;
  for (const v of t.entries.values()) if (typeof v !== 'number') return false;
  return true;
}

/** Moments Date can hold: ±8.64e15 ms. */
const MAX_MOMENT = 8.64e15;

function compileDatePart(part: DatePart, args: Expr[], ctx: SpecialContext, compile: (e: Expr) => Evaluator): Evaluator {
  arity(part, args, 1, 1);
  const zone = ctx.timezone ?? DEFAULT_TIMEZONE;
  const moment = compile(args[0] as Expr);
  return (s) => {
    const ms = num(part, moment(s));
    if (!(Math.abs(ms) <= MAX_MOMENT)) throw new ComputeError(`${part}() needs a moment in epoch milliseconds, such as now`);
    return datePartsIn(zone, ms)[part];
  };
}
