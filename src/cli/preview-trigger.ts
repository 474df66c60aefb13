// `curation preview` given a whole webhook delivery: whether that delivery
// starts the curation, read by the service's own normalize() and matcher. It
// is how a trigger is tried without a server (a chatTagged curation with the
// addTags log message, a userMessage one with a customer's message).
import { MalformedDeliveryError, normalize } from '../channeltalk/normalize.js';
import type { Event, EventKind } from '../channeltalk/event.js';
import { matchCurations, type Curation, type CurationSet } from '../curation/index.js';
import { describeTrigger } from '../curation/triggers/registry.js';

export interface TriggerAnswer {
  event: EventKind;
  starts: boolean;
  /** Why it does not start (not acted on, disabled, or the trigger it does not meet). */
  reason?: string;
  /** The line `preview` prints. */
  line: string;
}

/** Null when `input` is not a delivery (a plain object of answers). */
export function deliveryTrigger(input: unknown, set: CurationSet, curation: Curation): TriggerAnswer | null {
  if (!isDelivery(input)) return null;
  let event: Event;
  try {
    event = normalize(input);
  } catch (err) {
    if (!(err instanceof MalformedDeliveryError)) throw err;
    return { event: 'ignored', starts: false, reason: err.reason, line: `trigger: this is not a delivery Channel Talk sends: ${err.reason}` };
  }
  if (event.kind === 'ignored') return { event: event.kind, starts: false, reason: event.reason, line: `trigger: this delivery is not acted on: ${event.reason}` };
  const what = `this delivery (${event.kind}${event.kind === 'chatTagged' ? `: tags ${event.tags.join(', ')}` : ''})`;
  if (matchCurations(set, event).includes(curation)) return { event: event.kind, starts: true, line: `trigger: ${what} starts ${curation.id}` };
  const reason = curation.enabled ? describeTrigger(curation.trigger) : 'disabled';
  return { event: event.kind, starts: false, reason, line: `trigger: ${what} does not start ${curation.id} (${reason})` };
}

function isDelivery(input: unknown): input is Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return false;
  const entity = (input as { entity?: unknown }).entity;
  return entity !== null && typeof entity === 'object' && !Array.isArray(entity);
}
