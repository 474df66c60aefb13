// The profile contract: raw Channel Talk profile values in, typed answers or
// field problems out. Profile values are health data: no problem message, no
// reason, no log line ever includes one — only the field's name and rule.
import type { FieldProblem, Value } from './plan-types.js';
import type { FieldSpec } from './types.js';
import { matchOption, type OptionMatcher } from './options.js';
import { matches, MAX_MATCH_CHARS, type CompiledPattern } from './regex.js';

export interface CompiledField extends FieldSpec {
  matcher: OptionMatcher | null;
  /** `pattern`, compiled once at load. */
  regex: CompiledPattern | null;
  /** `sample`, resolved as an answer at load: what the dry run uses instead of a made-up answer. */
  sample?: Value;
}

export type ResolvedFields = Record<string, Value>;

type Coerced = { ok: true; value: Value } | { ok: false; problem: FieldProblem['problem'] };

const MISSING: Coerced = { ok: false, problem: 'missing' };

/**
 * Every field of the contract, coerced. Absent optional answers become null
 * (lists: []); odd optional answers are treated as absent rather than failing
 * the whole run. A null profile means "really none": every required field is missing.
 */
export function resolveFields(fields: readonly CompiledField[], raw: Record<string, unknown> | null): { values: ResolvedFields; problems: FieldProblem[] } {
  const values: ResolvedFields = {};
  const problems: FieldProblem[] = [];
  for (const f of fields) {
    // Own keys only: a profile without `toString` has no answer for it, not Object.prototype's function.
    const got = raw === null ? MISSING : coerce(f, Object.hasOwn(raw, f.key) ? raw[f.key] : undefined);
    if (got.ok) {
      values[f.name] = got.value;
      if (f.consent && got.value !== true) problems.push(problemFor(f, 'no_consent'));
      continue;
    }
    values[f.name] = f.type === 'list' ? [] : null;
    if (f.consent) problems.push(problemFor(f, raw === null ? 'missing' : 'no_consent'));
    else if (f.required) problems.push(problemFor(f, got.problem));
  }
  return { values, problems };
}

function coerce(f: CompiledField, raw: unknown): Coerced {
  if (raw === undefined || raw === null) return MISSING;
  switch (f.type) {
    case 'number':
      return coerceNumber(f, raw);
    case 'text':
      return coerceText(f, raw);
    case 'boolean':
      return coerceBoolean(raw);
    case 'option':
      return coerceOption(f, raw);
    case 'list':
      return coerceList(f, raw);
  }
}

function coerceNumber(f: CompiledField, raw: unknown): Coerced {
  let n: number | null;
  if (typeof raw === 'number') n = Number.isFinite(raw) ? raw : null;
  else if (typeof raw === 'string') {
    if (raw.trim() === '') return MISSING;
    n = parseNumber(raw, f.unit);
  } else return { ok: false, problem: 'wrong_type' };
  if (n === null) return { ok: false, problem: 'not_a_number' };
  if ((f.min !== null && n < f.min) || (f.max !== null && n > f.max)) return { ok: false, problem: 'out_of_range' };
  return { ok: true, value: n };
}

/**
 * Numeric strings as people type them: " 72.5 ", full-width digits, a decimal
 * comma ("72,5"), thousands separators ("1,234.5": a comma followed by exactly
 * three digits groups thousands), and the field's own unit ("72kg" when the
 * unit is kg). Anything else ("72lb", "about 70") is not a number.
 */
