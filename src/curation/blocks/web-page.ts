// A link preview: the page's address (a URL template, like a button's),
// with an optional title, description and image.
import { z } from 'zod';
import { HttpUrlSchema, type WebPage } from '../../channeltalk/wire.js';
import { isHttpUrl } from '../http-url.js';
import type { Localized } from '../internals.js';
import { CurationFileError, notAUrl, type PathSegment } from '../load-errors.js';
import { checkStaticUrl, localized } from '../message-context.js';
import { Localized as LocalizedFile } from '../schema-parts.js';
import { SequenceFailure } from '../sequence-failure.js';
import { safeUrl } from './spans.js';
import type { AttachmentEntry, RenderContext } from './types.js';

const fileSchema = z
  .strictObject({
    id: z.string().min(1).meta({ description: "Channel Talk's id of the page preview." }),
    url: LocalizedFile.meta({ description: 'http(s) URL; a Liquid template, values percent-encoded as in a button url.' }),
    title: LocalizedFile.optional(),
    description: LocalizedFile.optional(),
    imageUrl: z.string().optional().meta({ description: 'http(s) URL of the preview image, as written.' }),
  })
  .meta({ description: 'A link preview card.' });

export interface CompiledWebPage {
  key: 'webPage';
  id: string;
  url: Localized;
  title: Localized | null;
  description: Localized | null;
  imageUrl: string | null;
  path: PathSegment[];
}

export const webPagePart: AttachmentEntry<'webPage', z.infer<typeof fileSchema>, CompiledWebPage> = {
  key: 'webPage',
  fileSchema,
  compile(value, at, ctx) {
    const url = localized(value.url, [...at, 'url'], 'url', ctx);
    if (url) checkStaticUrl(url, value.url, [...at, 'url'], ctx);
    const title = value.title === undefined ? null : localized(value.title, [...at, 'title'], 'title', ctx);
    const description = value.description === undefined ? null : localized(value.description, [...at, 'description'], 'code', ctx);
    if (value.imageUrl !== undefined && !HttpUrlSchema.safeParse(value.imageUrl).success) {
      ctx.errors.push(new CurationFileError([...at, 'imageUrl'], notAUrl(value.imageUrl)));
      return null;
    }
    if (!url || (value.title !== undefined && !title) || (value.description !== undefined && !description)) return null;
    return { key: 'webPage', id: value.id, url, title, description, imageUrl: value.imageUrl ?? null, path: at };
  },
  render(c, r) {
    const url = r.render(c.url, [...c.path, 'url'], { tidy: false });
    if (!isHttpUrl(url)) throw new SequenceFailure([...c.path, 'url'], 'is not a valid http(s) URL once rendered');
    const page: WebPage = { id: c.id, url };
    const title = optional(c.title, [...c.path, 'title'], r);
    const description = optional(c.description, [...c.path, 'description'], r);
    if (title !== null) page.title = title;
    if (description !== null) page.description = description;
    if (c.imageUrl !== null) page.imageUrl = c.imageUrl;
    return page;
  },
  // Channel Talk draws the card; nobody types it.
  visibleLength: () => 0,
  describe: (p) => [`[link preview] ${p.title ? `${p.title}: ` : ''}${p.url}`, ...(p.description ? p.description.split('\n').map((l) => `  ${l}`) : [])],
  toConsole: (p) => ({ kind: 'webPage', url: safeUrl(p.url), host: hostOf(p.url), title: p.title ?? null, description: p.description ?? null }),
};

function optional(t: Localized | null, path: PathSegment[], r: RenderContext): string | null {
  if (t === null) return null;
  const v = r.render(t, path, { tidy: false });
  return v === '' ? null : v;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
