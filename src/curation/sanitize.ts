// What a value may not bring into a message. Control characters have no place
// in a chat (a bell, an escape sequence, a C1 "next line"), and the
// bidirectional marks, embeddings, overrides and isolates let a name reorder
// the text shown after it (a right-to-left override makes "exe.txt" read as
// "txt.exe"). Both are removed from every value a template inserts; the
// curation's own text is left as written.

// Cc is C0, DEL and C1; then ALM, LRM/RLM, LRE..RLO, LRI..PDI.
const IN_LINE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
// The same but tab and line feed, which a text or code block can show.
const IN_TEXT = /(?![\t\n])[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** `multiline` where the text can hold a newline or a tab (text and code blocks). */
export function stripControls(s: string, multiline: boolean): string {
  if (s.length <= SCANNED_MAX && !hasControl(s, multiline)) return s;
  return s.replace(multiline ? IN_TEXT : IN_LINE, '');
}

/**
 * Most values are a short number or name without any of those characters: a
 * loop over its code units says so for less than the Unicode regex costs
 * (about 40 values go through here on every plan()). It looks for the same
 * characters as IN_LINE / IN_TEXT (all in the BMP); longer texts take the regex.
 */
const SCANNED_MAX = 64;

function hasControl(s: string, multiline: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20) {
      if (!(multiline && (c === 0x09 || c === 0x0a))) return true;
    } else if (c >= 0x7f && c <= 0x9f) return true;
    else if (c >= 0x061c && (c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))) return true;
  }
  return false;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** encodeURIComponent, except that half of a surrogate pair (it throws on one) becomes U+FFFD first. */
export function encodeUrlValue(s: string): string {
  return encodeURIComponent(hasSurrogate(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s);
}

/** Whether the text holds any surrogate code unit (paired or not): only then can one be alone. Most values hold none, and the look-behind regex is costly. */
function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}
