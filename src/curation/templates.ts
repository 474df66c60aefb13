// Message texts are Liquid templates, parsed once at load and rendered
// synchronously in plan(). What a template inserts is treated by where it
// lands:
// - in a text block it is HTML-escaped (& < > "), so a profile name like `<b>`
//   or `a & b` can never break Channel Talk's markup (the markup itself lives
//   in the template source);
// - in a URL (a button's url, a <link>'s value) it is percent-encoded after
//   the host (see url-values.ts);
// - everywhere, control and bidi characters are removed from it (sanitize.ts).
// Every render is bounded in time, memory and length (render-limits.ts).
import { analyzeSync, Filter, filters as builtinFilters, Liquid, Output, Tag, toValueSync, type Context, type Template, type TagToken, type TopLevelToken } from 'liquidjs';
import { escapeText } from '../channeltalk/markup.js';
import { formatNumber, formatNumberAsWritten } from './format.js';
import { replaceShortcodes } from './emoji.js';
import { BoundedCaptureTag, BoundedEmitter, checkLength, limitError, newContext, RENDER_LIMITS, type RenderLimits } from './render-limits.js';
import { encodeUrlValue, stripControls } from './sanitize.js';
import { eachTemplate, loopFacts, nodeCounts, type LoopFact, type NodeCounts } from './template-loops.js';
import { urlLayout, type UrlPart } from './url-values.js';
import { said, type Said } from './load-errors.js';
import { isTrimmedAway, literalsStayTidy, markupValidForAnyValues, tidy, valueKeepsTidy } from './text-finish.js';
import { segmentRenderer, type OutputWriter, type SegmentRenderer } from './template-segments.js';

export { RenderLimitError } from './render-limits.js';

/**
 * Where a template's text goes: a text block (markup, values escaped), a code
 * block (plain, several lines), a button title (plain, one line) or a button URL.
 */
export type TemplateKind = 'text' | 'code' | 'title' | 'url';

/** Render-time globals a filter may read: the message language and the plan's clock. */
export interface RenderGlobals {
  lang: string;
  now: number;
}

/** What liquidjs binds `this` to in a filter (its own type is not exported). */
interface FilterThis {
  context: { globals: unknown; opts: object };
}

const builtinDate = builtinFilters.date as unknown as (this: FilterThis, ...args: unknown[]) => unknown;

/** How a value of each kind is written: the last step of every output, on both render paths. */
const WRITE: Record<TemplateKind, (v: unknown) => string> = {
  text: (v) => escapeText(stripControls(stringify(v), true)),
  code: (v) => stripControls(liquidString(v), true),
  title: (v) => stripControls(liquidString(v), false),
  url: (v) => stripControls(liquidString(v), false),
};

/** As text, before writing: the text kind lists arrays with ", ", the others as liquidjs does. */
function asText(kind: TemplateKind, v: unknown): string {
  return kind === 'text' ? stringify(v) : liquidString(v);
}

/** The step placed before the last one for a value inside a URL. */
function urlStep(kind: TemplateKind, part: UrlPart, encoded: boolean): (v: unknown) => string {
  if (part === 'origin' || encoded) return (v) => stripControls(asText(kind, v), false);
  return (v) => encodeUrlValue(stripControls(asText(kind, v), false));
}

function makeLiquid(kind: TemplateKind): Liquid {
  const liquid = new Liquid({
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    relativeReference: false,
    // No file system: includes and layouts are refused below anyway.
    templates: {},
    timezoneOffset: 0,
    outputEscape: WRITE[kind],
    // Also given to every render's Context (render-limits.ts); set here so that no Context is unbounded.
    parseLimit: RENDER_LIMITS.sourceChars,
    renderLimit: RENDER_LIMITS.renderMs,
    memoryLimit: RENDER_LIMITS.memory,
  });
  for (const tag of ['include', 'render', 'layout']) liquid.registerTag(tag, RefusedTag);
  liquid.registerTag('capture', BoundedCaptureTag);
  liquid.registerFilter('num', function (this: FilterThis, v: unknown, digits: unknown = 0) {
    return numFilter(v, digits, globalsOf(this).lang);
  });
  // `raw` would bypass escaping of inserted values: it is an ordinary (escaped) filter here.
  liquid.registerFilter('raw', (v: unknown) => v);
  // "now" must be the plan's clock, not the machine's, and day and month
  // names (%a %A %b %B) the plan's language, not the machine's locale (which
  // liquidjs takes when it is given none): plan() is pure, and the preview
  // on an operator's machine shows what the server sends.
  liquid.registerFilter('date', function (this: FilterThis, v: unknown, ...args: unknown[]) {
    const globals = globalsOf(this);
    const input = v === 'now' || v === 'today' ? new Date(globals.now) : v;
    const context = Object.create(this.context, { opts: { value: { ...this.context.opts, locale: globals.lang } } }) as FilterThis['context'];
    return builtinDate.call({ ...this, context }, input, ...args);
  });
  return liquid;
}

