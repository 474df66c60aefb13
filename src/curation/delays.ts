// Pacing. A fixed delay (`2s`) or a typing delay: as long as a person would
// take to type the message, within bounds, so a one-liner follows quickly and
// a long explanation does not arrive the instant after the previous one.
// Plans carry unscaled delays; delivery applies DELAY_SCALE.
import type { MessageBody } from '../channeltalk/wire.js';

export type DelaySpec = { kind: 'fixed'; ms: number } | { kind: 'typing'; perCharMs: number; minMs: number; maxMs: number };

export function delayFor(spec: DelaySpec, body: MessageBody): number {
  if (spec.kind === 'fixed') return spec.ms;
  return Math.round(Math.min(Math.max(visibleLength(body) * spec.perCharMs, spec.minMs), spec.maxMs));
}

/** Characters the customer sees in the text of a message: markup tags do not count, an entity counts as one. */
export function visibleLength(body: MessageBody): number {
  let n = 0;
  for (const block of body.blocks ?? []) {
    if (block.type === 'bullets') for (const item of block.blocks) n += textLength(item.value);
    else n += textLength(block.value);
  }
  return n;
}

function textLength(markup: string): number {
  const text = markup.replace(/<[^>]*>/g, '').replace(/&(amp|lt|gt|quot|#39);/g, '_');
  let n = 0;
  for (const _ of text) n++;
  return n;
}
