// What one message part type is, from the file to the customer's screen:
// its shape in a curation file, how it compiles at load, how it renders into
// the v5 body, what it adds to a typing delay, how `curation preview` prints
// it and how the console draws it. The registry (registry.ts) holds one
// entry per type. Blocks go inside a message's `blocks:` (text, bullets,
// code); attachments sit beside them, at most one of each per message
// (files, webPage, form).
import type { z } from 'zod';
import type { Block, BlockType, MessageBody } from '../../channeltalk/wire.js';
import type { Localized } from '../internals.js';
import type { PathSegment } from '../load-errors.js';
import type { MessageContext } from '../message-context.js';

export type BlockOf<T extends BlockType> = Extract<Block, { type: T }>;

export type AttachmentKey = 'files' | 'webPage' | 'form';
export type AttachmentOf<K extends AttachmentKey> = NonNullable<MessageBody[K]>;

/** How an entry renders its templates in the plan's language (sequence.ts provides it); both throw SequenceFailure. */
export interface RenderContext {
  /** Rendered and trimmed; `tidy` also drops the trailing spaces and extra blank lines Liquid tags leave. */
  render(t: Localized, path: readonly PathSegment[], opts: { tidy: boolean }): string;
  /** A text block's text: rendered and tidied, refused when it is not Channel Talk markup. */
  renderMarkup(t: Localized, path: readonly PathSegment[]): string;
}

export interface BlockTypeEntry<T extends BlockType, F, C extends { type: T }> {
  type: T;
  /** Its item in a message's `blocks:` list, as the JSON Schema shows it. */
  fileSchema: z.ZodType<F>;
  /** Checks and compiles one item at load; problems go to ctx.errors (null: the item is broken). */
  compile(item: F, at: PathSegment[], ctx: MessageContext): C | null;
  /** The v5 block, or null when it rendered empty (the block is left out). */
  render(block: C, r: RenderContext): BlockOf<T> | null;
  /** Characters the customer reads, for a typing delay. */
  visibleLength(block: BlockOf<T>): number;
  /** `curation preview`'s lines, unindented. */
  describe(block: BlockOf<T>): string[];
  /** What the console draws. */
  toConsole(block: BlockOf<T>): RenderedBlock;
}

export interface AttachmentEntry<K extends AttachmentKey, F, C extends { key: K }> {
  key: K;
  /** Its value in a message, under its key, as the JSON Schema shows it. */
  fileSchema: z.ZodType<F>;
  compile(value: F, at: PathSegment[], ctx: MessageContext): C | null;
  render(compiled: C, r: RenderContext): AttachmentOf<K>;
  visibleLength(value: AttachmentOf<K>): number;
  describe(value: AttachmentOf<K>): string[];
  toConsole(value: AttachmentOf<K>): RenderedAttachment;
}

// What the console draws (render-message.ts): plain data, never HTML.

export interface Span {
  text: string;
  bold?: true;
  italic?: true;
  /** http(s) only; anything else is shown as plain text. */
  href?: string;
  /** A manager mention, shown as @name. */
  mention?: true;
}

/** A bullet: a text item (its spans), or a nested list. */
export type RenderedBullet = Span[] | RenderedBullets;
export interface RenderedBullets {
  kind: 'bullets';
  items: RenderedBullet[];
}

export type RenderedBlock = { kind: 'text'; spans: Span[] } | RenderedBullets | { kind: 'code'; text: string };

export type RenderedAttachment =
  | { kind: 'files'; files: Array<{ name: string; size: string; image: boolean }> }
  | { kind: 'webPage'; url: string | null; host: string; title: string | null; description: string | null }
  | { kind: 'form'; inputs: Array<{ label: string; type: string; required: boolean; options: string[] }> };
