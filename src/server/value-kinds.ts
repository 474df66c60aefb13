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
