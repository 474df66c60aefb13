// People check these numbers by hand. Binary floating point makes 72.5 * 0.03
// come out as 2.1749999999999998 and 13.7 * 70 as 959.0000000000001, so a
// naive round or trunc would disagree with the customer's calculator. A value
// within a relative 1e-12 of a decimal boundary (an integer, or a half for
// rounding) is treated as lying on it: far above float noise (~1e-16), far
// below any difference a survey answer can make.

const REL_EPS = 1e-12;

function near(a: number, b: number, magnitude: number): boolean {
  return Math.abs(a - b) <= REL_EPS * Math.max(1, Math.abs(magnitude));
}

function nearInteger(v: number): number | null {
  const r = Math.round(v);
  return near(v, r, v) ? r : null;
}

/** 10 ** d for the decimals a curation writes: the same doubles (powers of ten up to 1e22 are exact), without a pow call for each rounding. */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];
const pow10 = (d: number): number => POW10[d] ?? 10 ** d;
const scale = (x: number, digits: number) => (digits >= 0 ? x * pow10(digits) : x / pow10(-digits));
const unscale = (n: number, digits: number) => (digits >= 0 ? n / pow10(digits) : n * pow10(-digits));

/** Drops the fraction, like integer conversion, of the decimal value. */
export function truncDecimal(x: number): number {
  if (!Number.isFinite(x)) return x;
  return (nearInteger(x) ?? Math.trunc(x)) + 0; // + 0 turns -0 into 0
}

/** Rounds half away from zero at `digits` decimals (negative: tens, hundreds…). 2.25 → 2.3, 2.35 → 2.4, -2.25 → -2.3. */
export function roundDecimal(x: number, digits = 0): number {
  if (!Number.isFinite(x)) return x;
  const s = scale(Math.abs(x), digits);
  const floor = Math.floor(s);
  const n = nearInteger(s) ?? (near(s - floor, 0.5, s) || s - floor > 0.5 ? floor + 1 : floor);
  return (x < 0 ? -1 : 1) * unscale(n, digits) + 0;
}

export function floorDecimal(x: number, digits = 0): number {
  if (!Number.isFinite(x)) return x;
  const s = scale(x, digits);
  return unscale(nearInteger(s) ?? Math.floor(s), digits) + 0;
}

export function ceilDecimal(x: number, digits = 0): number {
  if (!Number.isFinite(x)) return x;
  const s = scale(x, digits);
  return unscale(nearInteger(s) ?? Math.ceil(s), digits) + 0;
}
