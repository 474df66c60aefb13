// Numbers in messages are formatted for the customer's language (1,234 in ko
// and en, 1.234 in de) with fixed decimals, after rounding the decimal value
// half away from zero like every other rounding in a curation.
//
// Intl.NumberFormat is the authority, but formatting ~40 numbers per plan
// through it is a measurable share of plan()'s time. So each language's
// separators are learnt from Intl once; when a hand-made formatter with those
// separators reproduces Intl on probe numbers, it is used, otherwise Intl is.
import { roundDecimal } from './rounding.js';

type Formatter = (value: number, digits: number) => string;

const formatters = new Map<string, Formatter>();

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

function formatterFor(lang: string): Formatter {
  let f = formatters.get(lang);
  if (f) return f;
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
  f = probes.every(([v, d]) => fast(v, d) === intl(v, d)) ? fast : intl;
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
  return formatterFor(lang)(roundDecimal(value, d), d);
}