export function parseNumber(raw: string, unit: string | null): number | null {
  let s = raw.normalize('NFKC').trim();
  if (unit) {
    const u = unit.normalize('NFKC').toLowerCase();
    if (u !== '' && s.toLowerCase().endsWith(u)) s = s.slice(0, s.length - u.length).trimEnd();
  }
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  else if (/^[+-]?\d+,\d+$/.test(s)) s = s.replace(',', '.');
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function coerceText(f: CompiledField, raw: unknown): Coerced {
  let s: string;
  if (typeof raw === 'string') s = raw.trim();
  else if (typeof raw === 'number' && Number.isFinite(raw)) s = String(raw);
  else return { ok: false, problem: 'wrong_type' };
  if (s === '') return MISSING;
  // Matched before any cut, on a bounded text: a match costs at most a few milliseconds (regex.ts).
  if (f.regex !== null && (s.length > MAX_MATCH_CHARS || !matches(f.regex, s))) return { ok: false, problem: 'not_matching' };
  if (f.maxLength !== null) {
    const chars = [...s];
    if (chars.length > f.maxLength) s = chars.slice(0, f.maxLength).join('');
  }
  return { ok: true, value: s };
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 'agree', 'agreed', '예', '네', '동의', '동의함', '동의합니다']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', 'disagree', '아니오', '아니요', '미동의', '동의안함', '동의하지않음']);

function coerceBoolean(raw: unknown): Coerced {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  if (raw === 1 || raw === 0) return { ok: true, value: raw === 1 };
  if (typeof raw === 'string') {
    const s = raw.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, '');
    if (s === '') return MISSING;
    if (TRUE_WORDS.has(s)) return { ok: true, value: true };
    if (FALSE_WORDS.has(s)) return { ok: true, value: false };
  }
  return { ok: false, problem: 'wrong_type' };
}

function coerceOption(f: CompiledField, raw: unknown): Coerced {
  let answer = raw;
  // A single-choice answer sometimes arrives as a one-element list.
  if (Array.isArray(answer) && answer.length === 1) answer = answer[0];
  if (typeof answer === 'number' && Number.isFinite(answer)) answer = String(answer);
  if (typeof answer !== 'string') return { ok: false, problem: 'wrong_type' };
  if (answer.trim() === '') return MISSING;
  const key = f.matcher ? matchOption(f.matcher, answer) : null;
  return key === null ? { ok: false, problem: 'unknown_option' } : { ok: true, value: key };
}

function coerceList(f: CompiledField, raw: unknown): Coerced {
  const items: unknown[] = Array.isArray(raw) ? raw : [raw];
  const keys: string[] = [];
  for (const item of items) {
    const s = typeof item === 'number' && Number.isFinite(item) ? String(item) : item;
    if (typeof s !== 'string') return { ok: false, problem: 'wrong_type' };
    if (s.trim() === '') continue;
    // Unknown answers in a multi-choice list are dropped unless the field says what they mean.
    const key = f.matcher ? matchOption(f.matcher, s) : null;
    if (key !== null && !keys.includes(key)) keys.push(key);
  }
  if (keys.length === 0 && items.every((i) => typeof i === 'string' && i.trim() === '')) return MISSING;
  return { ok: true, value: keys };
}

function problemFor(f: FieldSpec, problem: FieldProblem['problem']): FieldProblem {
  return { field: f.key, problem, message: describeProblem(f, problem) };
}

function describeProblem(f: FieldSpec, problem: FieldProblem['problem']): string {
  const unit = f.unit ? ` ${f.unit}` : '';
  switch (problem) {
    case 'missing':
      return `${f.key} is missing`;
    case 'not_a_number':
      return `${f.key} is not a number${f.unit ? ` (expected ${f.unit})` : ''}`;
    case 'out_of_range':
      if (f.min !== null && f.max !== null) return `${f.key} must be between ${f.min} and ${f.max}${unit}`;
      return f.min !== null ? `${f.key} must be at least ${f.min}${unit}` : `${f.key} must be at most ${f.max}${unit}`;
    case 'unknown_option':
      return `${f.key} is not one of the survey's options`;
    case 'wrong_type':
      return `${f.key} is not a ${f.type === 'list' ? 'list of answers' : f.type === 'option' ? 'single answer' : f.type}`;
    case 'no_consent':
      return `${f.key} is not true: the customer has not consented`;
    case 'not_matching':
      return `${f.key} is not in the expected form`;
  }
}
