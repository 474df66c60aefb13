// Compiling the texts of a message: every template is parsed at load and
// every name it reads checked against what the plan will provide, so a typo
// fails `curation check`, not a customer. Shared by compile-messages.ts and
// the message part entries (blocks/).
import { checkTextMarkup } from '../channeltalk/markup.js';
import type { ExpressionContext } from './expressions.js';
import { compileTemplate, TemplateError, type CompiledTemplate, type TemplateKind } from './templates.js';
import { loopProblems, renderNodes } from './template-loops.js';
import { UNIT_COSTS, type LoadMeter } from './load-budget.js';
import type { DelaySpec } from './delays.js';
import { CurationFileError, notAUrl, said, unknownName, type PathSegment, type Said } from './load-errors.js';
import type { Localized } from './internals.js';
import type { LocalizedFile } from './schema-parts.js';
import type { FieldSpec } from './types.js';
import { HttpUrlSchema } from '../channeltalk/wire.js';

/** What Channel Talk text allows, for messages that say what is wrong. */
export const MARKUP_RULE = 'Channel Talk text allows only <b>, <i> and <link> (type="url" value="…", or a mention: type="manager" value="MANAGER_ID or all"); write &lt; for a literal <';

/** checkTextMarkup's problem followed by the rule, with its key (the problem's position and tag as values). */
const MARKUP_PROBLEMS: ReadonlyArray<readonly [RegExp, (m: RegExpExecArray, text: string) => Said]> = [
  [/^unescaped '>' at position (\d+)$/, (m, text) => said('check.markupGt', { at: Number(m[1]) }, text)],
  [/^unsupported tag or unescaped '<' at position (\d+)$/, (m, text) => said('check.markupLt', { at: Number(m[1]) }, text)],
  [/^<\/(\w+)> at position (\d+) does not close the innermost open tag$/, (m, text) => said('check.markupClose', { tag: m[1]!, at: Number(m[2]) }, text)],
  [/^nested <link> at position (\d+)$/, (m, text) => said('check.markupNestedLink', { at: Number(m[1]) }, text)],
  [/^unclosed <(\w+)>$/, (m, text) => said('check.markupUnclosed', { tag: m[1]! }, text)],
];

function markupSentence(problem: string): string | Said {
  const text = `${problem}: ${MARKUP_RULE}`;
  for (const [pattern, sentence] of MARKUP_PROBLEMS) {
    const m = pattern.exec(problem);
    if (m) return sentence(m, text);
  }
  return text;
}

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
  /** The profile contract by field name: what a form input may ask for. */
  fields: ReadonlyMap<string, FieldSpec>;
  /** The file's load budget: each template compiled is charged to it. */
  meter: LoadMeter;
  /** The file's templates by kind and text: a text repeated (by an alias, say) is parsed once. */
  templates: Map<string, CompiledTemplate>;
  /** What rendering every template compiled with this context, in every language, costs the dry run (load-budget.ts). */
  cost: { units: number };
}

const COMPILE_HINT = `each text costs ${UNIT_COSTS.template} units to compile in each language it is written in (the same text again: ${UNIT_COSTS.templateAgain}); use fewer messages or languages, or split the curation`;

/** Runs one compilation step, keeping its CurationFileError as a problem of the file. */
export function collect<T>(ctx: { errors: CurationFileError[] }, fn: () => T): T | null {
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

export function localized(value: LocalizedFile, path: PathSegment[], kind: TemplateKind, ctx: MessageContext): Localized | null {
  const out: Localized = new Map();
  if (typeof value === 'string') {
    const tpl = template(value, path, kind, ctx);
    if (!tpl) return null;
    for (const lang of ctx.languages) out.set(lang, tpl);
    ctx.cost.units += renderUnits(tpl, ctx) * ctx.languages.length;
    return out;
  }
  let ok = true;
  for (const lang of Object.keys(value)) {
    if (!ctx.languages.includes(lang)) {
      ctx.errors.push(new CurationFileError([...path, lang], said('check.notALanguage', { lang, languages: ctx.languages.join(', ') }, `'${lang}' is not one of this curation's languages (${ctx.languages.join(', ')})`)));
      ok = false;
    }
  }
  for (const lang of ctx.languages) {
    const text = value[lang];
    if (text === undefined) {
      ctx.errors.push(new CurationFileError(path, said('check.missingLanguage', { lang, languages: ctx.languages.join(', ') }, `has no '${lang}' text (the curation's languages are ${ctx.languages.join(', ')})`)));
      ok = false;
      continue;
    }
    const tpl = template(text, [...path, lang], kind, ctx);
    if (tpl) {
      out.set(lang, tpl);
      ctx.cost.units += renderUnits(tpl, ctx);
    } else ok = false;
  }
  return ok ? out : null;
}

/** What one render of `tpl` costs the dry run: each node once per time the loops around it repeat. */
function renderUnits(tpl: CompiledTemplate, ctx: MessageContext): number {
  return Math.max(1, renderNodes(tpl.nodes, tpl.loops, ctx.loopBounds)) * UNIT_COSTS.node;
}

function template(source: string, path: PathSegment[], kind: TemplateKind, ctx: MessageContext) {
  const key = `${kind}\n${source}`;
  let tpl = ctx.templates.get(key);
  ctx.meter.charge(tpl ? UNIT_COSTS.templateAgain : UNIT_COSTS.template, path, COMPILE_HINT);
  try {
    tpl ??= compileTemplate(source, kind, { keepFor: ctx.fixedNames });
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    ctx.errors.push(new CurationFileError(path, err.said ?? err.message, (err.line ?? 1) - 1));
    return null;
  }
  ctx.templates.set(key, tpl);
  let ok = true;
  for (const { name, line } of tpl.names) {
    if (ctx.names.has(name)) continue;
    ok = false;
    const message = ctx.valueNames.has(name)
      ? said('check.fallbackUsesValue', { name }, `fallback messages cannot use the computed value '${name}': they are sent when values could not be computed`)
      : unknownName('name', name, ctx.names);
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
      ctx.errors.push(new CurationFileError(path, markupSentence(problem)));
      ok = false;
    }
  }
  return ok ? tpl : null;
}

function originWarning(name: string): Said {
  return said(
    'check.urlOriginValue',
    { name },
    `'${name}' is placed in the URL's scheme or host, where it is inserted as written (encoding would break the address): if it can come from an answer, a customer could be sent to another site; write the address in the template (https://shop.example/…) or take it from a setting`,
  );
}

/** A URL template without values must be a valid http(s) URL as written (one with values is checked once rendered). */
export function checkStaticUrl(url: Localized, given: LocalizedFile, path: PathSegment[], ctx: MessageContext): boolean {
  for (const [lang, tpl] of url) {
    if (tpl.static !== null && !HttpUrlSchema.safeParse(tpl.static).success) {
      ctx.errors.push(new CurationFileError(typeof given === 'string' ? path : [...path, lang], notAUrl(tpl.static)));
      return false;
    }
  }
  return true;
}
