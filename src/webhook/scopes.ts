// The webhook scopes the loaded curations need: what starts them (their
// trigger) and what stops them (their takeover events). Exhaustive over both
// kinds, so a new trigger cannot be added without saying which deliveries it
// needs.
import type { WebhookScope } from '../channeltalk/resources.js';
import { WEBHOOK_SCOPES } from '../channeltalk/resources.js';
import type { Curation, TakeoverEventKind, TriggerKind } from '../curation/types.js';

export function triggerScopes(kind: TriggerKind): WebhookScope[] {
  switch (kind) {
    case 'chatOpened':
      return ['userChat.opened'];
    case 'userMessage':
      // Keywords are matched by us, on every customer message.
      return ['message.created.userChat'];
  }
}

export function takeoverScopes(kind: TakeoverEventKind): WebhookScope[] {
  switch (kind) {
    case 'managerMessage':
      return ['message.created.userChat'];
    // Channel Talk documents no scope of its own for a chat closed or
    // assigned: they reach us as user chat deliveries (event update/delete),
    // and userChat.opened is the only user chat scope there is.
    case 'chatClosed':
    case 'chatAssigned':
      return ['userChat.opened'];
  }
}

export interface NeededScopes {
  /** In the order of the OpenAPI document's enumeration. */
  scopes: WebhookScope[];
  /** Per scope, which curation needs it and why (`diet-main: trigger chatOpened`), for `curation setup` to print. */
  why: Partial<Record<WebhookScope, string[]>>;
}

/** Every loaded curation counts, enabled or not: enabling one must not need another setup. */
export function scopesNeeded(curations: readonly Curation[]): NeededScopes {
  const why: Partial<Record<WebhookScope, string[]>> = {};
  const add = (scope: WebhookScope, reason: string): void => {
    const list = (why[scope] ??= []);
    if (!list.includes(reason)) list.push(reason);
  };
  for (const c of curations) {
    for (const s of triggerScopes(c.trigger.on)) add(s, `${c.id}: trigger ${c.trigger.on}`);
    for (const k of c.takeover.cancelOn) for (const s of takeoverScopes(k)) add(s, `${c.id}: stops on ${k}`);
  }
  return { scopes: WEBHOOK_SCOPES.filter((s) => why[s] !== undefined), why };
}
