// The latest webhook health per channel, in memory: what /healthz, the
// curation_webhook_blocked gauge and the console banner read. Each instance
// keeps its own; every instance's health job reads the same webhook, so they
// agree within one interval.
import { deskFix, type WebhookHealth } from './health.js';

export interface RecordResult {
  /** It was blocked at the previous check and is not now, or was blocked and unblocked between two checks: deliveries were lost. */
  lifted: boolean;
  /** It is blocked now and was not at the previous check. */
  newlyBlocked: boolean;
}

export interface WebhooksSummary {
  /** False when a channel's webhook is blocked or missing: Channel Talk sends that channel nothing. */
  ok: boolean;
  channels: Record<string, Omit<WebhookHealth, 'channel'>>;
}

export class WebhookHealthBoard {
  private readonly latest = new Map<string, WebhookHealth>();
  /** Channels whose webhook the API refused to unblock: the fix names the desk until the block is gone. */
  private readonly deskOnly = new Set<string>();

  record(h: WebhookHealth): RecordResult {
    const prev = this.latest.get(h.channel);
    if (h.state !== 'blocked') this.deskOnly.delete(h.channel);
    const shown = h.state === 'blocked' && this.deskOnly.has(h.channel) && h.webhookId ? deskOnly(h, h.webhookId) : h;
    this.latest.set(h.channel, shown);
    const blockedBetween = prev !== undefined && h.lastBlockedAt !== undefined && h.lastBlockedAt !== prev.lastBlockedAt;
    return {
      lifted: h.state === 'ok' && (prev?.state === 'blocked' || blockedBetween),
      newlyBlocked: h.state === 'blocked' && prev?.state !== 'blocked',
    };
  }

  /** The API refused to unblock it: say where in the desk to do it instead. */
  noteUnblockRefused(channel: string): void {
    this.deskOnly.add(channel);
    const h = this.latest.get(channel);
    if (h?.state === 'blocked' && h.webhookId) this.latest.set(channel, deskOnly(h, h.webhookId));
  }

  get(channel: string): WebhookHealth | undefined {
    return this.latest.get(channel);
  }

  all(): WebhookHealth[] {
    return [...this.latest.values()];
  }

  summary(): WebhooksSummary {
    const channels: WebhooksSummary['channels'] = {};
    for (const { channel, ...rest } of this.latest.values()) channels[channel] = rest;
    return { ok: this.all().every((h) => h.state !== 'blocked' && h.state !== 'missing'), channels };
  }
}

function deskOnly(h: WebhookHealth, webhookId: string): WebhookHealth {
  const words = h.words ? { words: { reason: h.words.reason, fix: { code: 'webhook.deskFix', params: { webhook: webhookId } } } } : {};
  return { ...h, fix: deskFix(webhookId), ...words, unblockRefused: true };
}
