// Our webhook as Channel Talk sees it. Channel Talk blocks a webhook after
// 100 failed deliveries in a row and then sends nothing until someone
// unblocks it, so a block means: no chat is answered. The health check reads
// the webhook, says what is wrong and how to fix it; unblockWebhook lifts a
// block through the API (PATCH with `blocked: false`, which the OpenAPI
// document allows but nothing public shows working) and reads it again;
// where the block stays, the fix gives the desk steps.
import { ChannelTalkRejectedError, ChannelTalkUnavailableError, ChannelTalkUnreadableAnswerError } from '../channeltalk/errors.js';
import type { CallOptions } from '../channeltalk/transformers/types.js';
import type { Webhook, WebhookBody, WebhookScope } from '../channeltalk/resources.js';
import type { Curation } from '../curation/types.js';
import { words, type Words } from '../words.js';
import { channelTalkErrorWords, why } from '../channeltalk/error-words.js';
import { scopesNeeded } from './scopes.js';
import { DEFAULT_WEBHOOK_NAME, findOurWebhook, shownUrl } from './setup-plan.js';

export type WebhookState = 'ok' | 'blocked' | 'missing' | 'error';

export interface WebhookHealth {
  /** Our name for the channel (channels.yaml), `default` for the single-channel setup. */
  channel: string;
  state: WebhookState;
  /** Epoch ms. */
  checkedAt: number;
  webhookId?: string;
  /** Epoch ms, as Channel Talk says; also set on a webhook that was blocked once and is not now. */
  lastBlockedAt?: number;
  /** Scopes the loaded curations need that the webhook lacks. */
  missingScopes?: WebhookScope[];
  /** What is the matter, in a sentence (ids only). */
  reason: string;
  /** What to do about it, in a sentence; empty when nothing is wrong. */
  fix: string;
  /** The same two sentences as keys of the console's catalogues (static/messages-*.json), for the console in the operator's language. */
  words?: { reason: Words; fix: Words };
  /** Set by the board: the API refused to unblock this block, so only the desk can (the console shows no Unblock button). */
  unblockRefused?: true;
}

/** The part of the client the health check and the unblock use. */
export interface WebhookApi {
  listWebhooks(q?: { since?: number | undefined; limit?: number }, opts?: CallOptions): Promise<{ webhooks: Webhook[]; next?: number }>;
  getWebhook(id: string, opts?: CallOptions): Promise<Webhook>;
  updateWebhook(id: string, body: WebhookBody, opts?: CallOptions): Promise<Webhook>;
}

export interface HealthDeps {
  client: WebhookApi;
  channel: string;
  /** PUBLIC_WEBHOOK_URL: ours is the webhook with this host and path; without it, the one with `name`. */
  url: string | undefined;
  name: string;
  /** What the loaded curations need (scopes.ts); a webhook lacking one is reported. */
  scopes?: readonly WebhookScope[];
  now: () => number;
  /** For the calls (the service passes priority 'background'). */
  callOptions?: CallOptions;
  /** `--channel NAME` in the commands the fix names, when there are several channels. */
  channelFlag?: string;
}

/**
 * One channel's webhook read as the service reads it (WebhookRuntime, which
 * the webhookHealth job calls) and as `curation doctor` reads it: ours by
 * PUBLIC_WEBHOOK_URL or the default name, with the scopes the channel's
 * curations need.
 */
export function checkChannelWebhook(o: {
  client: WebhookApi;
  channel: string;
  publicUrl: string | undefined;
  curations: readonly Curation[];
  /** Several channels: the fixes name `--channel`. */
  several: boolean;
  now: () => number;
  callOptions?: CallOptions;
}): Promise<WebhookHealth> {
  return checkWebhookHealth({
    client: o.client,
    channel: o.channel,
    url: o.publicUrl,
    name: DEFAULT_WEBHOOK_NAME,
    scopes: scopesNeeded(o.curations).scopes,
    now: o.now,
    ...(o.callOptions ? { callOptions: o.callOptions } : {}),
    ...(o.several ? { channelFlag: o.channel } : {}),
  });
}

/** Pages through GET /webhooks; bounded, a channel has a handful. */
export async function listAllWebhooks(client: WebhookApi, opts: CallOptions = {}, maxPages = 20): Promise<Webhook[]> {
  const all: Webhook[] = [];
  let since: number | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await client.listWebhooks({ limit: 500, since }, opts);
    all.push(...res.webhooks.filter((w) => !all.some((x) => x.id === w.id)));
    if (res.next === undefined || res.next === since) break;
    since = res.next;
  }
  return all;
}

