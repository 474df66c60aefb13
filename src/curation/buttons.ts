// A message's buttons (at most 2): a link (`web`, the default), a desk
// command of a Channel App (`command`) or an app's WAM (`wam`). Each action
// is one case of the switches below.
import { z } from 'zod';
import { COLOR_VARIANTS, type ActionType, type Button, type ColorVariant } from '../channeltalk/wire.js';
import type { Localized } from './internals.js';
import { CurationFileError, said, type PathSegment, type Said } from './load-errors.js';
import { checkStaticUrl, localized, type MessageContext } from './message-context.js';
import { Localized as LocalizedFile, SafeKey, Scalar } from './schema-parts.js';
import { SequenceFailure } from './sequence-failure.js';
import { UrlChecker } from './http-url.js';
import type { RenderContext } from './blocks/types.js';

const Args = z
  .record(SafeKey.min(1), z.record(SafeKey, Scalar))
  .meta({ description: 'Named arguments, each an object of values (Channel Talk: an object per argument), sent as written.' });

export const ButtonFileSchema = z.strictObject({
  title: LocalizedFile,
  action: z.enum(['web', 'command', 'wam']).optional().meta({ description: 'web (default): opens url; command: runs a Channel App desk command; wam: opens a Channel App WAM.' }),
  url: LocalizedFile.optional().meta({ description: 'web: http(s) URL; a Liquid template (values are percent-encoded).' }),
  color: z.enum(COLOR_VARIANTS).optional(),
  appId: z.string().min(1).optional().meta({ description: 'command and wam: the Channel App id.' }),
  name: z.string().min(1).optional().meta({ description: 'command and wam: the command or WAM name.' }),
  params: Args.optional().meta({ description: "command: the command's parameters." }),
  wamArgs: Args.optional().meta({ description: "wam: the WAM's arguments." }),
});
type ButtonFile = z.infer<typeof ButtonFileSchema>;
type Args = z.infer<typeof Args>;

export type CompiledAction =
  | {
      type: 'web';
      url: Localized;
      /** Where the url is in the file, built once (not on every render). */
      urlPath: PathSegment[];
      /** Null when every language's url is a fixed text, checked at load (checkStaticUrl): a render need not check it again. */
      checker: UrlChecker | null;
    }
  | { type: 'command'; appId: string; name: string; params: Args | undefined }
  | { type: 'wam'; appId: string; name: string; wamArgs: Args | undefined };

export interface CompiledButton {
  title: Localized;
  action: CompiledAction;
  color: ColorVariant | undefined;
  path: PathSegment[];
  /** [...path, 'title'], built once. */
  titlePath: PathSegment[];
}

/** Which keys each action takes beside title and color. */
const KEYS: { readonly [A in ActionType]: ReadonlyArray<keyof ButtonFile> } = {
  web: ['url'],
  command: ['appId', 'name', 'params'],
  wam: ['appId', 'name', 'wamArgs'],
};
const ACTION_KEYS = ['url', 'appId', 'name', 'params', 'wamArgs'] as const;

export function compileButton(b: ButtonFile, at: PathSegment[], ctx: MessageContext): CompiledButton | null {
  const type = b.action ?? 'web';
  let ok = true;
  for (const key of ACTION_KEYS) {
    if (b[key] === undefined || KEYS[type].includes(key)) continue;
    const owners = (Object.keys(KEYS) as ActionType[]).filter((a) => KEYS[a].includes(key));
    ctx.errors.push(new CurationFileError([...at, key], onlyFor(key, owners, type)));
    ok = false;
  }
  const title = localized(b.title, [...at, 'title'], 'title', ctx);
  const action = compileAction(type, b, at, ctx);
  return ok && title && action ? { title, action, color: b.color, path: at, titlePath: [...at, 'title'] } : null;
}

