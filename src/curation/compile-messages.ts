// Messages, buttons and delays of a curation file, compiled once at load.
// Every template is parsed here and every name it reads is checked against
// what the plan will provide, so a typo fails `curation check`, not a customer.
import { checkTextMarkup } from '../channeltalk/markup.js';
import { ButtonSchema } from '../channeltalk/wire.js';
import { compileExpression, ExpressionError, type ExpressionContext } from './expressions.js';
import { compileTemplate, TemplateError, type TemplateKind } from './templates.js';
import { loopProblems } from './template-loops.js';
import { parseDuration } from './durations.js';
import type { DelaySpec } from './delays.js';
import { CurationFileError, didYouMean, type PathSegment } from './load-errors.js';
import type { CompiledBlock, CompiledButton, CompiledMessage, Localized } from './internals.js';
import type { DelayFile, LocalizedFile, MessageSpecFile } from './schema.js';

export interface MessageContext {
  languages: string[];
  /** Names templates may read. */
  names: Set<string>;
  /** Computed values: named in a clearer error when a fallback template reads one. */
  valueNames: Set<string>;
  /** For `when:`; null in fallbacks (there are no values to test). */
  expressions: ExpressionContext | null;
  defaultDelay: DelaySpec;
  errors: CurationFileError[];
  /** Problems that do not stop the file from loading; `check` prints them. */
  warnings: CurationFileError[];
  /** Names whose value the file itself fixes (settings, option fields, lang, a value that is one table lookup): they may start a URL. */
  fixedNames: ReadonlySet<string>;
  /** The most items each name a loop may go over holds (a list field: its options). */
  loopBounds: ReadonlyMap<string, number>;
}

function collect<T>(ctx: { errors: CurationFileError[] }, fn: () => T): T | null {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CurationFileError) {
      ctx.errors.push(err);
      return null;
    }
    throw err;
  }
}

export function compileDelay(d: DelayFile, path: PathSegment[]): DelaySpec {
  const ms = (text: string, at: PathSegment[]): number => {
    const v = parseDuration(text);
    if (v === null) throw new CurationFileError(at, `'${text}' is not a duration such as 2s, 800ms or 1h30m`);
    return v;
  };
  if (d === 0) return { kind: 'fixed', ms: 0 };
  if (typeof d === 'string') return { kind: 'fixed', ms: ms(d, path) };
  const t = d.typing;
  const spec = { kind: 'typing' as const, perCharMs: ms(t.perChar, [...path, 'typing', 'perChar']), minMs: ms(t.min, [...path, 'typing', 'min']), maxMs: ms(t.max, [...path, 'typing', 'max']) };
  if (spec.minMs > spec.maxMs) throw new CurationFileError([...path, 'typing'], 'min must not be longer than max');
  return spec;
}

export function compileMessages(specs: readonly MessageSpecFile[], base: PathSegment[], ctx: MessageContext): CompiledMessage[] {
  const out: CompiledMessage[] = [];
  specs.forEach((m, i) => {
    const path = [...base, i];
    const blocks: CompiledBlock[] = [];
    if (m.text === undefined && m.blocks === undefined) {
      ctx.errors.push(new CurationFileError(path, "a message needs 'text' or 'blocks'"));
      return;
    }
    if (m.text !== undefined) {
      const text = localized(m.text, [...path, 'text'], 'text', ctx);
      if (text) blocks.push({ type: 'text', text, path: [...path, 'text'] });
    }
    m.blocks?.forEach((b, j) => {
      const at = [...path, 'blocks', j];
      if ('text' in b) {
        const text = localized(b.text, [...at, 'text'], 'text', ctx);
        if (text) blocks.push({ type: 'text', text, path: [...at, 'text'] });
      } else if ('bullets' in b) {
        const items = b.bullets.map((item, k) => localized(item, [...at, 'bullets', k], 'text', ctx));
        if (items.every((x): x is Localized => x !== null)) blocks.push({ type: 'bullets', items, path: [...at, 'bullets'] });
      } else {
        const text = localized(b.code, [...at, 'code'], 'code', ctx);
        if (text) blocks.push({ type: 'code', text, language: b.language, path: [...at, 'code'] });
      }
    });
    const buttons: CompiledButton[] = [];
    m.buttons?.forEach((b, j) => {
      const at = [...path, 'buttons', j];
      const title = localized(b.title, [...at, 'title'], 'title', ctx);
      const url = localized(b.url, [...at, 'url'], 'url', ctx);
      if (url) {
        for (const [lang, tpl] of url) {
          if (tpl.static !== null && !isHttpUrl(tpl.static)) {
            ctx.errors.push(new CurationFileError(typeof b.url === 'string' ? [...at, 'url'] : [...at, 'url', lang], `'${tpl.static}' is not a valid http(s) URL`));
            break;
          }
        }
      }
      if (title && url) buttons.push({ title, url, color: b.color, path: at });
    });
    const given = m.delay;
    const delay = given === undefined ? ctx.defaultDelay : collect(ctx, () => compileDelay(given, [...path, 'delay']));
    let when: CompiledMessage['when'] = null;
    if (m.when !== undefined) {
      const exprCtx = ctx.expressions;
      if (exprCtx === null) ctx.errors.push(new CurationFileError([...path, 'when'], "fallback messages cannot have 'when': there are no values to test"));
      else {
        try {
          when = compileExpression(m.when, exprCtx);
        } catch (err) {
          if (!(err instanceof ExpressionError)) throw err;
          ctx.errors.push(new CurationFileError([...path, 'when'], err.message));
        }
      }
    }
    if (delay) out.push({ path, when, delay, blocks, buttons });
  });
  return out;
}

