// The heart of plan(): compute the values in order, then render the messages.
// Failures carry the place in the file they come from, so that plan() can give
// an operator-readable reason and the load-time smoke check can point at a line.
import { checkTextMarkup } from '../channeltalk/markup.js';
import type { Block, Button, MessageBody, MessageOption } from '../channeltalk/wire.js';
import type { PlannedMessageSpec, Value } from './plan-types.js';
import { ComputeError, FailError, truthy } from './expressions.js';
import { delayFor } from './delays.js';
import { RenderLimitError, RenderSession, type CompiledTemplate } from './templates.js';
import type { PathSegment } from './load-errors.js';
import { SequenceFailure } from './sequence-failure.js';
import type { CompiledCuration, CompiledMessage, Localized } from './internals.js';
import { renderAttachments, renderBlock } from './blocks/registry.js';
import type { AttachmentKey, RenderContext } from './blocks/types.js';
import { renderButton } from './buttons.js';
import type { ResolvedFields } from './profile.js';

export { SequenceFailure };

export interface SequenceContext {
  lang: string;
  now: number;
  runId: string;
  /** The first message's seq (0 unless the run already sent messages, see PlanOptions.firstSeq). */
  firstSeq?: number;
}

export function computeValues(inner: CompiledCuration, fields: ResolvedFields, ctx: { now: number; lang: string }): { values: Record<string, Value>; scope: Record<string, unknown> } {
  // The keys in the order a spread of settings, fields, now and lang, then each value added, wrote them (one namespace: no name twice).
  const scope: Record<string, unknown> = { ...inner.scopeShape };
  for (const name in fields) scope[name] = fields[name];
  scope.now = ctx.now;
  scope.lang = ctx.lang;
  // Created with its keys too: each value then fills a field instead of growing the object by one key at a time.
  const values: Record<string, Value | undefined> = { ...inner.valueKeys };
  for (const v of inner.values) {
    let out: Value;
    try {
      out = checkValue(v.evaluate(scope));
    } catch (err) {
      throw new SequenceFailure(['compute', v.name], err instanceof ComputeError ? err.message : 'internal error', false, err instanceof FailError);
    }
    scope[v.name] = out;
    values[v.name] = out;
  }
  // Every key was filled above (a value that fails throws).
  return { values: values as Record<string, Value>, scope };
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
  const r: RenderContext = {
    render(t: Localized, path: readonly PathSegment[], opts: { tidy: boolean }): string {
      const tpl = templateIn(t, path, ctx.lang);
      if (tpl.finished) return opts.tidy ? tpl.finished.tidied : tpl.finished.trimmed;
      return opts.tidy ? renderTidied(tpl, session, path) : renderPlain(tpl, session, path).trim();
    },
    renderMarkup(t: Localized, path: readonly PathSegment[]): string {
      const tpl = templateIn(t, path, ctx.lang);
      if (tpl.finished && tpl.markupValid) return tpl.finished.tidied;
      if (!tpl.markupValid && tpl.renderTidiedKnowingMarkup) {
        // A text with conditions: whether its markup holds is known for each combination of their texts.
        const { text, markupHolds } = renderKnowingMarkup(tpl, session, path);
        if (!markupHolds) assertMarkup(text, path);
        return text;
      }
      const value = renderTidied(tpl, session, path);
      // Compiling decided for most texts that no render can break the markup (text-finish.ts).
      if (!tpl.markupValid) assertMarkup(value, path);
      return value;
    },
  };
  for (const m of specs) {
    if (m.when) {
      let show: unknown;
      try {
        show = m.when(scope);
      } catch (err) {
        throw new SequenceFailure([...m.path, 'when'], err instanceof ComputeError ? err.message : 'internal error', false, err instanceof FailError);
      }
      if (!truthy(show)) continue;
    }
    const blocks: Block[] = [];
    for (const b of m.blocks) {
      const block = renderBlock(b, r);
      if (block) blocks.push(block);
    }
    const attachments = m.attachments.length === 0 ? NO_ATTACHMENTS : renderAttachments(m.attachments, r);
    // A message left with nothing to show (every text rendered empty, e.g. all inside a false {% if %}, and no attachment) is not sent.
    if (blocks.length === 0 && (attachments === NO_ATTACHMENTS || Object.keys(attachments).length === 0)) continue;
    const buttons: Button[] | null = m.buttons.length === 0 ? null : m.buttons.map((b) => renderButton(b, r));
    const seq = (ctx.firstSeq ?? 0) + out.length;
    const body = messageBody(blocks, attachments, buttons, m.options, `${ctx.runId}-${seq}`);
    out.push({ seq, delayMs: delayFor(m.delay, body), body });
  }
  return out;
}

function templateIn(t: Localized, path: readonly PathSegment[], lang: string): CompiledTemplate {
  const tpl = t.get(lang);
  if (!tpl) throw new SequenceFailure(path, `has no text for language '${lang}'`);
  return tpl;
}

/**
 * The v5 body, its keys in the order they were always written (stored bodies
 * and golden texts compare as text): set one by one rather than spread from
 * short-lived objects, on every message of every plan.
 */
function messageBody(blocks: Block[], attachments: Pick<MessageBody, AttachmentKey>, buttons: Button[] | null, options: MessageOption[], requestId: string): MessageBody {
  const body: MessageBody = {};
  if (blocks.length > 0) body.blocks = blocks;
  // In the order renderAttachments set them, as a spread copied them.
  if (attachments !== NO_ATTACHMENTS) Object.assign(body, attachments);
  if (buttons !== null && buttons.length > 0) body.buttons = buttons;
  if (options.length > 0) body.options = options;
  body.requestId = requestId;
  return body;
}

/** Most messages have no attachment: shared, never written to (messageBody copies what there is). */
const NO_ATTACHMENTS: Readonly<Pick<MessageBody, AttachmentKey>> = Object.freeze({});

// Two named functions rather than one taking a closure: a closure per template per plan was measurable.
function renderTidied(tpl: CompiledTemplate, session: RenderSession, path: readonly PathSegment[]): string {
  try {
    return tpl.renderTidied(session);
  } catch (err) {
    throw renderFailure(err, path);
  }
}

function renderKnowingMarkup(tpl: CompiledTemplate, session: RenderSession, path: readonly PathSegment[]): { text: string; markupHolds: boolean } {
  try {
    return tpl.renderTidiedKnowingMarkup?.(session) ?? { text: tpl.renderTidied(session), markupHolds: false };
  } catch (err) {
    throw renderFailure(err, path);
  }
}

function renderPlain(tpl: CompiledTemplate, session: RenderSession, path: readonly PathSegment[]): string {
  try {
    return tpl.render(session);
  } catch (err) {
    throw renderFailure(err, path);
  }
}

/** A render's failure as the reason plan() gives: over the budget, or any other. */
function renderFailure(err: unknown, path: readonly PathSegment[]): SequenceFailure {
  if (err instanceof RenderLimitError) return new SequenceFailure(path, `could not be rendered: ${err.message}`, true);
  return new SequenceFailure(path, 'could not be rendered');
}

function assertMarkup(value: string, path: readonly PathSegment[]): void {
  const problem = checkTextMarkup(value);
  if (problem !== null) throw new SequenceFailure(path, `is not valid Channel Talk markup once rendered: ${problem.replace(/ at position \d+/, '')} (only <b>, <i> and <link> are allowed: type="url", or a manager mention)`);
}