/** `'appId' is only for a command or wam button (this one is web)`, with its key. */
function onlyFor(key: string, owners: readonly ActionType[], type: ActionType): Said {
  if (key === 'url') return said('check.buttonUrlOnlyWeb', { type }, `only a web button has a url (this one is ${type})`);
  const text = `'${key}' is only for a ${owners.join(' or ')} button (this one is ${type})`;
  const [owner = '', other] = owners;
  return other === undefined ? said('check.buttonKeyOnlyFor', { key, owner, type }, text) : said('check.buttonKeyOnlyForTwo', { key, owner, other, type }, text);
}

function compileAction(type: ActionType, b: ButtonFile, at: PathSegment[], ctx: MessageContext): CompiledAction | null {
  const needs = (keys: ReadonlyArray<'url' | 'appId' | 'name'>): boolean => {
    const missing = keys.filter((k) => b[k] === undefined);
    const [key, other] = missing;
    if (key !== undefined) {
      const text = `a ${type} button needs ${missing.map((k) => `'${k}'`).join(' and ')}`;
      ctx.errors.push(new CurationFileError(at, other === undefined ? said('check.buttonNeeds', { type, key }, text) : said('check.buttonNeedsTwo', { type, key, other }, text)));
    }
    return missing.length === 0;
  };
  switch (type) {
    case 'web': {
      if (!needs(['url']) || b.url === undefined) return null;
      const urlPath = [...at, 'url'];
      const url = localized(b.url, urlPath, 'url', ctx);
      if (!url || !checkStaticUrl(url, b.url, urlPath, ctx)) return null;
      const templates = [...url.values()];
      if (templates.every((t) => t.static !== null)) return { type, url, urlPath, checker: null };
      return { type, url, urlPath, checker: new UrlChecker(templates.every((t) => t.names.every((n) => ctx.fixedNames.has(n.name)))) };
    }
    case 'command':
      return needs(['appId', 'name']) && b.appId !== undefined && b.name !== undefined ? { type, appId: b.appId, name: b.name, params: b.params } : null;
    case 'wam':
      return needs(['appId', 'name']) && b.appId !== undefined && b.name !== undefined ? { type, appId: b.appId, name: b.name, wamArgs: b.wamArgs } : null;
    default: {
      const _never: never = type;
      throw new Error(`unknown button action ${String(_never)}`);
    }
  }
}

export function renderButton(b: CompiledButton, r: RenderContext): Button {
  const title = r.render(b.title, b.titlePath, { tidy: false });
  if (title === '') throw new SequenceFailure(b.titlePath, 'rendered empty');
  const action = renderAction(b.action, r);
  // The keys in the order they were always written (a spread of the color made a short-lived object per button).
  return b.color ? { title, colorVariant: b.color, action } : { title, action };
}

function renderAction(a: CompiledAction, r: RenderContext): Button['action'] {
  switch (a.type) {
    case 'web': {
      const url = r.render(a.url, a.urlPath, { tidy: false });
      if (a.checker && !a.checker.check(url)) throw new SequenceFailure(a.urlPath, 'is not a valid http(s) URL once rendered');
      return { type: 'web', attributes: { url } };
    }
    case 'command':
      return { type: 'command', attributes: { appId: a.appId, name: a.name, ...(a.params ? { params: a.params } : {}) } };
    case 'wam':
      return { type: 'wam', attributes: { appId: a.appId, name: a.name, ...(a.wamArgs ? { wamArgs: a.wamArgs } : {}) } };
    default: {
      const _never: never = a;
      throw new Error(`unknown button action ${JSON.stringify(_never)}`);
    }
  }
}

/** `curation preview`'s line for a button. */
export function describeButton(b: Button): string {
  const color = b.colorVariant ? ` (${b.colorVariant})` : '';
  const a = b.action;
  switch (a.type) {
    case 'web':
      return `[ ${b.title} ] → ${a.attributes.url}${color}`;
    case 'command':
      return `[ ${b.title} ] → command ${a.attributes.name} of app ${a.attributes.appId}${color}`;
    case 'wam':
      return `[ ${b.title} ] → WAM ${a.attributes.name} of app ${a.attributes.appId}${color}`;
    default: {
      const _never: never = a;
      throw new Error(`unknown button action ${JSON.stringify(_never)}`);
    }
  }
}