export function isHttpUrl(s: string): boolean {
  return ButtonSchema.shape.action.shape.attributes.shape.url.safeParse(s).success;
}

function localized(value: LocalizedFile, path: PathSegment[], kind: TemplateKind, ctx: MessageContext): Localized | null {
  const out: Localized = new Map();
  if (typeof value === 'string') {
    const tpl = template(value, path, kind, ctx);
    if (!tpl) return null;
    for (const lang of ctx.languages) out.set(lang, tpl);
    return out;
  }
  let ok = true;
  for (const lang of Object.keys(value)) {
    if (!ctx.languages.includes(lang)) {
      ctx.errors.push(new CurationFileError([...path, lang], `'${lang}' is not one of this curation's languages (${ctx.languages.join(', ')})`));
      ok = false;
    }
  }
  for (const lang of ctx.languages) {
    const text = value[lang];
    if (text === undefined) {
      ctx.errors.push(new CurationFileError(path, `has no '${lang}' text (the curation's languages are ${ctx.languages.join(', ')})`));
      ok = false;
      continue;
    }
    const tpl = template(text, [...path, lang], kind, ctx);
    if (tpl) out.set(lang, tpl);
    else ok = false;
  }
  return ok ? out : null;
}

function template(source: string, path: PathSegment[], kind: TemplateKind, ctx: MessageContext) {
  let tpl;
  try {
    tpl = compileTemplate(source, kind);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    ctx.errors.push(new CurationFileError(path, err.message, (err.line ?? 1) - 1));
    return null;
  }
  let ok = true;
  for (const { name, line } of tpl.names) {
    if (ctx.names.has(name)) continue;
    ok = false;
    const message = ctx.valueNames.has(name)
      ? `fallback messages cannot use the computed value '${name}': they are sent when values could not be computed`
      : `unknown name '${name}'${didYouMean(name, ctx.names)}`;
    ctx.errors.push(new CurationFileError(path, message, line - 1));
  }
  for (const p of loopProblems(tpl.loops, ctx.loopBounds)) {
    ctx.errors.push(new CurationFileError(path, p.message, p.line - 1));
    ok = false;
  }
  for (const v of tpl.originValues) {
    const loose = v.names.find((n) => !ctx.fixedNames.has(n));
    if (loose !== undefined) ctx.warnings.push(new CurationFileError(path, originWarning(loose), v.line - 1));
  }
  if (kind === 'text' && tpl.static !== null) {
    const problem = checkTextMarkup(tpl.static);
    if (problem !== null) {
      ctx.errors.push(new CurationFileError(path, `${problem}: Channel Talk text allows only <b>, <i> and <link type="url" value="…">; write &lt; for a literal <`));
      ok = false;
    }
  }
  return ok ? tpl : null;
}

function originWarning(name: string): string {
  return `'${name}' is placed in the URL's scheme or host, where it is inserted as written (encoding would break the address): if it can come from an answer, a customer could be sent to another site; write the address in the template (https://shop.example/…) or take it from a setting`;
}
