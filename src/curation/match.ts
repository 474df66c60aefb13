// Which curations an event starts. Pure: the limits (once per chat, cooldown)
// need the database and are the delivery layer's to enforce. What each
// trigger kind checks is its registry entry's (triggers/registry.ts).
import type { Event } from '../channeltalk/event.js';
import { internalsOf } from './internals.js';
import { startsCuration } from './triggers/registry.js';
import type { Curation, CurationSet } from './types.js';

/** The curations `event` triggers, in file order. Manager and bot messages never match: only events of a trigger kind can. */
export function matchCurations(set: CurationSet, event: Event): Curation[] {
  if (!startsCuration(event)) return [];
  return set.curations.filter((c) => c.enabled && internalsOf(c).trigger.matches(event));
}