function numFilter(v: unknown, digits: unknown, lang: string): unknown {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return v ?? '';
  return formatNumber(n, lang, typeof digits === 'number' ? digits : Number(digits) || 0);
}

function globalsOf(filter: FilterThis): RenderGlobals {
  return filter.context.globals as RenderGlobals;
}

function stringify(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(stringify).join(', ');
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

class RefusedTag extends Tag {
  constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
    super(token, remain, liquid);
    throw new Error(`the tag '${token.name}' is not allowed: curation templates cannot read files`);
  }
  *render(): Generator<unknown, void, unknown> {
    // never reached: the constructor refuses the tag at parse time
  }
}

const engines: Record<TemplateKind, Liquid> = { text: makeLiquid('text'), code: makeLiquid('code'), title: makeLiquid('title'), url: makeLiquid('url') };

export class TemplateError extends Error {
  /** The message with its catalogue key, when it has one. */
  readonly said: Said | null;
  constructor(
    message: string | Said,
    /** 1-based line inside the template, when known. */
    readonly line: number | null,
  ) {
    super(typeof message === 'string' ? message : message.text);
    this.said = typeof message === 'string' ? null : message;
  }
}

/**
 * One scope rendered by many templates (all the messages of one plan). A
 * liquidjs Context is costly to build, so the session builds one and lends it
 * to every template; what a template assigns is wiped before the next one.
 * The Context carries the plan's render budget: its deadline and memory
 * allowance are shared by all the templates of the plan.
 */
export class RenderSession {
  private ctx: Context | null = null;

  constructor(
    readonly scope: Record<string, unknown>,
    readonly globals: RenderGlobals,
    readonly limits: RenderLimits = RENDER_LIMITS,
  ) {}

  render(liquid: Liquid, tpl: Template[]): string {
    this.ctx ??= newContext(this.scope, this.globals, engines.text, this.limits);
    try {
      return toValueSync(liquid.renderer.renderTemplates(tpl, this.ctx, new BoundedEmitter(this.limits))) as string;
    } catch (err) {
      throw limitError(err, this.limits) ?? err;
    } finally {
      const assigned = this.ctx.bottom();
      for (const key in assigned) delete assigned[key];
    }
  }
}

export interface CompiledTemplate {
  /** The text when the template has no tags or outputs: rendering is free. */
  readonly static: string | null;
  /** The static text tidied and trimmed at compile (text-finish.ts), so plan() does neither again. */
  readonly finished: { tidied: string; trimmed: string } | null;
  /**
   * A text template none of whose renders can be invalid markup (decided at
   * compile, text-finish.ts): plan() skips the check. False: check each render.
   */
  readonly markupValid: boolean;
  /** Rendered, then tidied (text-finish.ts); compile may know that only trim is needed. */
  renderTidied(session: RenderSession): string;
  /**
   * A text template rendered in parts (template-segments.ts), when markupValid
   * is false: renderTidied's text, and whether its markup is known to hold
   * (then plan() skips the check). Absent for any other template.
   */
  renderTidiedKnowingMarkup?: (session: RenderSession) => { text: string; markupHolds: boolean };
  /** Throws RenderLimitError when the render goes over its budget. */
  render(session: RenderSession): string;
  /** Top-level names the template reads, with the line (1-based) where each first appears. */
  readonly names: Array<{ name: string; line: number }>;
  /** Its loops, for `check`'s loop rule (template-loops.ts). */
  readonly loops: LoopFact[];
  /** Its nodes outside and inside each loop: what a render costs the load budget (load-budget.ts). */
  readonly nodes: NodeCounts;
  /** Values inserted into a URL's scheme or host, as written there (not encoded): the names each reads. */
  readonly originValues: Array<{ line: number; names: string[] }>;
}

