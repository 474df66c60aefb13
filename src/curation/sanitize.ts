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
  return s.replace(multiline ? IN_TEXT : IN_LINE, '');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** encodeURIComponent, except that half of a surrogate pair (it throws on one) becomes U+FFFD first. */
export function encodeUrlValue(s: string): string {
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\ufffd'));
}
