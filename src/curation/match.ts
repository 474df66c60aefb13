// Which curations an event starts. Pure: the limits (once per chat, cooldown)
// need the database and are the delivery layer's to enforce.
import type { Event } from '../channeltalk/event.js';
import { internalsOf } from './internals.js';
import { matchesKeyword } from './keywords.js';
import { normalizeLabel } from './normalize.js';
import type { Curation, CurationSet } from './types.js';

/** The curations `event` triggers, in file order. Manager and bot messages never match: only `userMessage` events can. */
export function matchCurations(set: CurationSet, event: Event): Curation[] {
  if (event.kind !== 'chatOpened' && event.kind !== 'userMessage') return [];
  const tags = event.chatTags.map(normalizeLabel);
  return set.curations.filter((c) => c.enabled && matches(c, event, tags));
}

function matches(c: Curation, event: Event, normalizedTags: string[]): boolean {
  const t = c.trigger;
  if (t.on !== event.kind) return false;
  if (t.supportBots.length > 0 && (event.supportBotId === null || !t.supportBots.includes(String(event.supportBotId).trim()))) return false;
  const inner = internalsOf(c);
  if (inner.chatTags.length > 0 && !inner.chatTags.some((tag) => normalizedTags.includes(tag))) return false;
  if (event.kind === 'userMessage') return inner.keywords !== null && matchesKeyword(inner.keywords, event.text);
  return true;
}
