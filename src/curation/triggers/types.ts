// What one trigger kind is: the keys it adds to `trigger:`, how an event of
// its kind is matched, the webhook scope its events come on, and how the
// console describes it. The registry (registry.ts) holds one entry per kind.
import type { z } from 'zod';
import type { Event } from '../../channeltalk/event.js';
import type { WebhookScope } from '../../channeltalk/webhook-scopes.js';
import type { CurationFileError } from '../load-errors.js';
import type { Trigger } from '../types.js';
import type { Words } from '../../words.js';
import type { TriggerKind } from './registry.js';

/** The event a trigger of kind K is matched against. */
export type TriggerEvent<K extends TriggerKind> = Extract<Event, { kind: K }>;

/** What an entry's compile() gives: its part of the public Trigger, and its own condition on the event. */
export interface KindTrigger {
  /** The kind's own fields of the public Trigger (plain data for the console and logs). */
  fields: Partial<Pick<Trigger, 'keywords' | 'match' | 'tags'>>;
  /** The kind's own condition (it checks the event's kind itself, so TypeScript knows its fields); the common ones (kind, sources, chat tags) are checked by the registry. */
  matches(event: Event): boolean;
}

export interface TriggerKindEntry<K extends TriggerKind, S extends z.ZodRawShape = z.ZodRawShape> {
  kind: K;
  /** One line for the JSON Schema and the docs: what starts it. */
  description: string;
  /** Keys only this kind takes, beside `on` and the common ones (supportBots, workflows, chatTags). */
  keys: S;
  /** The webhook scopes its events are delivered on. */
  scopes: readonly WebhookScope[];
  /** Checks the kind's own keys for meaning (errors are pushed, with their path) and builds its condition. */
  compile(file: z.infer<z.ZodObject<S>>, errors: CurationFileError[]): KindTrigger;
  /** The kind's own part of the trigger's description (the common parts are the registry's), e.g. `keywords 선물 (exact)`. */
  describe(trigger: Trigger): string[];
  /** The same parts as catalogue keys (`trigger.*`), for the console in the operator's language; their English is describe()'s. */
  words(trigger: Trigger): Words[];
}
