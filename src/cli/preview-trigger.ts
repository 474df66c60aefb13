// `curation preview` given a whole webhook delivery: whether that delivery
// starts the curation, read by the service's own normalize() and matcher. It
// is how a trigger is tried without a server (a chatTagged curation with the
// addTags log message, a userMessage one with a customer's message).
import { MalformedDeliveryError, normalize } from '../channeltalk/normalize.js';
import type { Event, EventKind } from '../channeltalk/event.js';
import { matchCurations, type Curation, type CurationSet } from '../curation/index.js';
import { describeTrigger, triggerWords } from '../curation/triggers/registry.js';
import { wordsIn, type Words } from './lang.js';

export interface TriggerAnswer {
  event: EventKind;
  starts: boolean;
  /** Why it does not start (not acted on, disabled, or the trigger it does not meet). */
  reason?: string;
  /** The line `preview` prints. */
  line: string;
}

/** Null when `input` is not a delivery (a plain object of answers). The line is in `w`'s language; the reasons are the normalizer's and the trigger's own words. */
export function deliveryTrigger(input: unknown, set: CurationSet, curation: Curation, w: Words = wordsIn('en')): TriggerAnswer | null {
  if (!isDelivery(input)) return null;
  let event: Event;
  try {
    event = normalize(input);
  } catch (err) {
    if (!(err instanceof MalformedDeliveryError)) throw err;
    return { event: 'ignored', starts: false, reason: err.reason, line: w.t('cli.preview.triggerNotDelivery', { reason: err.reason }) };
  }
  if (event.kind === 'ignored') {
    const shown = w.lang !== 'en' && event.words ? event.words : event.reason;
    return { event: event.kind, starts: false, reason: event.reason, line: w.t('cli.preview.triggerIgnored', { reason: shown }) };
  }
  const what = event.kind === 'chatTagged' ? w.t('cli.preview.deliveryTags', { kind: event.kind, tags: event.tags.join(', ') }) : w.t('cli.preview.delivery', { kind: event.kind });
  if (matchCurations(set, event).includes(curation)) return { event: event.kind, starts: true, line: w.t('cli.preview.triggerStarts', { what, id: curation.id }) };
  const reason = curation.enabled ? describeTrigger(curation.trigger) : 'disabled';
  // English keeps the registry's own sentence; another language words the trigger as the console does (' · ' between parts).
  const shown = !curation.enabled ? w.t('cli.check.disabled') : w.lang === 'en' ? reason : triggerWords(curation.trigger).map((t) => w.t(t.code, t.params)).join(' · ');
  return { event: event.kind, starts: false, reason, line: w.t('cli.preview.triggerDoesNotStart', { what, id: curation.id, reason: shown }) };
}

function isDelivery(input: unknown): input is Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return false;
  const entity = (input as { entity?: unknown }).entity;
  return entity !== null && typeof entity === 'object' && !Array.isArray(entity);
}
