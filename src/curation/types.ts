// What a loaded curation looks like to the rest of the service. The compiled
// machinery (closures, parsed templates) is kept out of this object, in
// internals.ts, so a Curation can be logged or sent to the console as JSON.
import type { Value } from './plan-types.js';
import type { TriggerKind } from './triggers/registry.js';

export type { TriggerKind };

export type FieldType = 'number' | 'text' | 'option' | 'list' | 'boolean';

/** What the console calls a field or a value (`label:`): one text, or one per console language. */
export type Label = string | { ko?: string | undefined; en?: string | undefined };

export interface FieldOption {
  /** The key expressions and templates see, e.g. `lose5plus`. */
  key: string;
  /** The survey labels that mean it, as written in the file. */
  labels: string[];
}

/** One answer the curation reads: enough for a console simulator to build a form. */
export interface FieldSpec {
  /** Name in expressions and templates. */
  name: string;
  /** Key in the Channel Talk profile (usually the same as name). */
  key: string;
  type: FieldType;
  label: Label | null;
  unit: string | null;
  min: number | null;
  max: number | null;
  required: boolean;
  /** A boolean that must be true before the curation uses the profile at all. */
  consent: boolean;
  /** option/list fields. */
  options: FieldOption[];
  /** Option key for any other answer, or null when other answers are a problem (option) or dropped (list). */
  otherwise: string | null;
  /** text fields: longer answers are cut to this many characters. */
  maxLength: number | null;
  /** text fields: a regular expression (RE2 syntax) the answer must contain a match of; null for none. */
  pattern: string | null;
}

export interface WorkflowRef {
  id: string;
  sections: string[];
}

export interface Trigger {
  on: TriggerKind;
  /** Support bot ids; empty = any (or none). */
  supportBots: string[];
  /** Workflows, each with the sections the chat must have gone through (empty = any section). */
  workflows: WorkflowRef[];
  /** The chat must carry at least one of these; empty = no condition. */
  chatTags: string[];
  /** userMessage: the message must be one of these (synonyms); empty for chatOpened. */
  keywords: string[];
  match: 'exact' | 'contains';
  /** chatTagged: one of these must be among the tags added (as written); empty for the other kinds. */
  tags: string[];
}

export type TakeoverEventKind = 'managerMessage' | 'chatClosed' | 'chatAssigned';
/** What the chat read before each message can find (no webhook delivers these): each may stop a run. */
export const CHAT_CHECK_STOPS = ['closed', 'snoozed', 'assigned', 'team'] as const;
export type ChatCheckStop = (typeof CHAT_CHECK_STOPS)[number];

export interface Curation {
  id: string;
  /** The file it was loaded from (as found under the curations directory). */
  file: string;
  /** The stored version it was compiled from (src/versions/); absent when loaded straight from files (check, preview). */
  version?: { id: string; number: number };
  title?: string;
  description?: string;
  /** A disabled curation is loaded and previewable but never matched. */
  enabled: boolean;
  trigger: Trigger;
  limits: { oncePerChat: boolean; cooldownMs: number | null };
  /** cancelOn: the events that stop a run; onChatRead: what the chat read before each message stops it on (empty: no read). */
  takeover: { cancelOn: TakeoverEventKind[]; onChatRead: ChatCheckStop[] };
  /** True when the curation reads profile fields: delivery fetches the user when the webhook lacks them. */
  needsProfile: boolean;
  fields: FieldSpec[];
  defaultLanguage: string;
  languages: string[];
  /** IANA time zone of weekday(), hour(), … in its expressions (`timezone:`, default Asia/Seoul). */
  timezone: string;
  /** Names of the computed values, in order. */
  valueNames: string[];
  /** The computed values' labels (`{expr, label}`), by name; a value without one is absent. */
  valueLabels: Record<string, Label>;
  settings: Record<string, Value>;
  hasFallback: boolean;
  hasConsentFallback: boolean;
  /**
   * `fallback.ask`: the answers it asks for in the chat (field names) and its
   * own wait (null: the service's ANSWER_WAIT_MINUTES). Null when it does not ask.
   */
  ask: { waitMs: number | null; fields: string[] } | null;
  /** Number of messages in the sequence as written (some may be conditional). */
  messageCount: number;
  /** Computed value name → Channel Talk profile key, written after the sequence completes. Empty: no write-back. */
  writeBack: Record<string, string>;
  /** The user event recorded in Channel Talk after the sequence completes, as the file writes it; null for none. */
  userEvent: { name: string; property: Record<string, string | number | boolean> } | null;
}

export interface CurationSet {
  curations: Curation[];
  byId(id: string): Curation | undefined;
}
