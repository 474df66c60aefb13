// The webhook scopes the loaded curations need, with why: what starts them
// (their trigger) and what stops them (their takeover events). The scopes of
// each kind are the trigger registry's (curation/triggers/registry.ts), whose
// tables are typed over every kind: a new trigger cannot be added without
// saying which deliveries it needs.
import type { WebhookScope } from '../channeltalk/resources.js';
import { WEBHOOK_SCOPES } from '../channeltalk/resources.js';
import type { Curation, TakeoverEventKind, TriggerKind } from '../curation/types.js';
import { ANSWER_SCOPES, TAKEOVER_SCOPES, TRIGGER_KINDS } from '../curation/triggers/registry.js';

/** What a trigger kind needs: the registry's entry says it (curation/triggers/). */
export function triggerScopes(kind: TriggerKind): readonly WebhookScope[] {
  return TRIGGER_KINDS[kind].scopes;
}

/** What a takeover event needs, from the same registry. */
export function takeoverScopes(kind: TakeoverEventKind): readonly WebhookScope[] {
  return TAKEOVER_SCOPES[kind];
}

export interface NeededScopes {
  /** In the order of the OpenAPI document's enumeration. */
  scopes: WebhookScope[];
  /** Per scope, the curations it starts (their trigger), stops (their takeover events) and brings answers to (`fallback.ask`), for `curation setup` to print. */
  why: Partial<Record<WebhookScope, { starts: string[]; stops: string[]; answers: string[] }>>;
}

/** Every loaded curation counts, enabled or not: enabling one must not need another setup. */
export function scopesNeeded(curations: readonly Curation[]): NeededScopes {
  const why: NeededScopes['why'] = {};
  const add = (scope: WebhookScope, role: 'starts' | 'stops' | 'answers', id: string): void => {
    const entry = (why[scope] ??= { starts: [], stops: [], answers: [] });
    if (!entry[role].includes(id)) entry[role].push(id);
  };
  for (const c of curations) {
    for (const s of triggerScopes(c.trigger.on)) add(s, 'starts', c.id);
    for (const k of c.takeover.cancelOn) for (const s of takeoverScopes(k)) add(s, 'stops', c.id);
    if (c.ask) for (const s of ANSWER_SCOPES) add(s, 'answers', c.id);
  }
  return { scopes: WEBHOOK_SCOPES.filter((s) => why[s] !== undefined), why };
}

/** `userChat.opened (starts diet-main; stops diet-gift, diet-main)`. */
export function describeScope(needed: NeededScopes, scope: WebhookScope): string {
  const w = needed.why[scope];
  const parts = [
    w?.starts.length ? `starts ${w.starts.join(', ')}` : null,
    w?.stops.length ? `stops ${w.stops.join(', ')}` : null,
    w?.answers.length ? `brings the answers ${w.answers.join(', ')} asks for` : null,
  ].filter((p) => p !== null);
  return `${scope} (${parts.join('; ')})`;
}
