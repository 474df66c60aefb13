// A code block: plain text, shown as written in a monospaced box (values are
// not escaped: there is no markup in it).
import { z } from 'zod';
import type { Localized } from '../internals.js';
import type { PathSegment } from '../load-errors.js';
import { localized } from '../message-context.js';
import { Localized as LocalizedFile } from '../schema-parts.js';
import { codePoints } from './spans.js';
import type { BlockTypeEntry } from './types.js';

const fileSchema = z.strictObject({ code: LocalizedFile, language: z.string().optional() });

export interface CompiledCode {
  type: 'code';
  text: Localized;
  language: string | undefined;
  path: PathSegment[];
}

export const codeBlock: BlockTypeEntry<'code', z.infer<typeof fileSchema>, CompiledCode> = {
  type: 'code',
  fileSchema,
  compile(item, at, ctx) {
    const path = [...at, 'code'];
    const text = localized(item.code, path, 'code', ctx);
    return text ? { type: 'code', text, language: item.language, path } : null;
  },
  render(b, r) {
    const value = r.render(b.text, b.path, { tidy: false });
    if (value === '') return null;
    return b.language ? { type: 'code', value, language: b.language } : { type: 'code', value };
  },
  visibleLength: (b) => codePoints(b.value),
  describe: (b) => ['```', ...b.value.split('\n'), '```'],
  toConsole: (b) => ({ kind: 'code', text: b.value }),
};
