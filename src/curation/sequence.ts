// The heart of plan(): compute the values in order, then render the messages.
// Failures carry the place in the file they come from, so that plan() can give
// an operator-readable reason and the load-time smoke check can point at a line.
import { checkTextMarkup } from '../channeltalk/markup.js';
import { ButtonSchema, type Block, type Button, type MessageBody } from '../channeltalk/wire.js';
import type { PlannedMessageSpec, Value } from './plan-types.js';
import { ComputeError, truthy } from './expressions.js';
import { delayFor } from './delays.js';
import { RenderLimitError, RenderSession } from './templates.js';
import { formatPath, type PathSegment } from './load-errors.js';
import type { CompiledCuration, CompiledMessage, Localized } from './internals.js';
import type { ResolvedFields } from './profile.js';

/** A failure at a place in the curation file; its message never contains a profile value. */
export class SequenceFailure extends Error {
  constructor(
    readonly path: readonly PathSegment[],
    message: string,
    /** A template went over its render budget (render-limits.ts): the run fails rather than falls back. */
    readonly overLimit = false,
  ) {
    super(message);
  }

  get reason(): string {
    return this.path[0] === 'compute' ? `could not compute '${String(this.path[1])}': ${this.message}` : `${formatPath(this.path)} ${this.message}`;
  }
}

export interface SequenceContext {
  lang: string;
  now: number;
  runId: string;
}

export function computeValues(inner: CompiledCuration, fields: ResolvedFields, ctx: { now: number; lang: string }): { values: Record<string, Value>; scope: Record<string, unknown> } {
  const scope: Record<string, unknown> = { ...inner.baseScope, ...fields, now: ctx.now, lang: ctx.lang };
  const values: Record<string, Value> = {};
  for (const v of inner.values) {
    let out: Value;
    try {
      out = checkValue(v.evaluate(scope));
    } catch (err) {
      throw new SequenceFailure(['compute', v.name], err instanceof ComputeError ? err.message : 'internal error');
    }
    scope[v.name] = out;
    values[v.name] = out;
  }
  return { values, scope };
}

function checkValue(v: unknown): Value {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ComputeError('the result is not a finite number (a division by zero?)');
    return v;
  }
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return v;
  throw new ComputeError('the result is not a number, text, yes/no or list');
}

export function renderMessages(specs: readonly CompiledMessage[], scope: Record<string, unknown>, ctx: SequenceContext): PlannedMessageSpec[] {
  const session = new RenderSession(scope, { lang: ctx.lang, now: ctx.now });
  const out: PlannedMessageSpec[] = [];
  const render = (t: Localized, path: readonly PathSegment[], tidyText: boolean): string => {
    const tpl = t.get(ctx.lang);
    if (!tpl) throw new SequenceFailure(path, `has no text for language '${ctx.lang}'`);
    let s: string;
    try {
      s = tpl.static ?? tpl.render(session);
    } catch (err) {
      if (err instanceof RenderLimitError) throw new SequenceFailure(path, `could not be rendered: ${err.message}`, true);
      throw new SequenceFailure(path, 'could not be rendered');
    }
    return tidyText ? tidy(s) : s.trim();
  };
  for (const m of specs) {
    if (m.when) {
      let show: unknown;
      try {
        show = m.when(scope);
      } catch (err) {
        throw new SequenceFailure([...m.path, 'when'], err instanceof ComputeError ? err.message : 'internal error');
      }
      if (!truthy(show)) continue;
    }
    const blocks: Block[] = [];
    for (const b of m.blocks) {
      if (b.type === 'bullets') {
        const items: string[] = [];
        b.items.forEach((item, i) => {
          const v = render(item, [...b.path, i], true);
          if (v === '') return;
          assertMarkup(v, [...b.path, i]);
          items.push(v);
        });
        if (items.length > 0) blocks.push({ type: 'bullets', blocks: items.map((value) => ({ type: 'text' as const, value })) });
      } else if (b.type === 'text') {
        const value = render(b.text, b.path, true);
        if (value === '') continue;
        assertMarkup(value, b.path);
        blocks.push({ type: 'text', value });
      } else {
        const value = render(b.text, b.path, false);
        if (value === '') continue;
        blocks.push(b.language ? { type: 'code', value, language: b.language } : { type: 'code', value });
      }
    }
    // A message whose every text rendered empty (e.g. all inside a false {% if %}) is not sent.
    if (blocks.length === 0) continue;
    const buttons: Button[] = m.buttons.map((b) => {
      const button: Button = {
        title: render(b.title, [...b.path, 'title'], false),
        ...(b.color ? { colorVariant: b.color } : {}),
        action: { type: 'web', attributes: { url: render(b.url, [...b.path, 'url'], false) } },
      };
      if (button.title === '') throw new SequenceFailure([...b.path, 'title'], 'rendered empty');
      if (!ButtonSchema.safeParse(button).success) throw new SequenceFailure([...b.path, 'url'], 'is not a valid http(s) URL once rendered');
      return button;
    });
    const seq = out.length;
    const body: MessageBody = { blocks, ...(buttons.length > 0 ? { buttons } : {}), requestId: `${ctx.runId}-${seq}` };
    out.push({ seq, delayMs: delayFor(m.delay, body), body });
  }
  return out;
}

function assertMarkup(value: string, path: readonly PathSegment[]): void {
  const problem = checkTextMarkup(value);
  if (problem !== null) throw new SequenceFailure(path, `is not valid Channel Talk markup once rendered: ${problem.replace(/ at position \d+/, '')} (only <b>, <i> and <link type="url" value="…"> are allowed)`);
}

/** Liquid tags leave blank lines and trailing spaces behind; chat text should not show them. */
function tidy(s: string): string {
  return s
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
