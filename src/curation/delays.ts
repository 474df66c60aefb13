// Pacing. A fixed delay (`2s`) or a typing delay: as long as a person would
// take to type the message, within bounds, so a one-liner follows quickly and
// a long explanation does not arrive the instant after the previous one.
// Plans carry unscaled delays; delivery applies DELAY_SCALE.
import type { MessageBody } from '../channeltalk/wire.js';
import { viewAttachments, viewBlock } from './blocks/registry.js';

export type DelaySpec = { kind: 'fixed'; ms: number } | { kind: 'typing'; perCharMs: number; minMs: number; maxMs: number };

export function delayFor(spec: DelaySpec, body: MessageBody): number {
  if (spec.kind === 'fixed') return spec.ms;
  return Math.round(Math.min(Math.max(visibleLength(body) * spec.perCharMs, spec.minMs), spec.maxMs));
}

/** Characters the customer reads in a message: each part's own count (blocks/), markup tags not counted, an entity as one. */
export function visibleLength(body: MessageBody): number {
  let n = 0;
  for (const block of body.blocks ?? []) n += viewBlock(block).visibleLength();
  for (const part of viewAttachments(body)) n += part.visibleLength();
  return n;
}