export type { Words };
/** A reason and its fix, in English and as catalogue words. */
type Said = { reason: string; fix: string; words: { reason: Words; fix: Words } };

export async function checkWebhookHealth(deps: HealthDeps): Promise<WebhookHealth> {
  const base = { channel: deps.channel, checkedAt: deps.now() };
  let webhooks: Webhook[];
  try {
    webhooks = await listAllWebhooks(deps.client, deps.callOptions);
  } catch (err) {
    return { ...base, state: 'error', ...unreadable(err) };
  }
  const found = findOurWebhook(webhooks, { url: deps.url, name: deps.name });
  if (!found) return { ...base, state: 'missing', ...missing(deps) };
  const w = found.webhook;
  const ids = { webhookId: w.id, ...(w.lastBlockedAt !== undefined ? { lastBlockedAt: w.lastBlockedAt } : {}) };
  if (w.blocked === true) {
    return {
      ...base,
      ...ids,
      state: 'blocked',
      reason: `Channel Talk has blocked webhook ${w.id}${w.lastBlockedAt !== undefined ? ` since ${new Date(w.lastBlockedAt).toISOString()}` : ''} (after 100 failed deliveries in a row): no chat opened or message written reaches the service`,
      fix: blockedFix(deps.channelFlag),
      words: {
        reason: w.lastBlockedAt !== undefined ? words('webhook.blockedSince', { webhook: w.id, since: w.lastBlockedAt }) : words('webhook.blocked', { webhook: w.id }),
        fix: words('webhook.blockedFix', { command: `curation setup --unblock${deps.channelFlag ? ` --channel ${deps.channelFlag}` : ''}` }),
      },
    };
  }
  const missingScopes = (deps.scopes ?? []).filter((s) => !w.scopes.includes(s));
  if (missingScopes.length > 0) {
    return {
      ...base,
      ...ids,
      state: 'ok',
      missingScopes,
      reason: `webhook ${w.id} lacks the scope${missingScopes.length > 1 ? 's' : ''} ${missingScopes.join(', ')} that the loaded curations need: those deliveries never come`,
      fix: `run \`curation setup${deps.channelFlag ? ` --channel ${deps.channelFlag}` : ''}\` to add ${missingScopes.length > 1 ? 'them' : 'it'}`,
      words: {
        reason: words('webhook.scopes', { webhook: w.id, scopes: missingScopes.join(', ') }),
        fix: words('webhook.scopesFix', { command: `curation setup${deps.channelFlag ? ` --channel ${deps.channelFlag}` : ''}` }),
      },
    };
  }
  return { ...base, ...ids, state: 'ok', reason: `webhook ${w.id} is registered and not blocked`, fix: '' };
}

export function blockedFix(channelFlag?: string): string {
  const flag = channelFlag ? ` --channel ${channelFlag}` : '';
  return `unblock it: run \`curation setup --unblock${flag}\`, press Unblock in the console, or in the desk: Settings > Webhook. Chats opened meanwhile are recovered by the sweep once it is unblocked`;
}

/** Where the API will not unblock it, only the desk can: the steps there (nothing secret in them). */
export function deskFix(webhookId: string, url?: string): string {
  const which = url === undefined ? `webhook ${webhookId}` : `webhook ${webhookId} (${shownUrl(url)})`;
  return `Channel Talk did not lift the block through the API. In the desk: Settings > Webhook, open ${which} and unblock it there; the service notices at its next health check and sweeps the chats opened meanwhile`;
}

export type UnblockResult =
  | { outcome: 'unblocked'; webhook: Webhook }
  | { outcome: 'not_blocked'; webhook: Webhook }
  /** Channel Talk answered, and the webhook is still blocked: the desk it is. */
  | ({ outcome: 'refused'; status: number | null } & Said)
  /** words: absent only where the runtime passes on a health without them. */
  | { outcome: 'error'; reason: string; fix: string; words?: Said['words'] };

/** deskFix's words: the same steps, for the console. */
export function deskFixWords(webhookId: string, url?: string): Words {
  return url === undefined ? words('webhook.deskFix', { webhook: webhookId }) : words('health.deskFixUrl', { webhook: webhookId, url: shownUrl(url) });
}

/**
 * PATCH the webhook as it is, with `blocked: false`, then read it again:
 * nothing public shows that the PATCH lifts a block, so only a fresh read
 * that says `blocked: false` counts as unblocked.
 */
