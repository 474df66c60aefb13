// Survey answers and chat text arrive in whatever form a phone keyboard
// produced: full-width letters, odd spacing, a stray "?". Every comparison of
// human text goes through these functions so that option labels, chat tags and
// keywords are all matched by the same rules.

const WAVE_DASHES = /[\u301C\uFF5E\u223C]/g; // 〜 ～ ∼: Korean and Japanese IMEs produce these for "~"

/** NFKC + lower case + no whitespace + no trailing question marks: how option labels and tags are compared. */
export function normalizeLabel(s: string): string {
  return s.normalize('NFKC').replace(WAVE_DASHES, '~').toLowerCase().replace(/\s+/gu, '').replace(/\?+$/u, '');
}

/** Letters, digits and marks only, lower case, NFKC: how keywords and customer messages are compared. */
export function normalizeKeyword(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}\p{M}]+/gu, '');
}
