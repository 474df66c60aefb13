// Keyword triggers. Customers type "선물", "선물!!", "선 물", "ＧＩＦＴ", "Gift?":
// all the same keyword. Comparison ignores case, width (NFKC), spacing,
// punctuation and emoji (a `:gift:` shortcode is its emoji; an emoji-only
// keyword compares by its emoji: see keywordForm). By default the whole message must be the keyword (or
// one of its listed synonyms), so "선물" inside "어제 받은 선물 포장이 찢어졌어요"
// does not start the gift sequence; `match: contains` opts into that.
import { keywordForm } from './normalize.js';

export interface KeywordRule {
  /** Normalized keywords and synonyms. */
  keywords: string[];
  match: 'exact' | 'contains';
}

export function matchesKeyword(rule: KeywordRule, text: string): boolean {
  const t = keywordForm(text);
  if (t === '') return false;
  if (rule.match === 'exact') return rule.keywords.includes(t);
  return rule.keywords.some((k) => t.includes(k));
}
