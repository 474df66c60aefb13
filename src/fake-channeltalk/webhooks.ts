// The fake's webhooks: registered through /open/v5/webhooks like the real
// ones, and called like the real ones when a chat opens or a user writes.
// Channel Talk blocks a webhook after 100 failed deliveries in a row and
// documents no retry, so the fake does the same; it can also drop deliveries
// on purpose, to show what an outage looks like from the receiving side.
import { randomBytes } from 'node:crypto';
import type { SpecWebhookBody } from './spec.js';
import { mulberry32 } from './seeded-random.js';

export type WebhookScope = SpecWebhookBody['scopes'][number];

export interface FakeWebhook {
  id: string;
  channelId: string;
  name: string;
  url: string;
  token: string;
  scopes: WebhookScope[];
  keywords?: string[];
  apiVersion: string;
  blocked: boolean;
  lastBlockedAt?: number;
  createdAt: number;
  /** Not part of the API: failures in a row since the last success. */
  failuresInARow: number;
}

export interface DeliveryRecord {
  webhookId: string;
  scope: WebhookScope;
  /** The entity's id (chat or message or user), to tell deliveries apart in tests. */
  entityId: string;
  /** HTTP status, null for a network error, 'dropped' when the fake left it on the floor. */
  outcome: number | null | 'dropped';
  at: number;
}

export interface DeliveryConfig {
  /** Share of deliveries dropped on purpose, 0..1. */
  dropRatio: number;
  /** Failures in a row after which a webhook is blocked (Channel Talk: 100). */
  blockAfter: number;
  /** Seed for the drop decisions, so a test's drops repeat. */
  seed: number;
  /** Deliver our own messages back (message.created.userChat), as Channel Talk does; the strict default. */
  echoOwnMessages: boolean;
  /**
   * PATCH {blocked: false} lifts a block. Off by default (the strict fake):
   * nothing public shows that it does, only the desk's unblock is known to work.
   */
  apiUnblock: boolean;
  /** POST /webhooks answers 500, as it has been seen doing. */
  createFails: boolean;
}

export const DEFAULT_DELIVERY: DeliveryConfig = { dropRatio: 0, blockAfter: 100, seed: 1, echoOwnMessages: true, apiUnblock: false, createFails: false };

export class WebhookRegistry {
  readonly byId = new Map<string, FakeWebhook>();
  deliveries: DeliveryRecord[] = [];
  config: DeliveryConfig = { ...DEFAULT_DELIVERY };
  /**
   * The token every webhook created through the API gets, for local trials
   * (`fake-channeltalk --webhook-token`), so `curation setup` against the fake
   * registers a webhook the service already accepts. null: a random one, as
   * Channel Talk makes it.
   */
  fixedToken: string | null = null;
  private rng = mulberry32(DEFAULT_DELIVERY.seed);

  configure(c: Partial<DeliveryConfig>): void {
    this.config = { ...this.config, ...c };
    if (c.seed !== undefined) this.rng = mulberry32(c.seed);
  }

  reset(): void {
    this.byId.clear();
    this.deliveries = [];
    this.configure({ ...DEFAULT_DELIVERY });
  }

  create(channelId: string, body: SpecWebhookBody, now: number): FakeWebhook {
    const id = `wh${randomBytes(8).toString('hex')}`;
    const w: FakeWebhook = {
      id,
      channelId,
      name: body.name,
      url: body.url,
      token: this.fixedToken ?? randomBytes(16).toString('hex'),
      scopes: [...body.scopes],
      ...(body.keywords ? { keywords: [...body.keywords] } : {}),
      apiVersion: body.apiVersion,
      blocked: body.blocked ?? false,
      createdAt: now,
      failuresInARow: 0,
    };
    this.byId.set(id, w);
    return w;
  }

  update(w: FakeWebhook, body: SpecWebhookBody): FakeWebhook {
    w.name = body.name;
    w.url = body.url;
    w.scopes = [...body.scopes];
    w.apiVersion = body.apiVersion;
    if (body.keywords) w.keywords = [...body.keywords];
    // A block stays unless the kind switch is on: the answer then shows it still blocked.
    if (body.blocked === true) w.blocked = true;
    else if (body.blocked === false && this.config.apiUnblock) this.unblock(w);
    return w;
  }

  /** The desk's one-click unblock. */
  unblock(w: FakeWebhook): void {
    w.failuresInARow = 0;
    w.blocked = false;
  }

  block(w: FakeWebhook, now: number): void {
    w.blocked = true;
    w.lastBlockedAt = now;
  }

  ofChannel(channelId: string): FakeWebhook[] {
    return [...this.byId.values()].filter((w) => w.channelId === channelId).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** Posts one delivery to every webhook of the channel that has the scope and is not blocked. */
  async deliver(channelId: string, scope: WebhookScope, entityId: string, payload: unknown, opts: { drop?: boolean } = {}): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    for (const w of this.ofChannel(channelId)) {
      if (w.blocked || !w.scopes.includes(scope)) continue;
      const drop = opts.drop ?? this.rng() < this.config.dropRatio;
      const outcome = drop ? ('dropped' as const) : await post(w, payload);
      const rec: DeliveryRecord = { webhookId: w.id, scope, entityId, outcome, at: Date.now() };
      this.deliveries.push(rec);
      out.push(rec);
      if (outcome === 'dropped') continue;
      if (outcome !== null && outcome >= 200 && outcome < 300) {
        w.failuresInARow = 0;
      } else if (++w.failuresInARow >= this.config.blockAfter) {
        this.block(w, Date.now());
      }
    }
    return out;
  }
}

/** The webhook as the API shows it: everything but the fake's own counter. */
export function webhookView(w: FakeWebhook): Omit<FakeWebhook, 'failuresInARow'> {
  const { failuresInARow: _omit, ...view } = w;
  return view;
}

async function post(w: FakeWebhook, payload: unknown): Promise<number | null> {
  let url: URL;
  try {
    url = new URL(w.url);
  } catch {
    return null;
  }
  url.searchParams.set('token', w.token);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}
