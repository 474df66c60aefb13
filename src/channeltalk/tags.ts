// A log message that says tags were added to a user chat (`log.action:
// addTags`). No webhook scope delivers a chat's tags; a tag that a support
// bot or a Workflow adds leaves such a log message, as a bot's message
// (channel-talk.md, "Webhooks"). Whether a tag a manager adds in the desk
// leaves one is not documented: if one comes (the log names the manager), it
// is a manager working the chat, never a trigger. Under a manager's own name
// it stays what every manager's message is, a takeover; under another name it
// is ignored, with that reason.
import type { LogPart } from './delivery-shapes.js';
import type { ChatState } from './chat-state.js';
import { idOrNull } from './ids.js';
import { words, type Words } from '../words.js';

/** A user chat holds at most 8 tags (OpenAPI v27.40.6, UserChat.tags maxItems). */
export const MAX_ADDED_TAGS = 8;
/** No tag length is documented; a longer one is no tag a curation names, and is dropped. */
export const MAX_TAG_LENGTH = 100;

export type TagLogReading =
  | { kind: 'tagged'; tags: string[]; addedBy: { type: string | null; id: string | null } }
  | { kind: 'ignored'; reason: string; words: Words }
  /** Not a chatTagged event: read the message as its writer's (a manager's is a takeover). */
  | { kind: 'asMessage' };

export function isAddTags(log: LogPart): boolean {
  return log.action?.toLowerCase() === 'addtags';
}

/** What an addTags log is, given who wrote the message and the chat's state (from refers.userChat). */
export function readTagLog(log: LogPart, writtenByManager: boolean, chatState: ChatState): TagLogReading {
  if (writtenByManager) return { kind: 'asMessage' };
  const type = triggerTypeOf(log.triggerType);
  if (type?.toLowerCase() === 'manager') return { kind: 'ignored', reason: 'tags a manager added (log addTags by a manager) start nothing: a manager is working the chat', words: words('ignored.managerTags') };
  if (chatState !== 'open') return { kind: 'ignored', reason: 'tags added to a chat that is not open start nothing', words: words('ignored.tagsNotOpen') };
  const tags = addedTags(log.values);
  if (tags.length === 0) return { kind: 'ignored', reason: 'an addTags log without a tag (log.values holds no text of 1 to 100 characters)', words: words('ignored.noTag') };
  return { kind: 'tagged', tags, addedBy: { type, id: idOrNull(log.triggerId) } };
}

/** The added tags: text only, trimmed, non-empty, at most MAX_TAG_LENGTH characters, each once, at most MAX_ADDED_TAGS. */
export function addedTags(values: unknown[] | undefined): string[] {
  const out: string[] = [];
  for (const v of values ?? []) {
    if (out.length === MAX_ADDED_TAGS) break;
    if (typeof v !== 'string') continue;
    const tag = v.trim();
    if (tag === '' || tag.length > MAX_TAG_LENGTH || out.includes(tag)) continue;
    out.push(tag);
  }
  return out;
}

/** A trigger type (`workflow`, `supportBot`, `manager`...) as it may be stored and shown: anything odd is dropped. */
function triggerTypeOf(t: string | undefined): string | null {
  return t !== undefined && /^[A-Za-z0-9_.-]{1,40}$/.test(t) ? t : null;
}
