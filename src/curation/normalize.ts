// Survey answers and chat text arrive in whatever form a phone keyboard
// produced: full-width letters, odd spacing, a stray "?". Every comparison of
// human text goes through these functions so that option labels, chat tags and
// keywords are all matched by the same rules.

import { replaceShortcodes } from './emoji.js';

const WAVE_DASHES = /[\u301C\uFF5E\u223C]/g; // 〜 ～ ∼: Korean and Japanese IMEs produce these for "~"

/** NFKC + lower case + no whitespace + no trailing question marks: how option labels and tags are compared. */
export function normalizeLabel(s: string): string {
  return s.normalize('NFKC').replace(WAVE_DASHES, '~').toLowerCase().replace(/\s+/gu, '').replace(/\?+$/u, '');
}

/** Letters, digits and marks only, lower case, NFKC: how keywords and customer messages are compared. */
export function normalizeKeyword(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}\p{M}]+/gu, '');
}

/**
 * A keyword, or a customer's message, as keywords compare. A `:shortcode:`
 * is read as its emoji first: a support-bot button click carries the emoji in
 * its text and the shortcode in its blocks, and a shop may write either. Emoji
 * are then ignored like punctuation, unless nothing else is left: an
 * emoji-only keyword (a 👍 button) compares by its emoji.
 */
export function keywordForm(s: string): string {
  const t = replaceShortcodes(s);
  const letters = normalizeKeyword(t);
  if (letters !== '') return letters;
  return t.normalize('NFKC').replace(/[^\p{Extended_Pictographic}]+/gu, '');
}
