// The last steps of a rendered text, and what of them can be decided once at
// load. plan() renders every text of a sequence on each call, so a question
// whose answer does not depend on the values (is this static text tidy? can
// this template ever produce invalid markup?) is answered when the template is
// compiled, not for every customer.
import { checkTextMarkup } from '../channeltalk/markup.js';

/** Tidying could change the text: a space or tab before a line end, or a run of 3+ line feeds. */
const UNTIDY = /[ \t][\n\r\u2028\u2029]|\n\n\n/;

/**
 * Liquid tags leave blank lines and trailing spaces behind; chat text should
 * not show them. Most texts have neither, and testing for them is one cheap
 * scan where the two multiline replaces were a tenth of plan()'s time; the
 * result is the same either way (trim() drops the spaces at the very end).
 */
export function tidy(s: string): string {
  if (!UNTIDY.test(s)) return s.trim();
  return s
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A character that can take part in what tidy changes (besides trim). */
const TIDY_SPACE = /[ \t\n\r\u2028\u2029]/;

/**
 * Whether a render of `literals` with values between them is already tidy
 * (needs only trim) whenever no value holds a space, tab or line end: what
 * tidy changes is a run of such characters, and then every such run lies in
 * the literals, between values that rendered empty at most, so it is also in
 * the literals joined. The values are checked at render (valueKeepsTidy).
 */
export function literalsStayTidy(literals: readonly string[]): boolean {
  return !UNTIDY.test(literals.join(''));
}

/** See literalsStayTidy: a value without spaces, tabs or line ends cannot make a render untidy. A loop: values are short, and a regex costs more to enter than to run. */
export function valueKeepsTidy(value: string): boolean {
  if (value.length > 64) return !TIDY_SPACE.test(value);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return false;
  }
  return true;
}

/**
 * Whether every render of a text template made of `literals` with an escaped
 * value between each two of them is valid Channel Talk markup, whatever the
 * values. True when the literals alone are valid markup and every value lands
 * outside a tag: an escaped value holds no < > or ", so in the text between
 * tags it cannot open, close or break one (and tidying only removes
 * whitespace outside tags or inside a link's value, where any text is
 * allowed). False means "check each render", never "invalid".
 */
export function markupValidForAnyValues(literals: readonly string[]): boolean {
  const joined = literals.join('');
  if (checkTextMarkup(joined) !== null) return false;
  let at = 0;
  for (const literal of literals.slice(0, -1)) {
    at += literal.length;
    if (at === 0) continue;
    // In valid markup every < opens a tag and every > closes one: the value is outside tags when the last < before it is closed.
    const lastOpen = joined.lastIndexOf('<', at - 1);
    if (lastOpen >= 0 && joined.lastIndexOf('>', at - 1) < lastOpen) return false;
  }
  return true;
}

/**
 * Whether String.prototype.trim removes this code unit: JavaScript's white
 * space and line terminators (the set of \s). A render whose ends are none of
 * them needs no trim, which would copy the whole text to read its two ends.
 */
export function isTrimmedAway(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}
