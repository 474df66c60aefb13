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
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) return v ?? '';
    return formatNumber(n, globalsOf(this).lang, typeof digits === 'number' ? digits : Number(digits) || 0);
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
    private readonly scope: Record<string, unknown>,
    private readonly globals: RenderGlobals,
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

/** `escape: true` for text blocks (markup allowed in the source, inserted values escaped); false for URLs and button titles. */
export function compileTemplate(source: string, escape: boolean): CompiledTemplate {
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
  return {
    static: null,
    render: (session) => session.render(liquid, tpl),
    names,
  };
}

function templateError(err: unknown): TemplateError {
  const msg = err instanceof Error ? err.message : String(err);
  const at = /, line:(\d+), col:(\d+)/.exec(msg);
  const clean = msg
    .replace(/, line:\d+, col:\d+.*$/s, '')
    .replace(/^undefined filter: (\S+)/, "unknown filter '$1'");
  return new TemplateError(`template error: ${clean}`, at ? Number(at[1]) : null);
}
