// A bullet list. An item is a text (markup, like a text block) or a nested
// list, at most MAX_BULLET_DEPTH levels deep in all.
import { z } from 'zod';
import { MAX_BULLET_DEPTH, type BulletsBlock, type TextBlock } from '../../channeltalk/wire.js';
import type { Localized } from '../internals.js';
import { CurationFileError, said, type PathSegment } from '../load-errors.js';
import { localized, type MessageContext } from '../message-context.js';
import { Localized as LocalizedFile, type LocalizedFile as LocalizedValue } from '../schema-parts.js';
import { markupLength, parseMarkup, readable } from './spans.js';
import type { BlockTypeEntry, RenderContext, RenderedBullets } from './types.js';

export type BulletItemFile = LocalizedValue | { bullets: BulletItemFile[] };
const BulletItem: z.ZodType<BulletItemFile> = z.union(
  [
    z.strictObject({
      get bullets() {
        return z.array(BulletItem).min(1);
      },
    }),
    LocalizedFile,
  ],
  { error: 'a bullet is a text (or one per language), or {bullets: [ … ]} for a nested list' },
).meta({ id: 'BulletItem', description: 'A bullet: a text (or one per language), or {bullets: [ … ]}, a nested list (at most 3 levels in all).' });
const fileSchema = z.strictObject({ bullets: z.array(BulletItem).min(1) });

export type CompiledBulletItem = { type: 'text'; text: Localized; path: PathSegment[] } | CompiledBullets;
export interface CompiledBullets {
  type: 'bullets';
  items: CompiledBulletItem[];
  path: PathSegment[];
}

export const bulletsBlock: BlockTypeEntry<'bullets', z.infer<typeof fileSchema>, CompiledBullets> = {
  type: 'bullets',
  fileSchema,
  compile: (item, at, ctx) => compileList(item.bullets, [...at, 'bullets'], 1, ctx),
  render(b, r) {
    const blocks = renderItems(b.items, r);
    return blocks.length > 0 ? { type: 'bullets', blocks } : null;
  },
  visibleLength: (b) => lengthOf(b),
  describe: (b) => describeList(b, ''),
  toConsole: (b) => consoleList(b),
};

function compileList(items: readonly BulletItemFile[], path: PathSegment[], depth: number, ctx: MessageContext): CompiledBullets | null {
  const out: CompiledBulletItem[] = [];
  let ok = true;
  items.forEach((item, k) => {
    const at = [...path, k];
    if (typeof item === 'object' && 'bullets' in item && Array.isArray(item.bullets)) {
      if (depth >= MAX_BULLET_DEPTH) {
        ctx.errors.push(new CurationFileError(at, said('check.bulletsTooDeep', { max: MAX_BULLET_DEPTH }, `bullets nest at most ${MAX_BULLET_DEPTH} levels deep (a chat bubble shows no more)`)));
        ok = false;
        return;
      }
      const nested = compileList(item.bullets, [...at, 'bullets'], depth + 1, ctx);
      if (nested) out.push(nested);
      else ok = false;
      return;
    }
    const text = localized(item as LocalizedValue, at, 'text', ctx);
    if (text) out.push({ type: 'text', text, path: at });
    else ok = false;
  });
  return ok ? { type: 'bullets', items: out, path } : null;
}

function renderItems(items: readonly CompiledBulletItem[], r: RenderContext): Array<TextBlock | BulletsBlock> {
  const out: Array<TextBlock | BulletsBlock> = [];
  for (const item of items) {
    switch (item.type) {
      case 'text': {
        const value = r.renderMarkup(item.text, item.path);
        if (value === '') break;
        out.push({ type: 'text', value });
        break;
      }
      case 'bullets': {
        // A nested list whose items all rendered empty is left out, like an empty item.
        const blocks = renderItems(item.items, r);
        if (blocks.length > 0) out.push({ type: 'bullets', blocks });
        break;
      }
      default: {
        const _never: never = item;
        throw new Error(`unknown bullet ${JSON.stringify(_never)}`);
      }
    }
  }
  return out;
}

function lengthOf(b: BulletsBlock): number {
  return b.blocks.reduce((n, item) => n + (item.type === 'text' ? markupLength(item.value) : lengthOf(item)), 0);
}

function describeList(b: BulletsBlock, indent: string): string[] {
  return b.blocks.flatMap((item) =>
    item.type === 'text' ? readable(item.value).split('\n').map((l, i) => `${indent}${i === 0 ? '• ' : '  '}${l}`) : describeList(item, `${indent}  `),
  );
}

function consoleList(b: BulletsBlock): RenderedBullets {
  return { kind: 'bullets', items: b.blocks.map((item) => (item.type === 'text' ? parseMarkup(item.value) : consoleList(item))) };
}
