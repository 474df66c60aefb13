// Where in a URL each inserted value lands. A value after the host (in the
// path, the query or the fragment) is percent-encoded, so an answer such as
// `a&next=https://evil.example#x` stays one parameter value. A value in the
// scheme or host (typically a setting holding the whole address) is inserted
// as written: encoding would break it, and it cannot be made safe, so `check`
// warns when it may come from an answer.
//
// The URL is a button's `url`, or in a text block the value="…" of a <link>
// or the text of a <link type="url"> without one (that text is the address).
// Positions are decided from the template's own text, in source order, so a
// value counts as "after the host" as soon as any literal /, ? or # (other than
// the one of `://`) precedes it.
import { Tokenizer, TypeGuards, type Liquid, type TopLevelToken } from 'liquidjs';

export type UrlPart = 'origin' | 'rest';

export interface UrlLayout {
  /** Where each output (by its offset in the source) lands; outputs not in a URL are absent. */
  parts: Map<number, UrlPart>;
  /** A tag that writes a value inside a URL without going through {{ }}, if any. */
  refused: { name: string; begin: number } | null;
}

const LINK_VALUE = '<link type="url" value="';
const LINK_LABEL = '<link type="url">';
// Tags whose written value would bypass the encoding of {{ }}.
const WRITING_TAGS = new Set(['echo', 'cycle', 'liquid']);

/** `whole`: the template is a URL (a button's url); otherwise a text block, where only <link> values are. */
export function urlLayout(source: string, liquid: Liquid, whole: boolean): UrlLayout {
  const tokens: TopLevelToken[] = new Tokenizer(source, liquid.options.operators).readTopLevelTokens(liquid.options);
  const parts = new Map<number, UrlPart>();
  let refused: UrlLayout['refused'] = null;
  let literal = '';
  let commentDepth = 0;
  for (const token of tokens) {
    if (TypeGuards.isTagToken(token)) {
      if (token.name === 'comment') commentDepth++;
      else if (token.name === 'endcomment') commentDepth = Math.max(0, commentDepth - 1);
      else if (commentDepth === 0 && WRITING_TAGS.has(token.name) && urlPrefix(literal, whole) !== null) refused ??= { name: token.name, begin: token.begin };
      continue;
    }
    if (commentDepth > 0) continue;
    if (TypeGuards.isOutputToken(token)) {
      const prefix = urlPrefix(literal, whole);
      if (prefix !== null) parts.set(token.begin, isOrigin(prefix) ? 'origin' : 'rest');
    } else if (TypeGuards.isHTMLToken(token)) {
      literal += token.getContent();
    }
  }
  return { parts, refused };
}

/** The URL text written so far before a value, or null when the value is not in a URL. */
function urlPrefix(literal: string, whole: boolean): string | null {
  if (whole) return literal;
  const attr = literal.lastIndexOf(LINK_VALUE);
  const label = literal.lastIndexOf(LINK_LABEL);
  if (attr < 0 && label < 0) return null;
  if (attr > label) {
    const inside = literal.slice(attr + LINK_VALUE.length);
    // The attribute ends at its closing quote (Channel Talk markup allows no < or > in it either).
    return /["<>]/.test(inside) ? null : inside;
  }
  // <link type="url">https://…</link>: the text is the address, up to </link>.
  const inside = literal.slice(label + LINK_LABEL.length);
  return inside.includes('<') ? null : inside;
}

function isOrigin(prefix: string): boolean {
  return !/[/?#]/.test(prefix.replace(/:\/\//g, ''));
}

/**
 * Names whose value is written in the file whatever the answers: a computed
 * value that is one table lookup (`lookup(pages, goal)`) can only be one of
 * the table's cells. Anything more (`lookup(…) + name`) is not recognised.
 */
export function isBareLookup(expression: string): boolean {
  const s = expression.trim();
  const m = /^lookup\s*\(/.exec(s);
  if (!m) return false;
  let depth = 0;
  let quote: string | null = null;
  for (let i = m[0].length - 1; i < s.length; i++) {
    const ch = s[i];
    if (quote !== null) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i === s.length - 1;
  }
  return false;
}