export async function unblockWebhook(deps: { client: WebhookApi; webhookId: string; callOptions?: CallOptions }): Promise<UnblockResult> {
  const { client, webhookId } = deps;
  try {
    const w = await client.getWebhook(webhookId, deps.callOptions);
    if (w.blocked !== true) return { outcome: 'not_blocked', webhook: w };
    await client.updateWebhook(
      webhookId,
      {
        name: w.name,
        url: w.url,
        // Sent back as Channel Talk gave them: unblocking changes nothing else.
        scopes: w.scopes as WebhookScope[],
        apiVersion: w.apiVersion ?? 'v5',
        blocked: false,
        ...(w.keywords && w.keywords.length > 0 ? { keywords: w.keywords } : {}),
      },
      deps.callOptions,
    );
    const after = await client.getWebhook(webhookId, deps.callOptions);
    if (after.blocked === true) {
      return {
        outcome: 'refused',
        status: null,
        reason: `Channel Talk answered PATCH /webhooks/${webhookId}, but read again the webhook is still blocked`,
        fix: deskFix(webhookId, w.url),
        words: { reason: words('health.stillBlocked', { webhook: webhookId }), fix: deskFixWords(webhookId, w.url) },
      };
    }
    return { outcome: 'unblocked', webhook: after };
  } catch (err) {
    if (err instanceof ChannelTalkRejectedError) {
      return {
        outcome: 'refused',
        status: err.status,
        reason: `Channel Talk refused to unblock webhook ${webhookId} (HTTP ${err.status})`,
        fix: deskFix(webhookId),
        words: { reason: words('health.unblockRefused', { webhook: webhookId, status: err.status }), fix: deskFixWords(webhookId) },
      };
    }
    return { outcome: 'error', ...unreadable(err) };
  }
}

function missing(deps: HealthDeps): { reason: string; fix: string; words: { reason: Words; fix: Words } } {
  const flag = deps.channelFlag ? ` --channel ${deps.channelFlag}` : '';
  const command = `curation setup${flag}`;
  if (deps.url === undefined) {
    return {
      reason: `no webhook named "${deps.name}" in Channel Talk, and PUBLIC_WEBHOOK_URL is not set to find ours by its URL`,
      fix: `set PUBLIC_WEBHOOK_URL to this service's webhook URL and run \`curation setup${flag}\``,
      words: { reason: words('webhook.missingNoUrl', { name: deps.name }), fix: words('webhook.missingNoUrlFix', { command }) },
    };
  }
  return {
    reason: `no webhook in Channel Talk points at ${shownUrl(deps.url)} or is named "${deps.name}": Channel Talk sends this service nothing`,
    fix: `run \`curation setup${flag}\` to register it`,
    words: { reason: words('webhook.missing', { url: shownUrl(deps.url), name: deps.name }), fix: words('webhook.missingFix', { command }) },
  };
}

function unreadable(err: unknown): Said {
  const apiUrlFix = { fix: 'check CHANNELTALK_API_URL; if it lasts, read the webhook in the desk (Settings > Webhook)', words: words('health.apiUrlFix') };
  const said = (reason: string, reasonWords: Words, fix: { fix: string; words: Words }): Said => ({ reason, fix: fix.fix, words: { reason: reasonWords, fix: fix.words } });
  if (err instanceof ChannelTalkUnreadableAnswerError) {
    return said(err.message, channelTalkErrorWords(err), { fix: "check CHANNELTALK_API_URL (a proxy answering in Channel Talk's place?); if it lasts, read the webhook in the desk (Settings > Webhook)", words: words('health.proxyFix') });
  }
  if (err instanceof ChannelTalkRejectedError) {
    return err.status === 401 || err.status === 403
      ? said(`Channel Talk refused the credentials (HTTP ${err.status}) when reading the webhooks`, words('health.credentials', { status: err.status }), { fix: 'check the access key and secret (desk: Settings > API key); `curation doctor` says which', words: words('health.credentialsFix') })
      : said(`Channel Talk answered HTTP ${err.status} to GET /webhooks`, words('health.answered', { status: err.status }), apiUrlFix);
  }
  if (err instanceof ChannelTalkUnavailableError) {
    const fix = { fix: 'nothing, if it passes: the next check tries again; if it lasts, check CHANNELTALK_API_URL and the network', words: words('health.unavailableFix') };
    return err.status !== undefined
      ? said(`could not read the webhooks from Channel Talk (${err.reason} HTTP ${err.status})`, words('health.unreachableStatus', { reason: why(err.reason), status: err.status }), fix)
      : said(`could not read the webhooks from Channel Talk (${err.reason})`, words('health.unreachable', { reason: why(err.reason) }), fix);
  }
  const message = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
  return said(`could not read the webhooks: ${message}`, words('health.unknown', { message }), { fix: 'if it lasts, read the webhook in the desk (Settings > Webhook)', words: words('health.deskReadFix') });
}
