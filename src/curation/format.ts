// Numbers in messages are formatted for the customer's language (1,234 in ko
// and en, 1.234 in de) with fixed decimals, after rounding the decimal value
// half away from zero like every other rounding in a curation.
//
// Intl.NumberFormat is the authority, but formatting ~40 numbers per plan
// through it is a measurable share of plan()'s time. So each language's
// separators are learnt from Intl once; when a hand-made formatter with those
// separators reproduces Intl on probe numbers, it is used, otherwise Intl is.
import { roundDecimal } from './rounding.js';
import { stripControls } from './sanitize.js';
import { escapeText } from '../channeltalk/markup.js';

type Formatter = (value: number, digits: number) => string;

/** A language's formatter, and its separators when the hand-made one is used (null: Intl). */
interface LanguageFormat {
  format: Formatter;
  separators: { group: string; decimal: string; minus: string } | null;
  /** The hand-made formatter's texts pass every write step unchanged (no control, bidi or markup character in a separator): see formatNumberAsWritten. */
  plain: boolean;
}

const formatters = new Map<string, LanguageFormat>();
/** The last language asked for: a plan formats all its numbers in one language. */
let last: { lang: string; format: LanguageFormat } | null = null;

function intlFormatter(lang: string): Formatter {
  const cache = new Map<number, Intl.NumberFormat>();
  return (value, digits) => {
    let f = cache.get(digits);
    if (!f) {
      f = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true });
      cache.set(digits, f);
    }
    return f.format(value);
  };
}

function formatterFor(lang: string): LanguageFormat {
  if (last !== null && last.lang === lang) return last.format;
  const known = formatters.get(lang);
  if (known) {
    last = { lang, format: known };
    return known;
  }
  const intl = intlFormatter(lang);
  const parts = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, useGrouping: true }).formatToParts(-1234567.5);
  const group = parts.find((p) => p.type === 'group')?.value ?? ',';
  const decimal = parts.find((p) => p.type === 'decimal')?.value ?? '.';
  const minus = parts.find((p) => p.type === 'minusSign')?.value ?? '-';
  const fast: Formatter = (value, digits) => {
    const fixed = Math.abs(value).toFixed(digits);
    const dot = fixed.indexOf('.');
    const int = dot < 0 ? fixed : fixed.slice(0, dot);
    const sign = value < 0 && Number(fixed) !== 0 ? minus : '';
    return dot < 0 ? `${sign}${group3(int, group)}` : `${sign}${group3(int, group)}${decimal}${fixed.slice(dot + 1)}`;
  };
  const probes: Array<[number, number]> = [[0, 0], [7, 1], [999, 0], [1234, 0], [-1234.5, 1], [1234567.891, 2], [12345678, 0], [0.05, 1]];
  const plain = [group, decimal, minus].every((sep) => stripControls(sep, false) === sep && escapeText(sep) === sep);
  const f: LanguageFormat = probes.every(([v, d]) => fast(v, d) === intl(v, d)) ? { format: fast, separators: { group, decimal, minus }, plain } : { format: intl, separators: null, plain: false };
  formatters.set(lang, f);
  return f;
}

/**
 * The integer digits with a separator every three from the right. A loop, not
 * a lookahead regex: about 40 numbers go through it on every plan(). toFixed
 * writes 1e21 and above as 1e+21, which is left as it is (as the regex did).
 */
function group3(int: string, group: string): string {
  if (int.length <= 3 || int.includes('e')) return int;
  const head = int.length % 3 || 3;
  let out = int.slice(0, head);
  for (let i = head; i < int.length; i += 3) out += group + int.slice(i, i + 3);
  return out;
}

export function formatNumber(value: number, lang: string, digits = 0): string {
  const d = Math.min(Math.max(Math.trunc(digits), 0), 10);
  const f = formatterFor(lang);
  const rounded = roundDecimal(value, d);
  return (f.separators && byScaledInteger(rounded, d, f.separators)) ?? f.format(rounded, d);
}

/**
 * formatNumber's text when it is known to need none of the steps a written
 * value goes through (controls removed, markup escaped): made of digits and
 * separators that hold none of those characters. Null otherwise (Intl's
 * text, a value too large): then the caller writes formatNumber's text as any
 * other value. About 40 numbers a plan skip three scans each.
 */
export function formatNumberAsWritten(value: number, lang: string, digits: number): string | null {
  const f = formatterFor(lang);
  if (!f.plain || f.separators === null) return null;
  const d = Math.min(Math.max(Math.trunc(digits), 0), 10);
  return byScaledInteger(roundDecimal(value, d), d, f.separators);
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
/** Below this a value times 10^digits is an integer the double holds exactly, with room for the product's rounding error. */
const SCALED_MAX = 1e15;

/**
 * The hand-made formatter's text for a value already rounded to `digits`
 * (roundDecimal: the double nearest to n / 10^digits), written from the
 * integer n instead of toFixed, which was most of the formatting's time.
 * Both give n's digits: the value is within a few units in the last place of
 * n / 10^digits, far from the halfway point either rounds at. null (use the
 * formatter) for a value too large for that.
 */
function byScaledInteger(rounded: number, digits: number, sep: { group: string; decimal: string; minus: string }): string | null {
  const scaled = Math.round(Math.abs(rounded) * POW10[digits]!);
  if (!(scaled < SCALED_MAX)) return null;
  const sign = rounded < 0 && scaled !== 0 ? sep.minus : '';
  const all = String(scaled).padStart(digits + 1, '0');
  const int = group3(all.slice(0, all.length - digits), sep.group);
  return digits === 0 ? `${sign}${int}` : `${sign}${int}${sep.decimal}${all.slice(all.length - digits)}`;
}
