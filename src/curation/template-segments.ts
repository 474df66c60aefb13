// A template with tags, rendered part by part. liquidjs parses it once at
// load, but interprets every node on every render through its generators:
// for the shipped diet-main, two `{% case %}` texts were a fifth of plan().
// So the template's top-level nodes are taken one by one:
// - plain text is rendered once, at compile;
// - a simple output (`{{ name }}`, `{{ name | num: N }}`) is written by the
//   short cut of templates.ts;
// - a condition (`if`, `unless`, `case`, nested in each other, with plain
//   text inside and no output or filter) is rendered by liquidjs, and what it
//   rendered is kept for the values it read when the file fixes them all
//   (option fields, settings, lang, table lookups): its text depends on
//   nothing else, and such values are a handful, so nearly every render is a
//   lookup. A condition that reads an answer's own text or number is rendered
//   each time: no customer's data is kept between plans.
// Any other node (assign, capture, loops, other outputs or filters) leaves
// the whole template to liquidjs, as before. liquidjs still does every
// rendering that is not a copy of one it did, with the plan's budget.
import { analyzeSync, CaseTag, IfTag, TypeGuards, UnlessTag, type Liquid, type Template } from 'liquidjs';
import { checkLength, type RenderLimits } from './render-limits.js';
import { eachTemplate } from './template-loops.js';
import { markupValidForAnyValues } from './text-finish.js';

/** What a segment needs of a render (templates.ts RenderSession): declared here so that this file does not import templates.ts, which imports it. */
export interface RenderSession {
  readonly scope: Record<string, unknown>;
  /** templates.ts RenderGlobals: the message language and the plan's clock. */
  readonly globals: { readonly lang: string; readonly now: number };
  readonly limits: RenderLimits;
  render(liquid: Liquid, tpl: Template[]): string;
}

/** Writes one simple output from the session's scope (templates.ts's short cut). */
export type OutputWriter = (session: RenderSession) => string;

type Segment = { kind: 'text'; text: string } | { kind: 'output'; write: OutputWriter } | { kind: 'condition'; node: Template; names: string[]; renders: Map<string, string> | null };

/** How many renders of one condition are kept: its values beyond that are rendered each time. */
const KEPT_RENDERS = 64;
/** A text value longer than this is not made into a key (it would be rendered each time). */
const KEY_TEXT_MAX = 200;

/** How the template's parts are turned into segments (templates.ts provides it). */
export interface SegmentOptions {
  liquid: Liquid;
  /** The writer of a top-level output written in the short cut's form (null otherwise). */
  simpleOutput: (source: string, begin: number) => OutputWriter | null;
  /** Names whose values the file fixes: a condition reading only these has its renders kept. */
  keepFor: ReadonlySet<string>;
}

/** A segmented template's render, and for a text template whether its markup is known to hold (see markupHolds). */
export interface SegmentRenderer {
  render: (session: RenderSession) => string;
  /**
   * The render, and whether every render with the same conditions' texts is
   * valid markup whatever the values (text-finish.ts markupValidForAnyValues):
   * true spares plan() the check. A condition renders only the template's own
   * text (it holds no output), so its texts are few and no customer's; the
   * answer is kept for each combination of them (at most KEPT_RENDERS).
   */
  renderKnowingMarkup: (session: RenderSession) => { text: string; markupHolds: boolean };
}

/** The renderer, or null when a node is not one of the three kinds. */
export function segmentRenderer(text: string, tpl: readonly Template[], opts: SegmentOptions): SegmentRenderer | null {
  const { liquid } = opts;
  const segments: Segment[] = [];
  for (const [i, node] of tpl.entries()) {
    const source = text.slice(node.token.begin, tpl[i + 1]?.token.begin ?? text.length);
    const segment = segmentOf(node, source, opts);
    if (segment === null) return null;
    segments.push(segment);
  }
  const verdicts = new Map<string, boolean>();
  return {
    render: (session) => {
      let out = '';
      for (const s of segments) {
        out += s.kind === 'text' ? s.text : s.kind === 'output' ? s.write(session) : renderCondition(s, session, liquid);
        checkLength(out, session.limits);
      }
      return out;
    },
    renderKnowingMarkup: (session) => {
      let out = '';
      const conditionTexts: string[] = [];
      for (const s of segments) {
        if (s.kind === 'condition') {
          const rendered = renderCondition(s, session, liquid);
          conditionTexts.push(rendered);
          out += rendered;
        } else out += s.kind === 'text' ? s.text : s.write(session);
        checkLength(out, session.limits);
      }
      const key = verdictKey(conditionTexts);
      let markupHolds = verdicts.get(key);
      if (markupHolds === undefined) {
        markupHolds = markupValidForAnyValues(literalsOf(segments, conditionTexts));
        if (verdicts.size < KEPT_RENDERS) verdicts.set(key, markupHolds);
      }
      return { text: out, markupHolds };
    },
  };
}

