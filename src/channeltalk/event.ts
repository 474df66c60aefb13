// The normalized Event: the one shape the rest of the service sees, whatever
// envelope reading Channel Talk used. Only channeltalk/ knows the wire format.
import type { Words } from '../words.js';

export type EventKind =
  | 'chatOpened'
  | 'userMessage'
  | 'managerMessage'
  | 'botMessage'
  | 'chatClosed'
  | 'chatAssigned'
  | 'profileChanged'
  | 'chatTagged'
  | 'ignored';

/** Survey answers and standard keys exactly as Channel Talk delivered them (unchecked). */
export type RawProfile = Record<string, unknown>;

/** A user's profile as the curations read it: the profile's keys, and the user's name when the profile has none. */
export function profileWithName(user: { name?: string | undefined; profile?: Record<string, unknown> | undefined }): RawProfile {
  const profile: RawProfile = { ...(user.profile ?? {}) };
  if (profile.name === undefined && user.name !== undefined) profile.name = user.name;
  return profile;
}

/** Longest customer name kept with a run: a name, not a text. */
export const CUSTOMER_NAME_MAX = 100;

/** The customer's name in a profile (profileWithName's `name`), trimmed and bounded; null when it has none. Never log it. */
export function customerName(profile: RawProfile | null): string | null {
  const name = profile?.name;
  if (typeof name !== 'string') return null;
  const trimmed = Array.from(name.trim()).slice(0, CUSTOMER_NAME_MAX).join('');
  return trimmed === '' ? null : trimmed;
}

/** `source.workflow` of a user chat: which workflow started it, and the sections it went through. */
export interface WorkflowSource {
  id: string;
  sectionPath: string[];
}

interface EventBase {
  /**
   * Event kind plus the entity's own id: Channel Talk has no delivery id.
   * Unique only within a channel: Intake.accept stores it, and derives the
   * event's and runs' ids from it, as `<channelId>/<key>` (delivery/ids.ts).
   */
  dedupeKey: string;
  channelId: string | null;
  chatId: string | null;
  userId: string | null;
  /** The user chat's tags, from the entity or from refers.userChat. */
  chatTags: string[];
  /** The support bot the chat came from, when the delivery says. */
  supportBotId: string | null;
  /** The workflow that started the chat, when the delivery says. Absent on events built before workflows were read. */
  workflow?: WorkflowSource | null;
  /** refers.user.profile (with refers.user.name as `name` when the profile lacks it); null when absent. */
  profile: RawProfile | null;
  /** The customer's language as the payload gives it (`ko`, `en`, ...), null when absent. */
  language: string | null;
  /** When Channel Talk says it happened (epoch ms), if it says. */
  occurredAt: number | null;
  /** Set when the missed-delivery sweep found it in the chat list: its delivery never came. */
  recoveredBy?: 'sweep';
}

export interface ChatOpenedEvent extends EventBase {
  kind: 'chatOpened';
  chatId: string;
}
export interface UserMessageEvent extends EventBase {
  kind: 'userMessage';
  chatId: string;
  messageId: string;
  /** Plain text of the message; never log it. */
  text: string;
}
export interface ManagerMessageEvent extends EventBase {
  kind: 'managerMessage';
  chatId: string;
  messageId: string;
  personId: string | null;
}
export interface BotMessageEvent extends EventBase {
  kind: 'botMessage';
  chatId: string;
  messageId: string;
  personId: string | null;
}
export interface ChatClosedEvent extends EventBase {
  kind: 'chatClosed';
  chatId: string;
}
export interface ChatAssignedEvent extends EventBase {
  kind: 'chatAssigned';
  chatId: string;
  assigneeId: string | null;
}
/**
 * The customer's profile changed: the answer to a form a run asked with may
 * be in it. Two deliveries say so. The dependable one is the user's upsert
 * (`member.upserted.contact`, `lead.upserted.contact`: the entity is the
 * User, with its whole profile), since a form's inputs are bound to
 * `user.profile.*` and Channel Talk writes the answers straight into the
 * profile. The other is the update of the form's message (`form.submittedAt`
 * set), which no documented scope promises but has been seen; it carries the
 * chat and the bound keys.
 */
export interface ProfileChangedEvent extends EventBase {
  kind: 'profileChanged';
  userId: string;
  via: 'userUpsert' | 'formSubmitted';
  /** For a submitted form, the profile keys its inputs write (`user.profile.<key>`); empty for an upsert. Keys only: the answers are health data. */
  keys: string[];
}
/**
 * Tags were added to an open user chat by a support bot or a Workflow. No
 * webhook scope delivers a chat's tags; this is the log message such a tag
 * leaves (`log.action: addTags`, personType bot), delivered on
 * `message.created.userChat`. A tag a manager adds in the desk is not one
 * (channeltalk/tags.ts says why).
 */
export interface ChatTaggedEvent extends EventBase {
  kind: 'chatTagged';
  chatId: string;
  /** The log message's id: the dedupe key is `chatTagged:<messageId>`. */
  messageId: string;
  /** The tags the log says were added (`log.values`), bounded (channeltalk/tags.ts). */
  tags: string[];
  /** Who added them, as the log names it (`log.triggerType`, `log.triggerId`), null where it does not. */
  addedBy: { type: string | null; id: string | null };
}
export interface IgnoredEvent extends EventBase {
  kind: 'ignored';
  /** Why we do not act on it, for the operator. */
  reason: string;
  /** The same as catalogue words (`ignored.*`), for the console in the operator's language; none for a delivery that could not be read (the parser's own sentence). */
  words?: Words;
  /** Set when the delivery lacks what acting needs (an id, or an id that is not one): logged as a warning. */
  unusable?: true;
}

export type Event =
  | ChatOpenedEvent
  | UserMessageEvent
  | ManagerMessageEvent
  | BotMessageEvent
  | ChatClosedEvent
  | ChatAssignedEvent
  | ProfileChangedEvent
  | ChatTaggedEvent
  | IgnoredEvent;

/** Events that mean a human took over the chat: running sequences stop. */
export function isTakeover(e: Event): e is ManagerMessageEvent | ChatClosedEvent | ChatAssignedEvent {
  return e.kind === 'managerMessage' || e.kind === 'chatClosed' || e.kind === 'chatAssigned';
}