/**
 * `fast: false` always renders through liquidjs (tests compare both ways).
 * `keepFor`: names whose values the file fixes (template-segments.ts keeps a
 * condition's renders only for those).
 */
export function compileTemplate(source: string, kind: TemplateKind, opts: { fast?: boolean; keepFor?: ReadonlySet<string> } = {}): CompiledTemplate {
  const text = replaceShortcodes(source);
  if (!text.includes('{{') && !text.includes('{%')) {
    const finished = { tidied: tidy(text), trimmed: text.trim() };
    const markupValid = kind === 'text' && markupValidForAnyValues([finished.tidied]);
    return { static: text, finished, markupValid, render: () => text, renderTidied: () => finished.tidied, names: [], loops: [], nodes: { top: 1, bodies: [] }, originValues: [] };
  }
  if (text.length > RENDER_LIMITS.sourceChars) throw new TemplateError(said('check.templateTooLong', { max: RENDER_LIMITS.sourceChars }, `template error: the template is longer than ${RENDER_LIMITS.sourceChars} characters`), null);
  const liquid = engines[kind];
  let tpl: Template[];
  let layout: ReturnType<typeof urlLayout>;
  try {
    tpl = liquid.parse(text);
    layout = kind === 'url' || kind === 'text' ? urlLayout(text, liquid, kind === 'url') : { parts: new Map(), refused: null };
  } catch (err) {
    throw templateError(err);
  }
  if (layout.refused) {
    const { name } = layout.refused;
    const sentence = said('check.urlTagRefused', { name }, `template error: {% ${name} %} cannot write inside a URL, where values are encoded: use {{ … }}`);
    throw new TemplateError(sentence, lineOf(text, layout.refused.begin));
  }
  const names: Array<{ name: string; line: number }> = [];
  const originValues: Array<{ line: number; names: string[] }> = [];
  try {
    const analysis = analyzeSync(tpl, { partials: false });
    for (const [name, uses] of Object.entries(analysis.globals)) {
      names.push({ name, line: uses[0]?.location.row ?? 1 });
    }
    placeUrlSteps(tpl, kind, layout.parts, (output) => {
      originValues.push({ line: lineOf(text, output.token.begin), names: Object.keys(analyzeSync([output], { partials: false }).variables) });
    });
  } catch (err) {
    throw templateError(err);
  }
  const fast = opts.fast === false ? null : fastRenderer(text, kind, layout.parts);
  const segmented = opts.fast === false || fast ? null : segmentedRenderer(text, tpl, kind, layout.parts, opts.keepFor ?? new Set());
  const render = fast?.render ?? segmented?.render ?? ((session: RenderSession) => session.render(liquid, tpl));
  const knowing = kind === 'text' && segmented ? segmented : null;
  return {
    static: null,
    finished: null,
    markupValid: fast?.markupValid ?? false,
    render,
    renderTidied: fast?.renderTidied ?? ((session) => tidy(render(session))),
    ...(knowing
      ? {
          renderTidiedKnowingMarkup: (session: RenderSession) => {
            const { text: rendered, markupHolds } = knowing.renderKnowingMarkup(session);
            return { text: tidy(rendered), markupHolds };
          },
        }
      : {}),
    names,
    loops: loopFacts(tpl),
    nodes: nodeCounts(tpl),
    originValues,
  };
}

/**
 * Puts the URL step (encode, or keep as written in the scheme and host) before
 * the final write of every output that lands in a URL. A value already ending
 * in `| url_encode` (or `| cgi_escape`) is not encoded twice.
 */
