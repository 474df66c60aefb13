// Message texts are Liquid templates, parsed once at load and rendered
// synchronously in plan(). Everything a template inserts into a text block is
// HTML-escaped (& < > "), so a profile name like `<b>` or `a & b` can never
// break Channel Talk's markup; the markup itself lives in the template source.
import { analyzeSync, Context, filters as builtinFilters, Liquid, Tag, type Template, type TagToken, type TopLevelToken } from 'liquidjs';
import { escapeText } from '../channeltalk/markup.js';
import { formatNumber } from './format.js';
import { replaceShortcodes } from './emoji.js';

/** Render-time globals a filter may read: the message language and the plan's clock. */
export interface RenderGlobals {
  lang: string;
  now: number;
}

/** What liquidjs binds `this` to in a filter (its own type is not exported). */
interface FilterThis {
  context: { globals: unknown };
}

const builtinDate = builtinFilters.date as unknown as (this: FilterThis, ...args: unknown[]) => unknown;

function makeLiquid(escape: boolean): Liquid {
  const liquid = new Liquid({
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    relativeReference: false,
    // No file system: includes and layouts are refused below anyway.
    templates: {},
    timezoneOffset: 0,
    ...(escape ? { outputEscape: (v: unknown) => escapeText(stringify(v)) } : {}),
  });
  for (const tag of ['include', 'render', 'layout']) liquid.registerTag(tag, RefusedTag);
  liquid.registerFilter('num', function (this: FilterThis, v: unknown, digits: unknown = 0) {
    return numFilter(v, digits, globalsOf(this).lang);
  });
  // `raw` would bypass escaping of inserted values: it is an ordinary (escaped) filter here.
  liquid.registerFilter('raw', (v: unknown) => v);
  // "now" must be the plan's clock, not the machine's: plan() is pure.
  liquid.registerFilter('date', function (this: FilterThis, v: unknown, ...args: unknown[]) {
    const input = v === 'now' || v === 'today' ? new Date(globalsOf(this).now) : v;
    return builtinDate.call(this, input, ...args);
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

const escaped = makeLiquid(true);
const plain = makeLiquid(false);

export class TemplateError extends Error {
  constructor(
    message: string,
    /** 1-based line inside the template, when known. */
    readonly line: number | null,
  ) {
    super(message);
  }
}

/**
 * One scope rendered by many templates (all the messages of one plan). A
 * liquidjs Context is costly to build, so the session builds one and lends it
 * to every template; what a template assigns is wiped before the next one.
 */
export class RenderSession {
  private ctx: Context | null = null;

  constructor(
    readonly scope: Record<string, unknown>,
    readonly globals: RenderGlobals,
  ) {}

  render(liquid: Liquid, tpl: Template[]): string {
    this.ctx ??= new Context(this.scope, escaped.options, { sync: true, globals: this.globals }, { liquid: escaped });
    try {
      return liquid.renderSync(tpl, this.ctx) as string;
    } finally {
      const assigned = this.ctx.bottom();
      for (const key in assigned) delete assigned[key];
    }
  }
}

export interface CompiledTemplate {
  /** The text when the template has no tags or outputs: rendering is free. */
  readonly static: string | null;
  render(session: RenderSession): string;
  /** Top-level names the template reads, with the line (1-based) where each first appears. */
  readonly names: Array<{ name: string; line: number }>;
}

/**
 * `escape: true` for text blocks (markup allowed in the source, inserted values escaped); false for URLs and button titles.
 * `fast: false` always renders through liquidjs (tests compare both ways).
 */
export function compileTemplate(source: string, escape: boolean, opts: { fast?: boolean } = {}): CompiledTemplate {
  const text = replaceShortcodes(source);
  if (!text.includes('{{') && !text.includes('{%')) {
    return { static: text, render: () => text, names: [] };
  }
  const liquid = escape ? escaped : plain;
  let tpl: Template[];
  try {
    tpl = liquid.parse(text);
  } catch (err) {
    throw templateError(err);
  }
  const names: Array<{ name: string; line: number }> = [];
  try {
    const analysis = analyzeSync(tpl, { partials: false });
    for (const [name, uses] of Object.entries(analysis.globals)) {
      names.push({ name, line: uses[0]?.location.row ?? 1 });
    }
  } catch (err) {
    throw templateError(err);
  }
  const fast = opts.fast === false ? null : fastRenderer(text, escape);
  return {
    static: null,
    render: fast ?? ((session) => session.render(liquid, tpl)),
    names,
  };
}

/**
 * Most message texts are only text and `{{ name }}` or `{{ name | num }}` /
 * `{{ name | num: 1 }}`. Those are rendered here by plain concatenation with
 * liquidjs's exact semantics for them, about ten times faster than its
 * generator-driven renderer (rendering was most of plan()'s time). Anything
 * else (tags, other filters, property access, whitespace control) returns
 * null and goes through liquidjs. Parsing still happens in liquidjs first, so
 * errors and the names a template reads are the same either way.
 */
const SIMPLE_OUTPUT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*num\s*(?::\s*(\d{1,2})\s*)?)?\}\}/g;

const LIQUID_LITERALS = new Set(['true', 'false', 'nil', 'null', 'empty', 'blank']);

function fastRenderer(text: string, escape: boolean): ((session: RenderSession) => string) | null {
  if (text.includes('{%')) return null;
  const literals: string[] = [];
  const outputs: Array<{ name: string; digits: number | null }> = [];
  let last = 0;
  for (const m of text.matchAll(SIMPLE_OUTPUT)) {
    // Liquid literals, not names.
    if (LIQUID_LITERALS.has(m[1]!)) return null;
    literals.push(text.slice(last, m.index));
    outputs.push({ name: m[1]!, digits: m[0].includes('num') ? Number(m[2] ?? 0) : null });
    last = m.index + m[0].length;
  }
  literals.push(text.slice(last));
  // A '{{' left in the literal text is an output this path does not handle.
  if (literals.some((l) => l.includes('{{'))) return null;
  const write = escape ? (v: unknown) => escapeText(stringify(v)) : liquidString;
  return (session) => {
    const { scope, globals } = session;
    let out = literals[0]!;
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i]!;
      // liquidjs with ownPropertyOnly: the scope's own names, then the globals (lang, now).
      const raw = Object.hasOwn(scope, o.name) ? scope[o.name] : Object.hasOwn(globals, o.name) ? (globals as unknown as Record<string, unknown>)[o.name] : undefined;
      out += write(o.digits === null ? raw : numFilter(raw, o.digits, globals.lang)) + literals[i + 1]!;
    }
    return out;
  };
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
  const clean = msg
    .replace(/, line:\d+, col:\d+.*$/s, '')
    .replace(/^undefined filter: (\S+)/, "unknown filter '$1'");
  return new TemplateError(`template error: ${clean}`, at ? Number(at[1]) : null);
}