/**
 * One key per list of the conditions' texts. A template always renders the
 * same number of conditions; with one, its text is the key (a kept render is
 * the same string each time, its hash already known); with more, each text
 * is written after its length, so two different lists never give one key.
 */
function verdictKey(texts: readonly string[]): string {
  if (texts.length === 1) return texts[0]!;
  let key = '';
  for (const t of texts) key += `${t.length}:${t}`;
  return key;
}

/** The template's text between its outputs, each condition replaced by what it rendered. */
function literalsOf(segments: readonly Segment[], conditionTexts: readonly string[]): string[] {
  const literals: string[] = [];
  let current = '';
  let c = 0;
  for (const s of segments) {
    if (s.kind === 'output') {
      literals.push(current);
      current = '';
    } else current += s.kind === 'text' ? s.text : (conditionTexts[c++] ?? '');
  }
  literals.push(current);
  return literals;
}

function segmentOf(node: Template, source: string, opts: SegmentOptions): Segment | null {
  if (TypeGuards.isHTMLToken(node.token)) return { kind: 'text', text: opts.liquid.renderSync([node]) as string };
  if (TypeGuards.isOutputToken(node.token)) {
    const write = opts.simpleOutput(source, node.token.begin);
    return write ? { kind: 'output', write } : null;
  }
  if (!isPureCondition(node, source)) return null;
  const names = Object.keys(analyzeSync([node], { partials: false }).globals);
  return { kind: 'condition', node, names, renders: names.every((n) => opts.keepFor.has(n)) ? new Map() : null };
}

/** Only conditions and plain text inside, no output and no filter anywhere in its source: its text is a function of the names it reads. */
function isPureCondition(node: Template, source: string): boolean {
  if (!(node instanceof IfTag || node instanceof UnlessTag || node instanceof CaseTag)) return false;
  if (source.includes('{{') || source.includes('|')) return false;
  let pure = true;
  eachTemplate([node], (t) => {
    if (!(t instanceof IfTag || t instanceof UnlessTag || t instanceof CaseTag || TypeGuards.isHTMLToken(t.token))) pure = false;
    return null;
  });
  return pure;
}

function renderCondition(s: Extract<Segment, { kind: 'condition' }>, session: RenderSession, liquid: Liquid): string {
  if (s.renders === null) return session.render(liquid, [s.node]);
  const key = keyOf(s.names, session);
  const kept = key === null ? undefined : s.renders.get(key);
  if (kept !== undefined) return kept;
  const rendered = session.render(liquid, [s.node]);
  if (key !== null && s.renders.size < KEPT_RENDERS) s.renders.set(key, rendered);
  return rendered;
}

/**
 * The values the condition reads, as a key; null when one of them cannot be
 * one (a list, an object, a long text, NaN): that render is not kept.
 * Looked up as liquidjs does with ownPropertyOnly: the scope's own names,
 * then the render globals.
 */
function keyOf(names: readonly string[], session: RenderSession): string | null {
  let key = '';
  for (const name of names) {
    const globals = session.globals as unknown as Record<string, unknown>;
    const v = Object.hasOwn(session.scope, name) ? session.scope[name] : Object.hasOwn(globals, name) ? globals[name] : undefined;
    if (v === undefined) key += 'u,';
    else if (v === null) key += 'n,';
    else if (typeof v === 'boolean') key += v ? 't,' : 'f,';
    else if (typeof v === 'number' && Number.isFinite(v)) key += `${Object.is(v, -0) ? '-0' : String(v)},`;
    // JSON writes a quote inside the text as \", so a key's texts cannot run into each other.
    else if (typeof v === 'string' && v.length <= KEY_TEXT_MAX) key += `${JSON.stringify(v)},`;
    else return null;
  }
  return key;
}
