// What `curation setup` changes in Channel Talk, as a pure function of the
// webhooks the channel has and the one we want. Ours is found by its URL
// (host and path; the query is ignored, so an old registration with
// ?token= in it is found too) or else by its name, and is updated: setup
// never makes a second one. Run again, the plan is `none`.
//
// The token is not ours to set: Channel Talk makes it and appends ?token= to
// the URL it calls. The URL we register therefore holds nothing secret, and
// the token is read back after setup (see cli/setup.ts).
import { WEBHOOK_SCOPES, type Webhook, type WebhookBody, type WebhookScope } from '../channeltalk/resources.js';

export const DEFAULT_WEBHOOK_NAME = 'channeltalk-curation';
export const WEBHOOK_API_VERSION = 'v5';

export interface WebhookSetupInput {
  /** Every webhook of the channel, as GET /webhooks lists them. */
  existing: Webhook[];
  url: string;
  name: string;
  scopes: WebhookScope[];
  /** Lift a block Channel Talk put on it (PATCH blocked: false). */
  unblock: boolean;
}

interface PlanBase {
  /** The whole webhook.Webhook to send (PATCH takes the whole body). */
  body: WebhookBody;
  /** Each change in plain words; empty for `none`. */
  changes: string[];
  /** What the operator should know but setup does not change (a block, duplicates, a keyword filter). */
  warnings: string[];
}

export type WebhookSetupPlan =
  | (PlanBase & { action: 'create' })
  | (PlanBase & { action: 'update' | 'none'; webhookId: string; existing: Webhook });

export interface FoundWebhook {
  webhook: Webhook;
  by: 'url' | 'name';
  /** Other webhooks that point at the same URL (left alone). */
  others: Webhook[];
}

/** Ours among the channel's webhooks: by URL (host and path), else by name. Without a URL, by name only. */
export function findOurWebhook(existing: readonly Webhook[], want: { url: string | undefined; name: string }): FoundWebhook | null {
  const key = want.url === undefined ? null : endpointKey(want.url);
  const byUrl = key === null ? [] : existing.filter((w) => endpointKey(w.url) === key);
  if (byUrl.length > 0) {
    const webhook = byUrl.find((w) => w.name === want.name) ?? byUrl[0]!;
    return { webhook, by: 'url', others: byUrl.filter((w) => w !== webhook) };
  }
  const byName = existing.find((w) => w.name === want.name);
  return byName ? { webhook: byName, by: 'name', others: [] } : null;
}

export function planWebhookSetup(input: WebhookSetupInput): WebhookSetupPlan {
  const scopes = WEBHOOK_SCOPES.filter((s) => input.scopes.includes(s));
  const found = findOurWebhook(input.existing, { url: input.url, name: input.name });
  if (!found) {
    return {
      action: 'create',
      body: { name: input.name, url: input.url, scopes, apiVersion: WEBHOOK_API_VERSION },
      changes: [`create a webhook "${input.name}" for ${shownUrl(input.url)} with scopes ${scopes.join(', ')}`],
      warnings: [],
    };
  }
  const w = found.webhook;
  const unblocking = input.unblock && w.blocked === true;
  const body: WebhookBody = {
    name: input.name,
    url: input.url,
    scopes,
    apiVersion: WEBHOOK_API_VERSION,
    // Said explicitly either way: should the API read a missing `blocked` as false, an update must not unblock by accident.
    blocked: unblocking ? false : (w.blocked ?? false),
    ...(w.keywords && w.keywords.length > 0 ? { keywords: [...w.keywords] } : {}),
  };
  const changes = [
    ...(w.url !== input.url ? [`url: ${shownUrl(w.url)} → ${shownUrl(input.url)}`] : []),
    ...(w.name !== input.name ? [`name: "${w.name}" → "${input.name}"`] : []),
    ...scopeChanges(w.scopes, scopes),
    ...(w.apiVersion !== WEBHOOK_API_VERSION ? [`apiVersion: ${w.apiVersion ?? '(none)'} → ${WEBHOOK_API_VERSION}`] : []),
    ...(unblocking ? [`blocked: unblock it (${blockedSince(w)})`] : []),
  ];
  const warnings = [
    ...found.others.map((o) => `webhook ${o.id} also points at this URL ("${o.name}"); it is left alone: delete it in the desk (Settings > Webhook) or every delivery comes twice`),
    ...(w.blocked === true && !input.unblock
      ? [`the webhook is ${blockedSince(w)}: no deliveries arrive. Run again with --unblock, or unblock it in the desk (Settings > Webhook)`]
      : []),
    ...(w.keywords && w.keywords.length > 0
      ? [`the webhook has a keyword filter (deprecated): only messages with those words are delivered, so other customer and manager messages never reach us. Remove it in the desk (Settings > Webhook)`]
      : []),
  ];
  return { action: changes.length === 0 ? 'none' : 'update', webhookId: w.id, existing: w, body, changes, warnings };
}

/** Why a URL cannot be registered, or null. It must be http(s) and carry no secret. */
export function webhookUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `'${url.slice(0, 80)}' is not a URL: give the full address, e.g. https://curation.example.com/webhooks/channeltalk`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'the webhook URL must be http(s), e.g. https://curation.example.com/webhooks/channeltalk';
  if (u.username !== '' || u.password !== '') return 'the webhook URL must not hold a user name or password';
  if (u.searchParams.has('token')) return 'the webhook URL must not carry the token: Channel Talk appends ?token= itself; register the URL without it';
  return null;
}

function scopeChanges(have: readonly string[], want: readonly WebhookScope[]): string[] {
  const add = want.filter((s) => !have.includes(s));
  const remove = have.filter((s) => !(want as readonly string[]).includes(s));
  return [...(add.length ? [`scopes: add ${add.join(', ')}`] : []), ...(remove.length ? [`scopes: remove ${remove.join(', ')}`] : [])];
}

function blockedSince(w: Webhook): string {
  return w.lastBlockedAt !== undefined ? `blocked by Channel Talk since ${new Date(w.lastBlockedAt).toISOString()}` : 'blocked by Channel Talk';
}

/** Host (lower case) and path without trailing slashes: how two registrations of one endpoint compare. */
function endpointKey(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/** A URL as it may be printed: query values (an old ?token=) hidden. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.search === '') return url;
    const keys = [...u.searchParams.keys()];
    return `${u.origin}${u.pathname}?${keys.map((k) => `${encodeURIComponent(k)}=[hidden]`).join('&')}`;
  } catch {
    const q = url.indexOf('?');
    const bare = q === -1 ? url : `${url.slice(0, q)}?[hidden]`;
    return bare.length > 80 ? `${bare.slice(0, 80)}…` : bare;
  }
}

/**
 * The same registration by hand, for when the API fails (POST /webhooks has
 * been seen answering 500): the desk steps, each a line. The URL is shown
 * without its query, and no token: the desk shows the webhook's own token.
 */
export function deskSteps(input: { url: string; name: string; scopes: readonly WebhookScope[]; tokenWhere: string }): string[] {
  const bare = bareUrl(input.url);
  return [
    'do it in the desk instead:',
    `  1. Settings > Webhook: add a webhook, or open the one for ${bare} if it is there`,
    `  2. name: ${input.name}`,
    `  3. URL: ${bare}   (without ?token=: Channel Talk appends its token itself)`,
    `  4. scopes to tick: ${input.scopes.join(', ')}`,
    `  5. save; copy the webhook's token from the desk into ${input.tokenWhere} and restart the service`,
    '  then run `curation setup` again to check it',
  ];
}

function bareUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return shownUrl(url);
  }
}
