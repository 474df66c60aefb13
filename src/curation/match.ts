// Which curations an event starts. Pure: the limits (once per chat, cooldown)
// need the database and are the delivery layer's to enforce.
import { canStart, type Event } from '../channeltalk/event.js';
import { internalsOf } from './internals.js';
import { matchesKeyword } from './keywords.js';
import { normalizeLabel } from './normalize.js';
import type { Curation, CurationSet, Trigger } from './types.js';

/** The curations `event` triggers, in file order. Manager and bot messages never match: only `userMessage` events can. */
export function matchCurations(set: CurationSet, event: Event): Curation[] {
  if (!canStart(event)) return [];
  const tags = event.chatTags.map(normalizeLabel);
  return set.curations.filter((c) => c.enabled && matches(c, event, tags));
}

function matches(c: Curation, event: Event, normalizedTags: string[]): boolean {
  const t = c.trigger;
  if (t.on !== event.kind) return false;
  if (!fromNamedSource(t, event)) return false;
  const inner = internalsOf(c);
  if (inner.chatTags.length > 0 && !inner.chatTags.some((tag) => normalizedTags.includes(tag))) return false;
  if (event.kind === 'userMessage') return inner.keywords !== null && matchesKeyword(inner.keywords, event.text);
  return true;
}

/** Support bots and workflows both name where a chat came from: with either list given, the chat must come from one of the listed. */
function fromNamedSource(t: Trigger, event: Event): boolean {
  if (t.supportBots.length === 0 && t.workflows.length === 0) return true;
  if (event.supportBotId !== null && t.supportBots.includes(String(event.supportBotId).trim())) return true;
  const wf = event.workflow ?? null;
  return wf !== null && t.workflows.some((w) => w.id === wf.id && (w.sections.length === 0 || w.sections.some((s) => wf.sectionPath.includes(s))));
}
