// Channel Talk text markup read two ways: as styled spans for the console
// (parseMarkup), and as plain text for `curation preview` (readable).
// Anything unrecognised stays literal text.
import type { Span } from './types.js';

const TAG = /<(\/?)(b|i|link)((?:\s+type="(url|manager)")?(?:\s+value="([^"<>]*)")?)\s*>/y;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

interface Open {
  tag: 'b' | 'i' | 'link';
  mention: boolean;
  href?: string | undefined;
  /** A mention's label gets its @ once, on its first span. */
  at: boolean;
}

/** `<b>`, `<i>`, `<link type="url" value="…">` and mentions into styled spans. */
export function parseMarkup(value: string): Span[] {
  const spans: Span[] = [];
  const stack: Open[] = [];
  let text = '';
  const flush = () => {
    if (text === '') return;
    const span: Span = { text: decodeEntities(text) };
    if (stack.some((s) => s.tag === 'b')) span.bold = true;
    if (stack.some((s) => s.tag === 'i')) span.italic = true;
    const link = stack.find((s) => s.tag === 'link');
    if (link?.mention) {
      if (!link.at) span.text = span.text.startsWith('@') ? span.text : `@${span.text}`;
      link.at = true;
      span.mention = true;
    } else if (link) {
      // `<link type="url">https://…</link>`: the label is the address.
      const href = safeUrl(link.href ?? decodeEntities(text));
      if (href) span.href = href;
    }
    spans.push(span);
    text = '';
  };
  for (let i = 0; i < value.length; ) {
    if (value[i] === '<') {
      TAG.lastIndex = i;
      const m = TAG.exec(value);
      if (m) {
        flush();
        const tag = m[2] as Open['tag'];
        if (m[1] === '/') {
          const at = stack.map((s) => s.tag).lastIndexOf(tag);
          if (at >= 0) stack.splice(at, 1);
        } else {
          stack.push({ tag, mention: m[4] === 'manager', href: m[5] === undefined ? undefined : decodeEntities(m[5]), at: false });
        }
        i += m[0].length;
        continue;
      }
    }
    text += value[i];
    i++;
  }
  flush();
  return spans;
}

/** Channel Talk markup as plain text: **bold**, _italic_, label (url), @mention. */
export function readable(markup: string): string {
  return markup
    .replace(/<link type="url" value="([^"]*)">(.*?)<\/link>/g, '$2 ($1)')
    .replace(/<link type="url">(.*?)<\/link>/g, '$1')
    .replace(/<link type="manager" value="[^"]*">@?(.*?)<\/link>/g, '@$1')
    .replace(/<\/?b>/g, '**')
    .replace(/<\/?i>/g, '_')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** Characters the customer sees in a text value: markup tags do not count, an entity counts as one. */
export function markupLength(markup: string): number {
  return codePoints(markup.replace(/<[^>]*>/g, '').replace(/&(amp|lt|gt|quot|#39);/g, '_'));
}

export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function decodeEntities(s: string): string {
  return s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
}

export function safeUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}