function placeUrlSteps(tpl: Template[], kind: TemplateKind, parts: ReadonlyMap<number, UrlPart>, onOrigin: (o: Output) => void): void {
  eachTemplate(tpl, (t) => {
    if (!(t instanceof Output)) return null;
    const part = parts.get(t.token.begin);
    if (part === undefined) return null;
    const filters = t.value.filters;
    const last = filters[filters.length - 1];
    // liquidjs appends outputEscape (our write step) to every output; the URL step goes just before it.
    if ((last as unknown as { handler?: unknown } | undefined)?.handler !== WRITE[kind]) throw new Error('internal: an output does not end with its write step');
    const encoded = PRE_ENCODED.has(filters[filters.length - 2]?.name ?? '');
    const step = urlStep(kind, part, encoded);
    filters.splice(filters.length - 1, 0, new Filter({ name: `url:${part}`, args: [] } as unknown as ConstructorParameters<typeof Filter>[0], step, engines[kind]));
    if (part === 'origin') onOrigin(t);
    return null;
  });
}

/** liquidjs filters whose result is already percent-encoded for a query value (not uri_escape: it leaves & ? # as they are). */
const PRE_ENCODED = new Set(['url_encode', 'cgi_escape']);

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Most message texts are only text and `{{ name }}` or `{{ name | num }}` /
 * `{{ name | num: 1 }}`. Those are rendered here by plain concatenation with
 * liquidjs's exact semantics for them, about ten times faster than its
 * generator-driven renderer (rendering was most of plan()'s time). Anything
 * else (tags, other filters, property access, whitespace control) returns
 * null and goes through liquidjs. Parsing still happens in liquidjs first, so
 * errors, the names a template reads and where a value lands in a URL are the
 * same either way; so are the steps each value goes through.
 */
const SIMPLE_OUTPUT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\|\s*num\s*(?::\s*(\d{1,2})\s*)?)?\}\}/g;
/** The same, for an output node's whole source (template-segments.ts). */
const SIMPLE_OUTPUT_ALONE = new RegExp(`^${SIMPLE_OUTPUT.source}$`);

const LIQUID_LITERALS = new Set(['true', 'false', 'nil', 'null', 'empty', 'blank']);

/** The short cut's writer for one simple output, matched by SIMPLE_OUTPUT; null for a Liquid literal (not a name). */
function outputWriter(m: RegExpMatchArray, begin: number, kind: TemplateKind, parts: ReadonlyMap<number, UrlPart>): OutputWriter | null {
  const name = m[1]!;
  // __proto__ (refused by the schema anyway) is the one inherited name lookUp's single read would get wrong.
  if (LIQUID_LITERALS.has(name) || name === '__proto__') return null;
  // The filter is its own group: a name such as `number` is not the num filter.
  const digits = m[2] === undefined ? null : Number(m[3] ?? 0);
  const part = parts.get(begin);
  const url = part === undefined ? null : urlStep(kind, part, false);
  const write = WRITE[kind];
  const general: OutputWriter = (session) => {
    const { globals } = session;
    const raw = lookUp(session, name);
    const value = digits === null ? raw : numFilter(raw, digits, globals.lang);
    return write(url ? url(value) : value);
  };
  if (digits === null || url !== null) return general;
  // `{{ x | num }}` outside a URL: a number's text made of digits and plain separators is written as it is (format.ts).
  return (session) => {
    const raw = lookUp(session, name);
    return (typeof raw === 'number' && Number.isFinite(raw) && formatNumberAsWritten(raw, session.globals.lang, digits)) || general(session);
  };
}

/**
 * A name's value as liquidjs reads it with ownPropertyOnly: the scope's own
 * names, then the globals (lang, now). A scope holds answers, settings and
 * values, never a function: a value found that is not one is the scope's own
 * (Object.prototype has only functions and __proto__, a refused name), so
 * one read does for the usual case.
 */
function lookUp(session: { readonly scope: Record<string, unknown>; readonly globals: RenderGlobals }, name: string): unknown {
  const { scope, globals } = session;
  const found = scope[name];
  if (found !== undefined && typeof found !== 'function') return found;
  return Object.hasOwn(scope, name) ? scope[name] : Object.hasOwn(globals, name) ? (globals as unknown as Record<string, unknown>)[name] : undefined;
}

type Renderer = (session: RenderSession) => string;

