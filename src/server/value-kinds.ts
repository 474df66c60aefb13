// Recognises values that identify a person by their form, wherever they
// appear. Every check is one forward pass over the text (no regex, no
// backtracking), so its cost is linear in the length scanned.

/** The characters JavaScript's `\s` matches. */
function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

const AT = 0x40;
const DOT = 0x2e;

/**
 * Whether `s` holds `local@domain.tld`: what /[^\s@]+@[^\s@]+\.[^\s@]+/
 * matches, found in one pass. After an '@' the run of non-space, non-'@'
 * characters is read once; the next '@' ends that run and starts the next try.
 */
export function containsEmail(s: string): boolean {
  const n = s.length;
  let i = s.indexOf('@');
  while (i !== -1) {
    const before = i > 0 ? s.charCodeAt(i - 1) : AT;
    let j = i + 1;
    let dotInside = false;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (c === AT || isSpace(c)) break;
      // A dot with a character of the run before it and after it.
      if (c === DOT && j > i + 1 && j + 1 < n) {
        const next = s.charCodeAt(j + 1);
        if (next !== AT && !isSpace(next)) dotInside = true;
      }
    }
    if (dotInside && before !== AT && !isSpace(before)) return true;
    i = j < n && s.charCodeAt(j) === AT ? j : s.indexOf('@', j);
  }
  return false;
}

export type ValueKind = 'email' | 'phone' | 'date' | 'digits';

/** What personal kind of value `s` holds somewhere in it, if any. */
export function valueKind(s: string): ValueKind | null {
  if (containsEmail(s)) return 'email';
  return numericKind(s);
}

function isDigit(c: number): boolean {
  // ASCII and full-width digits.
  return (c >= 0x30 && c <= 0x39) || (c >= 0xff10 && c <= 0xff19);
}

function digitValue(c: number): number {
  return c >= 0xff10 ? c - 0xff10 : c - 0x30;
}

// What people put between the groups of a phone number or a date.
const SEPARATORS = new Set([0x20, 0x2d, 0x2e, 0x2f, 0x28, 0x29, 0x2b, 0xa0, 0x3000, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212, 0xff0d, 0xff0e, 0xff0f]);
const MAX_SEPARATOR_RUN = 3;
const YEAR = 0xb144; // 년
const MONTH = 0xc6d4; // 월
const DAY = 0xc77c; // 일
const BORN = 0xc0dd; // 생

/** One run of digit groups joined by short separator runs: "010-1234-5678", "2024. 3. 15". */
interface Cluster {
  /** Digits in the whole run. */
  digits: number;
  /** The longest group. */
  longest: number;
  /** The first three groups (length and value) and the separators between them, for date shapes. */
  groups: Array<{ len: number; value: number }>;
  seps: string[];
  /** A dash or a leading '+' / '(' marks a phone number. */
  phoneMarks: boolean;
  end: number;
}

/**
 * Phone numbers, dates and long digit runs, in one forward pass: each cluster
 * of digits is read once, the separators after it at most twice.
 */
function numericKind(s: string): ValueKind | null {
  const n = s.length;
  let monthEnd = -1;
  let i = 0;
  while (i < n) {
    if (!isDigit(s.charCodeAt(i))) {
      i++;
      continue;
    }
    const c = readCluster(s, i);
    if (c.longest >= 6) return 'digits';
    if (isDateShape(c)) return 'date';
    if (c.digits >= 8) return c.seps.length > 0 ? 'phone' : 'digits';
    if (c.digits >= 7 && c.phoneMarks) return 'phone';
    // Korean dates: "1987년", "87년생", "4월 12일".
    const first = c.groups[0];
    if (c.groups.length === 1 && first) {
      const unit = unitAfter(s, c.end);
      if (unit && unit.code === YEAR && (first.len === 4 || (first.len === 2 && s.charCodeAt(unit.end) === BORN))) return 'date';
      if (unit && unit.code === DAY && first.len <= 2 && monthEnd !== -1 && i - monthEnd <= 1) return 'date';
      monthEnd = unit && unit.code === MONTH && first.len <= 2 ? unit.end : -1;
    } else {
      monthEnd = -1;
    }
    i = c.end;
  }
  return null;
}

function readCluster(s: string, start: number): Cluster {
  const n = s.length;
  const before = start > 0 ? s.charCodeAt(start - 1) : 0;
  const c: Cluster = { digits: 0, longest: 0, groups: [], seps: [], phoneMarks: before === 0x2b || before === 0x28, end: start };
  let j = start;
  for (;;) {
    let len = 0;
    let value = 0;
    while (j < n && isDigit(s.charCodeAt(j))) {
      if (len < 9) value = value * 10 + digitValue(s.charCodeAt(j));
      len++;
      j++;
    }
    c.digits += len;
    c.longest = Math.max(c.longest, len);
    if (c.groups.length < 3) c.groups.push({ len, value });
    c.end = j;
    let k = j;
    while (k < n && k - j < MAX_SEPARATOR_RUN && SEPARATORS.has(s.charCodeAt(k))) k++;
    if (k === j || k >= n || !isDigit(s.charCodeAt(k))) return c;
    const sep = s.slice(j, k);
    if (sep.includes('-') || sep.includes('(') || sep.includes(')')) c.phoneMarks = true;
    if (c.seps.length < 2) c.seps.push(sep);
    j = k;
  }
}

/** 1987-04-12, 1987.4.12, 2024. 3. 15, 04/12/1987, 87.04.12: three groups, one kind of separator. */
function isDateShape(c: Cluster): boolean {
  const [a, b, d] = c.groups;
  const [s1, s2] = c.seps.map((x) => x.trim());
  if (!a || !b || !d || s1 === undefined || s1 !== s2 || !['-', '.', '/'].includes(s1)) return false;
  const month = (g: { value: number }) => g.value >= 1 && g.value <= 12;
  const day = (g: { value: number }) => g.value >= 1 && g.value <= 31;
  if (a.len === 4 && b.len <= 2 && d.len <= 2) return month(b) && day(d);
  if (a.len === 2 && b.len === 2 && d.len === 2) return month(b) && day(d);
  if (a.len <= 2 && b.len <= 2 && d.len === 4) return day(a) && day(b) && (month(a) || month(b));
  return false;
}

/** 년, 월 or 일 right after a number (one space allowed), and where it ends. */
function unitAfter(s: string, at: number): { code: number; end: number } | null {
  const p = s.charCodeAt(at) === 0x20 ? at + 1 : at;
  const code = s.charCodeAt(p);
  return code === YEAR || code === MONTH || code === DAY ? { code, end: p + 1 } : null;
}
