// Messages, buttons and delays of a curation file, compiled once at load.
// What each part type checks is its entry's (blocks/); templates are checked
// by message-context.ts, so a typo fails `curation check`, not a customer.
import type { MessageOption } from '../channeltalk/wire.js';
import { compileExpression, ExpressionError } from './expressions.js';
import { parseDuration } from './durations.js';
import type { DelaySpec } from './delays.js';
import { CurationFileError, said, type PathSegment } from './load-errors.js';
import { collect, type MessageContext } from './message-context.js';
import { BLOCK_TYPES, compileAttachments, compileBlock } from './blocks/registry.js';
import { compileButton, type CompiledButton } from './buttons.js';
import type { CompiledBlock, CompiledMessage } from './internals.js';
import type { DelayFile, MessageSpecFile } from './schema.js';
import { UNIT_COSTS } from './load-budget.js';

export type { MessageContext } from './message-context.js';

export const EXPRESSION_HINT = `each expression costs ${UNIT_COSTS.expression} units to compile; use fewer values or messages, or split the curation`;

export function compileDelay(d: DelayFile, path: PathSegment[]): DelaySpec {
  const ms = (text: string, at: PathSegment[]): number => {
    const v = parseDuration(text);
    if (v === null) throw new CurationFileError(at, said('check.notADuration', { text }, `'${text}' is not a duration such as 2s, 800ms or 1h30m`));
    return v;
  };
  if (d === 0) return { kind: 'fixed', ms: 0 };
  if (typeof d === 'string') return { kind: 'fixed', ms: ms(d, path) };
  const t = d.typing;
  const spec = { kind: 'typing' as const, perCharMs: ms(t.perChar, [...path, 'typing', 'perChar']), minMs: ms(t.min, [...path, 'typing', 'min']), maxMs: ms(t.max, [...path, 'typing', 'max']) };
  if (spec.minMs > spec.maxMs) throw new CurationFileError([...path, 'typing'], said('check.typingMinMax', {}, 'min must not be longer than max'));
  return spec;
}

/** One message at a time, letting the event loop run between them (load-budget.ts). */
export async function compileMessages(specs: readonly MessageSpecFile[], base: PathSegment[], ctx: MessageContext): Promise<CompiledMessage[]> {
  const out: CompiledMessage[] = [];
  for (const [i, m] of specs.entries()) {
    const path = [...base, i];
    await ctx.meter.pause(path);
    const message = compileMessage(m, path, ctx);
    if (message) out.push(message);
  }
  return out;
}

function compileMessage(m: MessageSpecFile, path: PathSegment[], ctx: MessageContext): CompiledMessage | null {
  const costBefore = ctx.cost.units;
  if (m.text === undefined && m.blocks === undefined && m.files === undefined && m.webPage === undefined && m.form === undefined) {
    ctx.errors.push(new CurationFileError(path, said('check.emptyMessage', {}, "a message needs 'text', 'blocks', 'files', 'webPage' or 'form'")));
    return null;
  }
  const blocks: CompiledBlock[] = [];
  if (m.text !== undefined) {
    const text = BLOCK_TYPES.text.compile({ text: m.text }, path, ctx);
    if (text) blocks.push(text);
  }
  m.blocks?.forEach((b, j) => {
    const block = compileBlock(b, [...path, 'blocks', j], ctx);
    if (block) blocks.push(block);
  });
  const attachments = compileAttachments(m, path, ctx) ?? [];
  const buttons: CompiledButton[] = [];
  m.buttons?.forEach((b, j) => {
    const button = compileButton(b, [...path, 'buttons', j], ctx);
    if (button) buttons.push(button);
  });
  const options = compileOptions(m.options ?? [], [...path, 'options'], ctx);
  const given = m.delay;
  const delay = given === undefined ? ctx.defaultDelay : collect(ctx, () => compileDelay(given, [...path, 'delay']));
  const when = m.when === undefined ? null : compileWhen(m.when, [...path, 'when'], ctx);
  return delay ? { path, when, delay, blocks, attachments, buttons, options, cost: ctx.cost.units - costBefore } : null;
}

function compileWhen(source: string, path: PathSegment[], ctx: MessageContext): CompiledMessage['when'] {
  if (ctx.expressions === null) {
    ctx.errors.push(new CurationFileError(path, said('check.fallbackWhen', {}, "fallback messages cannot have 'when': there are no values to test")));
    return null;
  }
  ctx.meter.charge(UNIT_COSTS.expression, path, EXPRESSION_HINT);
  // Tested once per language for each sample answer of the dry run.
  ctx.cost.units += UNIT_COSTS.value * ctx.languages.length;
  try {
    return compileExpression(source, ctx.expressions);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    ctx.errors.push(new CurationFileError(path, err.said ?? err.message));
    return null;
  }
}

/** Channel Talk refuses a repeated option. */
function compileOptions(options: readonly MessageOption[], path: PathSegment[], ctx: MessageContext): MessageOption[] {
  const seen = new Set<MessageOption>();
  for (const o of options) {
    if (seen.has(o)) ctx.errors.push(new CurationFileError(path, said('check.optionTwice', { option: o }, `lists '${o}' twice (Channel Talk refuses a repeated option)`)));
    seen.add(o);
  }
  return [...seen];
}
