// Turns a v5 message body into plain data the browser draws as Channel Talk
// shows it (bold, italic, links, bullets, buttons). Parsing happens here, in
// TypeScript, so the page never interprets markup or sets HTML: it only
// creates text nodes and elements from these spans.
import type { Block, MessageBody } from '../../channeltalk/wire.js';

export interface Span {
  text: string;
  bold?: true;
  italic?: true;
  /** http(s) only; anything else is shown as plain text. */
  href?: string;
}

export type RenderedBlock = { kind: 'text'; spans: Span[] } | { kind: 'bullets'; items: Span[][] } | { kind: 'code'; text: string };

export interface RenderedButton {
  title: string;
  url: string | null;
  color: string;
}

export interface RenderedMessage {
  blocks: RenderedBlock[];
  buttons: RenderedButton[];
}

const TAG = /<(\/?)(b|i|link)((?:\s+type="url")?(?:\s+value="([^"<>]*)")?)\s*>/y;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

export function renderBody(body: MessageBody): RenderedMessage {
  const blocks: RenderedBlock[] = body.blocks?.map(renderBlock) ?? (body.plainText ? [{ kind: 'text', spans: [{ text: body.plainText }] }] : []);
  const buttons = (body.buttons ?? []).map((b) => ({ title: b.title, url: safeUrl(b.action.attributes.url), color: b.colorVariant ?? 'cobalt' }));
  return { blocks, buttons };
}

function renderBlock(block: Block): RenderedBlock {
  if (block.type === 'bullets') return { kind: 'bullets', items: block.blocks.map((b) => parseMarkup(b.value)) };
  if (block.type === 'code') return { kind: 'code', text: block.value };
  return { kind: 'text', spans: parseMarkup(block.value) };
}

/** `<b>`, `<i>` and `<link type="url" value="…">` into styled spans; anything unrecognised stays literal text. */
export function parseMarkup(value: string): Span[] {
  const spans: Span[] = [];
  const stack: Array<{ tag: 'b' | 'i' | 'link'; href?: string | undefined }> = [];
  let text = '';
  const flush = () => {
    if (text === '') return;
    const span: Span = { text: decodeEntities(text) };
    if (stack.some((s) => s.tag === 'b')) span.bold = true;
    if (stack.some((s) => s.tag === 'i')) span.italic = true;
    const link = stack.find((s) => s.tag === 'link');
    if (link) {
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
        const closing = m[1] === '/';
        const tag = m[2] as 'b' | 'i' | 'link';
        if (closing) {
          const at = stack.map((s) => s.tag).lastIndexOf(tag);
          if (at >= 0) stack.splice(at, 1);
        } else {
          stack.push({ tag, href: m[4] === undefined ? undefined : decodeEntities(m[4]) });
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

function decodeEntities(s: string): string {
  return s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e);
}

function safeUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}
