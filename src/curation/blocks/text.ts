// A text block: Channel Talk markup (bold, italic, links, mentions), every
// inserted value escaped. `text:` on a message is the same block.
import { z } from 'zod';
import type { Localized } from '../internals.js';
import type { PathSegment } from '../load-errors.js';
import { localized } from '../message-context.js';
import { Localized as LocalizedFile } from '../schema-parts.js';
import { markupLength, parseMarkup, readable } from './spans.js';
import type { BlockTypeEntry } from './types.js';

const fileSchema = z.strictObject({ text: LocalizedFile });

export interface CompiledText {
  type: 'text';
  text: Localized;
  path: PathSegment[];
}

export const textBlock: BlockTypeEntry<'text', z.infer<typeof fileSchema>, CompiledText> = {
  type: 'text',
  fileSchema,
  compile(item, at, ctx) {
    const path = [...at, 'text'];
    const text = localized(item.text, path, 'text', ctx);
    return text ? { type: 'text', text, path } : null;
  },
  render(b, r) {
    const value = r.renderMarkup(b.text, b.path);
    if (value === '') return null;
    return { type: 'text', value };
  },
  visibleLength: (b) => markupLength(b.value),
  describe: (b) => readable(b.value).split('\n'),
  toConsole: (b) => ({ kind: 'text', spans: parseMarkup(b.value) }),
};
