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
    const [int = '0', frac] = Math.abs(value).toFixed(digits).split('.');
    const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, group);
    const sign = value < 0 && Number(Math.abs(value).toFixed(digits)) !== 0 ? minus : '';
    return frac === undefined ? `${sign}${grouped}` : `${sign}${grouped}${decimal}${frac}`;
  };
  const probes: Array<[number, number]> = [[0, 0], [7, 1], [999, 0], [1234, 0], [-1234.5, 1], [1234567.891, 2], [12345678, 0], [0.05, 1]];
  f = probes.every(([v, d]) => fast(v, d) === intl(v, d)) ? fast : intl;
  formatters.set(lang, f);
  return f;
}

export function formatNumber(value: number, lang: string, digits = 0): string {
  const d = Math.min(Math.max(Math.trunc(digits), 0), 10);
  return formatterFor(lang)(roundDecimal(value, d), d);
}
