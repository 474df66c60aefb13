// Every trigger kind, one entry each (chat-opened.ts, user-message.ts,
// chat-tagged.ts). The
// schema of `trigger:`, matching, the webhook scopes a set of curations needs
// and the trigger's description are all derived from this table, so adding a
// kind is one entry (and the event that it starts on, in channeltalk/event.ts).
import { z } from 'zod';
import type { Event, EventKind } from '../../channeltalk/event.js';
import type { WebhookScope } from '../../channeltalk/webhook-scopes.js';
import { CurationFileError, said, type Said } from '../load-errors.js';
import type { TakeoverEventKind, Trigger } from '../types.js';
import { chatOpened } from './chat-opened.js';
import { userMessage } from './user-message.js';
import { chatTagged } from './chat-tagged.js';
import { COMMON_KEYS, compileSource, describeSource, sourceWords } from './source.js';
import { words, type Words } from '../../words.js';
import type { TriggerEvent, TriggerKindEntry } from './types.js';

export type TriggerKind = 'chatOpened' | 'userMessage' | 'chatTagged';

/** The registry; TypeScript refuses it without an entry for every kind. */
export const TRIGGER_KINDS: { readonly [K in TriggerKind]: TriggerKindEntry<K> } = { chatOpened, userMessage, chatTagged };

// Every trigger kind must be an event kind that normalize() produces.
const _kindsAreEvents: TriggerKind extends EventKind ? true : never = true;

const KIND_NAMES = Object.keys(TRIGGER_KINDS) as [TriggerKind, ...TriggerKind[]];
const entries = (): Array<TriggerKindEntry<TriggerKind>> => Object.values(TRIGGER_KINDS);

/** The events that stop a running sequence come on these scopes. A close or an assignment is a user chat delivery, and `userChat.opened` is the only user chat scope the document lists. */
export const TAKEOVER_SCOPES: { readonly [K in TakeoverEventKind]: readonly WebhookScope[] } = {
  managerMessage: ['message.created.userChat'],
  chatClosed: ['userChat.opened'],
  chatAssigned: ['userChat.opened'],
};

/**
 * A curation that asks in the chat (`fallback.ask`) hears the answer on the
 * user's contact upsert: the form's inputs write straight into the profile,
 * and the customer may be a lead (not signed in) or a member. No documented
 * scope carries the update of the form's message, so none is asked for it.
 */
export const ANSWER_SCOPES: readonly WebhookScope[] = ['lead.upserted.contact', 'member.upserted.contact'];

/** Every kind's own keys, side by side. */
const KIND_KEYS: z.ZodRawShape = Object.fromEntries(entries().flatMap((e) => Object.entries(e.keys)));

/** `trigger:` in a curation file: `on`, the common keys, and every kind's own keys (a key of another kind is refused by compileTrigger, with a sentence). */
export const TriggerFileSchema = z.strictObject({
  on: z
    .enum(KIND_NAMES, { error: `must be one of ${KIND_NAMES.join(', ')}` })
    .meta({ description: entries().map((e) => `${e.kind}: ${e.description}`).join('; ') }),
  ...COMMON_KEYS,
  ...KIND_KEYS,
});
export type TriggerFile = z.infer<typeof TriggerFileSchema>;

export interface CompiledTrigger {
  trigger: Trigger;
  /** Whether `event` starts the curation (its kind, sources, tags and the kind's own condition). */
  matches(event: Event): boolean;
}

export function compileTrigger(file: TriggerFile, errors: CurationFileError[]): CompiledTrigger {
  return compileKind(TRIGGER_KINDS[file.on], file, errors);
}

function compileKind<K extends TriggerKind>(entry: TriggerKindEntry<K>, file: TriggerFile, errors: CurationFileError[]): CompiledTrigger {
  for (const key of Object.keys(file)) {
    if (key === 'on' || key in COMMON_KEYS || key in entry.keys) continue;
    errors.push(new CurationFileError(['trigger', key], otherKindsKey(key, entry.kind)));
  }
  const source = compileSource(file, errors);
  const own = entry.compile(file, errors);
  const trigger: Trigger = { on: entry.kind, ...source.fields, keywords: [], match: 'exact', tags: [], ...own.fields };
  return {
    trigger,
    matches: (event) => event.kind === entry.kind && source.matches(event) && own.matches(event),
  };
}

function otherKindsKey(key: string, kind: TriggerKind): string | Said {
  const owners = entries().filter((e) => key in e.keys);
  const [only] = owners;
  // No key belongs to two kinds today, so this sentence has no catalogue key.
  if (owners.length !== 1 || only === undefined) return `'${key}' only applies to ${owners.map((e) => e.kind).join(' and ')} triggers`;
  const keys = Object.keys(only.keys);
  const last = keys.pop();
  const owner = only.kind;
  if (last === undefined || keys.length === 0) return said('check.triggerKeyOtherKind', { key, kind, owner }, `'${key}' is not for ${kind} triggers: ${key} only applies to ${owner} triggers`);
  const others = keys.join(', ');
  return said('check.triggerKeysOtherKind', { key, kind, others, last, owner }, `'${key}' is not for ${kind} triggers: ${others} and ${last} only apply to ${owner} triggers`);
}

/** The trigger gate: only events of a registered kind start a curation (an update, an assignment or a manager's message never does). */
export function startsCuration(event: Event): event is TriggerEvent<TriggerKind> {
  return Object.hasOwn(TRIGGER_KINDS, event.kind);
}

/** `on userMessage · support bots 43684 · keywords 선물 (exact)`: the console's and `curation check`'s line. */
export function describeTrigger(t: Trigger): string {
  return [`on ${t.on}`, ...describeSource(t), ...TRIGGER_KINDS[t.on].describe(t)].join(' · ');
}

/** describeTrigger's parts as catalogue keys (`trigger.*`), which the console's curations list shows in the operator's language. */
export function triggerWords(t: Trigger): Words[] {
  return [words(`trigger.on.${t.on}`), ...sourceWords(t), ...TRIGGER_KINDS[t.on].words(t)];
}
