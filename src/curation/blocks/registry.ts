// Every message part type, one entry each: the blocks inside a message's
// `blocks:` (text.ts, bullets.ts, code.ts) and the attachments beside them
// (files.ts, web-page.ts, form.ts). The file schema, compiling, rendering,
// typing delays, `curation preview` and the console all go through this
// table. Each switch below is exhaustive: TypeScript names the place to add
// a case when a type is added.
import { z } from 'zod';
import type { Block, MessageBody } from '../../channeltalk/wire.js';
import type { PathSegment } from '../load-errors.js';
import type { MessageContext } from '../message-context.js';
import { bulletsBlock, type CompiledBullets } from './bullets.js';
import { codeBlock, type CompiledCode } from './code.js';
import { filesPart, type CompiledFiles } from './files.js';
import { formPart, type CompiledForm } from './form.js';
import { textBlock, type CompiledText } from './text.js';
import { webPagePart, type CompiledWebPage } from './web-page.js';
import type { AttachmentKey, RenderContext, RenderedAttachment, RenderedBlock } from './types.js';

export const BLOCK_TYPES = { text: textBlock, bullets: bulletsBlock, code: codeBlock } as const satisfies { [T in Block['type']]: { type: T } };
export const ATTACHMENTS = { files: filesPart, webPage: webPagePart, form: formPart } as const satisfies { [K in AttachmentKey]: { key: K } };
/** In the order they are compiled, rendered and shown. */
export const ATTACHMENT_KEYS = Object.keys(ATTACHMENTS) as AttachmentKey[];

export type CompiledBlock = CompiledText | CompiledBullets | CompiledCode;
export type CompiledAttachment = CompiledFiles | CompiledWebPage | CompiledForm;

/** One item of a message's `blocks:` in the file. */
export const BlockFileSchema = z.union(
  [BLOCK_TYPES.text.fileSchema, BLOCK_TYPES.bullets.fileSchema, BLOCK_TYPES.code.fileSchema],
  { error: 'a block is {text: …}, {bullets: [ … ]} or {code: …}' },
);
export type BlockFile = z.infer<typeof BlockFileSchema>;

/** A message's attachment keys in the file. */
export const ATTACHMENT_FILE_KEYS = {
  files: ATTACHMENTS.files.fileSchema.optional(),
  webPage: ATTACHMENTS.webPage.fileSchema.optional(),
  form: ATTACHMENTS.form.fileSchema.optional(),
} satisfies { [K in AttachmentKey]: z.ZodType };
type AttachmentFiles = { [K in AttachmentKey]?: z.infer<(typeof ATTACHMENT_FILE_KEYS)[K]> };

export function compileBlock(item: BlockFile, at: PathSegment[], ctx: MessageContext): CompiledBlock | null {
  if ('text' in item) return BLOCK_TYPES.text.compile(item, at, ctx);
  if ('bullets' in item) return BLOCK_TYPES.bullets.compile(item, at, ctx);
  if ('code' in item) return BLOCK_TYPES.code.compile(item, at, ctx);
  const _never: never = item;
  throw new Error(`unknown block ${JSON.stringify(_never)}`);
}

/** The message's attachments, compiled; null when one of them is broken (its problems are in ctx.errors). */
export function compileAttachments(m: AttachmentFiles, at: PathSegment[], ctx: MessageContext): CompiledAttachment[] | null {
  const out: CompiledAttachment[] = [];
  let ok = true;
  const keep = (c: CompiledAttachment | null) => (c ? out.push(c) : (ok = false));
  for (const key of ATTACHMENT_KEYS) {
    switch (key) {
      case 'files':
        if (m.files !== undefined) keep(ATTACHMENTS.files.compile(m.files, [...at, key], ctx));
        break;
      case 'webPage':
        if (m.webPage !== undefined) keep(ATTACHMENTS.webPage.compile(m.webPage, [...at, key], ctx));
        break;
      case 'form':
        if (m.form !== undefined) keep(ATTACHMENTS.form.compile(m.form, [...at, key], ctx));
        break;
      default: {
        const _never: never = key;
        throw new Error(`unknown attachment ${String(_never)}`);
      }
    }
  }
  return ok ? out : null;
}

export function renderBlock(b: CompiledBlock, r: RenderContext): Block | null {
  switch (b.type) {
    case 'text':
      return BLOCK_TYPES.text.render(b, r);
    case 'bullets':
      return BLOCK_TYPES.bullets.render(b, r);
    case 'code':
      return BLOCK_TYPES.code.render(b, r);
    default: {
      const _never: never = b;
      throw new Error(`unknown block ${JSON.stringify(_never)}`);
    }
  }
}

/** The attachments as parts of the v5 body. */
export function renderAttachments(list: readonly CompiledAttachment[], r: RenderContext): Pick<MessageBody, AttachmentKey> {
  const body: Pick<MessageBody, AttachmentKey> = {};
  for (const a of list) {
    switch (a.key) {
      case 'files':
        body.files = ATTACHMENTS.files.render(a, r);
        break;
      case 'webPage':
        body.webPage = ATTACHMENTS.webPage.render(a, r);
        break;
      case 'form':
        body.form = ATTACHMENTS.form.render(a, r);
        break;
      default: {
        const _never: never = a;
        throw new Error(`unknown attachment ${JSON.stringify(_never)}`);
      }
    }
  }
  return body;
}

/** What every part of a sent body offers, whatever its type. */
export interface PartView {
  visibleLength(): number;
  describe(): string[];
}
export interface BlockView extends PartView {
  toConsole(): RenderedBlock;
}
export interface AttachmentView extends PartView {
  toConsole(): RenderedAttachment;
}

export function viewBlock(b: Block): BlockView {
  switch (b.type) {
    case 'text':
      return view(BLOCK_TYPES.text, b);
    case 'bullets':
      return view(BLOCK_TYPES.bullets, b);
    case 'code':
      return view(BLOCK_TYPES.code, b);
    default: {
      const _never: never = b;
      throw new Error(`unknown block ${JSON.stringify(_never)}`);
    }
  }
}

/** The body's attachments, in ATTACHMENT_KEYS order. */
export function viewAttachments(body: MessageBody): AttachmentView[] {
  const out: AttachmentView[] = [];
  for (const key of ATTACHMENT_KEYS) {
    switch (key) {
      case 'files':
        if (body.files) out.push(view(ATTACHMENTS.files, body.files));
        break;
      case 'webPage':
        if (body.webPage) out.push(view(ATTACHMENTS.webPage, body.webPage));
        break;
      case 'form':
        if (body.form) out.push(view(ATTACHMENTS.form, body.form));
        break;
      default: {
        const _never: never = key;
        throw new Error(`unknown attachment ${String(_never)}`);
      }
    }
  }
  return out;
}

interface Viewable<V, R> {
  visibleLength(v: V): number;
  describe(v: V): string[];
  toConsole(v: V): R;
}
function view<V, R>(entry: Viewable<V, R>, v: V): PartView & { toConsole(): R } {
  return { visibleLength: () => entry.visibleLength(v), describe: () => entry.describe(v), toConsole: () => entry.toConsole(v) };
}