function fastRenderer(text: string, kind: TemplateKind, parts: ReadonlyMap<number, UrlPart>): { render: Renderer; renderTidied: Renderer; markupValid: boolean } | null {
  if (text.includes('{%')) return null;
  const literals: string[] = [];
  const outputs: OutputWriter[] = [];
  let last = 0;
  for (const m of text.matchAll(SIMPLE_OUTPUT)) {
    const write = outputWriter(m, m.index, kind, parts);
    if (write === null) return null;
    literals.push(text.slice(last, m.index));
    outputs.push(write);
    last = m.index + m[0].length;
  }
  literals.push(text.slice(last));
  // A '{{' left in the literal text is an output this path does not handle.
  if (literals.some((l) => l.includes('{{'))) return null;
  // A text's values are escaped by its write step, so whether its markup holds is a question about the literals alone.
  const markupValid = kind === 'text' && markupValidForAnyValues(literals);
  const render = (session: RenderSession): string => {
    let out = literals[0]!;
    for (let i = 0; i < outputs.length; i++) out += outputs[i]!(session) + literals[i + 1]!;
    return checkLength(out, session.limits);
  };
  return { render, renderTidied: literalsStayTidy(literals) ? tidiedRenderer(literals, outputs) : (session) => tidy(render(session)), markupValid };
}

/**
 * For literals that stay tidy: only a value with a space or line end sends the
 * text through tidy (text-finish.ts). Otherwise the text is trimmed, unless
 * its first and last characters (a literal's, else the value's there) are
 * known not to be trimmed away: most texts start and end with a word.
 */
function tidiedRenderer(literals: readonly string[], outputs: readonly OutputWriter[]): Renderer {
  const first = literals[0]!;
  const lastLiteral = literals[literals.length - 1]!;
  return (session) => {
    let out = first;
    let tidyNeeded = false;
    let firstValue = '';
    let lastValue = '';
    for (let i = 0; i < outputs.length; i++) {
      const value = outputs[i]!(session);
      if (!tidyNeeded && !valueKeepsTidy(value)) tidyNeeded = true;
      if (i === 0) firstValue = value;
      lastValue = value;
      out += value + literals[i + 1]!;
    }
    checkLength(out, session.limits);
    if (tidyNeeded) return tidy(out);
    return startsKept(first, firstValue) && endsKept(lastLiteral, lastValue) ? out : out.trim();
  };
}

/** The text's first character is not trimmed away: the first literal's, or when it is empty the first value's (a value with a space went through tidy). */
function startsKept(literal: string, value: string): boolean {
  const s = literal === '' ? value : literal;
  return s !== '' && !isTrimmedAway(s.charCodeAt(0));
}

function endsKept(literal: string, value: string): boolean {
  const s = literal === '' ? value : literal;
  return s !== '' && !isTrimmedAway(s.charCodeAt(s.length - 1));
}

/** A template with tags: its top-level nodes rendered one by one where they can be (template-segments.ts). */
function segmentedRenderer(text: string, tpl: readonly Template[], kind: TemplateKind, parts: ReadonlyMap<number, UrlPart>, keepFor: ReadonlySet<string>): SegmentRenderer | null {
  const simpleOutput = (source: string, begin: number): OutputWriter | null => {
    const m = SIMPLE_OUTPUT_ALONE.exec(source);
    return m ? outputWriter(m, begin, kind, parts) : null;
  };
  return segmentRenderer(text, tpl, { liquid: engines[kind], simpleOutput, keepFor });
}

/** How liquidjs writes a value when no escape filter is set. */
function liquidString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(liquidString).join('');
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // liquidjs calls String() on anything else too: an object is '[object Object]'.
  return Object.prototype.toString.call(v);
}

function templateError(err: unknown): TemplateError {
  const msg = err instanceof Error ? err.message : String(err);
  const at = /, line:(\d+), col:(\d+)/.exec(msg);
  const line = at ? Number(at[1]) : null;
  const detail = msg.replace(/, line:\d+, col:\d+.*$/s, '');
  const filter = /^undefined filter: (\S+)/.exec(detail);
  if (filter) return new TemplateError(said('check.unknownFilter', { name: filter[1]! }, `template error: ${detail.replace(/^undefined filter: (\S+)/, "unknown filter '$1'")}`), line);
  const tag = /^the tag '(\w+)' is not allowed: curation templates cannot read files$/.exec(detail);
  if (tag) return new TemplateError(said('check.tagRefused', { name: tag[1]! }, `template error: ${detail}`), line);
  return new TemplateError(said('check.templateSyntax', { detail }, `template error: ${detail}`), line);
}
