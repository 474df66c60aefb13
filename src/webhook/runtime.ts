// The webhook's lifecycle inside the running service, per channel: the
// health check (and what a block or a lifted block sets off), the unblock,
// and the sweep with the point it has covered. Each is a plain async method
// for the job engine to run; nothing here keeps a timer.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ChannelRegistry, LiveChannel } from '../channel-registry.js';
import type { ChatOpenedEvent } from '../channeltalk/event.js';
import { normalize } from '../channeltalk/normalize.js';
import type { ListedUserChat } from '../channeltalk/resources.js';
import type { CallOptions } from '../channeltalk/transformers/types.js';
import type { WebhookConfig } from '../config.js';
import type { Intake } from '../delivery/intake.js';
import { hasEvent } from '../delivery/store/event-lookup.js';
import type { Store } from '../delivery/store/store.js';
import { checkChannelWebhook, unblockWebhook, type UnblockResult, type WebhookHealth } from './health.js';
import { WebhookHealthBoard } from './health-board.js';
import { SweepLog, type SweepReason, type SweepRecord } from './sweep-log.js';
import { shortfallOf, sweepOpenedChats } from './sweep.js';

/** Chats per page and pages per sweep: up to 1000 chats, in small calls. */
export const SWEEP_PAGE_LIMIT = 25;
export const SWEEP_MAX_PAGES = 40;
/** Between two pages, so live sends get the event loop and the rate limit first. */
export const SWEEP_PAUSE_MS = 250;

const BACKGROUND: CallOptions = { priority: 'background' };

export interface WebhookRuntimeDeps {
  channels: ChannelRegistry;
  intake: Pick<Intake, 'accept'>;
  store: Store;
  logger: Logger;
  config: WebhookConfig;
  now?: () => number;
  /**
   * How the sweep after a lifted block is started. Default: at once, in the
   * background. A job engine passes one that enqueues the sweep job instead.
   */
  onBlockLifted?: (channel: string) => void;
  /** Awaited between two pages of a sweep; default a 250 ms pause. */
  pause?: () => Promise<void>;
  onSweep?: (r: SweepRecord) => void;
}

export type UnblockOutcome = UnblockResult & { channel: string; sweep: 'started' | 'off' | 'not_needed' };

export class WebhookRuntime {
  readonly board = new WebhookHealthBoard();
  readonly sweeps = new SweepLog();
  private readonly covered = new Map<string, number | null>();
  /** Where a channel's last sweep ran out of pages; the next goes on from there. */
  private readonly cursors = new Map<string, string | null>();
  private readonly running = new Map<string, Promise<SweepRecord>>();
  private readonly now: () => number;

  constructor(private readonly deps: WebhookRuntimeDeps) {
    this.now = deps.now ?? Date.now;
  }

  channelNames(): string[] {
    return this.deps.channels.channels.map((c) => c.config.name);
  }

  /** Reads the channel's webhook, records it for /healthz, the metric and the console, and logs what is wrong with the fix. A lifted block sets off a sweep. */
  async checkHealth(channel: string): Promise<WebhookHealth> {
    const { health, lifted } = await this.check(channel);
    if (lifted) {
      this.deps.logger.info({ channel, webhookId: health.webhookId, lastBlockedAt: health.lastBlockedAt }, 'webhook block lifted: sweeping the chats opened meanwhile');
      this.afterLift(channel);
    }
    return health;
  }

  async checkAllHealth(): Promise<WebhookHealth[]> {
    const out: WebhookHealth[] = [];
    for (const name of this.channelNames()) out.push(await this.checkHealth(name));
    return out;
  }

  /** Lifts a block through the API; then the health is read again and the sweep after a lifted block starts. */
  async unblock(channel: string, operator?: string): Promise<UnblockOutcome> {
    const live = this.channel(channel);
    // A fresh read: the webhook the board knows may have been replaced since.
    const { health } = await this.check(channel);
    const webhookId = health.webhookId;
    if (webhookId === undefined) return { channel, outcome: 'error', reason: health.reason, fix: health.fix, ...(health.words ? { words: health.words } : {}), sweep: 'not_needed' };
    const r = await unblockWebhook({ client: live.client, webhookId, callOptions: { retry: { maxAttempts: 2 } } });
    switch (r.outcome) {
      case 'unblocked': {
        this.deps.logger.info({ channel, webhookId, operator }, 'webhook unblocked through the API: sweeping the chats opened meanwhile');
        // The board learns it at once; the sweep is set off here, once, whatever the check saw before.
        await this.check(channel);
        this.afterLift(channel);
        return { ...r, channel, sweep: this.sweepOn() ? 'started' : 'off' };
      }
      case 'not_blocked':
        await this.checkHealth(channel);
        return { ...r, channel, sweep: 'not_needed' };
      case 'refused':
        this.board.noteUnblockRefused(channel);
        this.deps.logger.warn({ channel, webhookId, operator, status: r.status, fix: r.fix }, 'webhook could not be unblocked through the API');
        return { ...r, channel, sweep: 'not_needed' };
      case 'error':
        this.deps.logger.warn({ channel, webhookId, operator, reason: r.reason }, 'webhook unblock failed');
        return { ...r, channel, sweep: 'not_needed' };
    }
  }

  /**
   * One sweep of the channel's opened chats. A sweep asked for while one runs
   * joins it. null when the sweep is off (SWEEP_INTERVAL_SECONDS=0).
   */
  sweep(channel: string, reason: SweepReason): Promise<SweepRecord | null> {
    if (!this.sweepOn()) return Promise.resolve(null);
    const inFlight = this.running.get(channel);
    if (inFlight) return inFlight;
    const p = this.runSweep(channel, reason).finally(() => this.running.delete(channel));
    this.running.set(channel, p);
    return p;
  }

  async sweepAll(reason: SweepReason): Promise<Array<SweepRecord | null>> {
    const out: Array<SweepRecord | null> = [];
    for (const name of this.channelNames()) out.push(await this.sweep(name, reason));
    return out;
  }

  /** The point the channel's sweeps have covered (epoch ms), for a job engine to keep across restarts. */
  coveredUntil(channel: string): number | null {
    return this.covered.get(channel) ?? null;
  }

  setCoveredUntil(channel: string, at: number | null): void {
    this.covered.set(channel, at);
  }

  /** Where the channel's next sweep goes on paging (null: from the top), for a job engine to keep across restarts. */
  sweepCursor(channel: string): string | null {
    return this.cursors.get(channel) ?? null;
  }

  setSweepCursor(channel: string, cursor: string | null): void {
    this.cursors.set(channel, cursor);
  }

  private async check(channel: string): Promise<{ health: WebhookHealth; lifted: boolean }> {
    const live = this.channel(channel);
    const h = await checkChannelWebhook({
      client: live.client,
      channel,
      publicUrl: this.deps.config.publicUrl,
      curations: live.curations.curations,
      several: this.deps.channels.channels.length > 1,
      now: this.now,
      callOptions: BACKGROUND,
    });
    const change = this.board.record(h);
    const health = this.board.get(channel) ?? h;
    const line = { channel, state: h.state, webhookId: h.webhookId, lastBlockedAt: h.lastBlockedAt, reason: h.reason, fix: health.fix };
    switch (h.state) {
      case 'blocked':
        this.deps.logger.error(line, 'webhook blocked by Channel Talk: no deliveries arrive until it is unblocked');
        break;
      case 'missing':
        this.deps.logger.error(line, 'webhook not registered in Channel Talk: no deliveries arrive');
        break;
      case 'error':
        this.deps.logger.warn(line, 'webhook health could not be read');
        break;
      case 'ok':
        if (h.missingScopes) this.deps.logger.warn({ ...line, missingScopes: h.missingScopes }, 'webhook lacks scopes the curations need');
        break;
    }
    return { health, lifted: change.lifted };
  }

  private afterLift(channel: string): void {
    if (!this.sweepOn()) return;
    if (this.deps.onBlockLifted) {
      this.deps.onBlockLifted(channel);
      return;
    }
    this.sweep(channel, 'unblocked').catch((err: unknown) =>
      this.deps.logger.error({ channel, err: { message: err instanceof Error ? err.message : String(err) } }, 'webhook sweep failed'),
    );
  }

  private sweepOn(): boolean {
    return this.deps.config.sweepIntervalMs > 0;
  }

  private async runSweep(channel: string, reason: SweepReason): Promise<SweepRecord> {
    const live = this.channel(channel);
    const result = await sweepOpenedChats({
      client: live.client,
      coveredUntil: this.coveredUntil(channel),
      cursor: this.sweepCursor(channel),
      // In the channel intake will store it in: the listed chat's, else this one's.
      hasEvent: (event) => hasEvent(this.deps.store.db, withChannel(event, live)),
      accept: (event) => this.deps.intake.accept(withChannel(event, live), live.curations),
      normalize,
      now: this.now,
      pageLimit: SWEEP_PAGE_LIMIT,
      maxPages: SWEEP_MAX_PAGES,
      overlapMs: this.deps.config.sweepOverlapMs,
      maxAgeMs: this.deps.config.sweepMaxAgeMs,
      pause: this.deps.pause ?? (() => sleep(SWEEP_PAUSE_MS)),
      takenOver: (chat) => managerWrote(live.client, chat),
      callOptions: BACKGROUND,
    });
    this.covered.set(channel, result.coveredUntil);
    this.cursors.set(channel, result.cursor);
    const record: SweepRecord = { ...result, channel, reason, finishedAt: this.now() };
    this.sweeps.add(record);
    this.log(record);
    this.deps.onSweep?.(record);
    return record;
  }

  private log(r: SweepRecord): void {
    const { logger } = this.deps;
    for (const c of r.recovered) logger.info({ channel: r.channel, chatId: c.chatId, runs: c.runs }, 'webhook sweep recovered a chat whose delivery never came');
    const line = {
      channel: r.channel,
      reason: r.reason,
      scanned: r.scanned,
      recovered: r.recovered.length,
      late: r.late,
      skipped: r.skipped.length,
      dropped: r.dropped,
      pages: r.pages,
      complete: r.complete,
      resumed: r.resumed,
      coveredUntil: r.coveredUntil,
      ms: r.finishedAt - r.startedAt,
    };
    const shortfall = shortfallOf(r);
    switch (shortfall) {
      case 'error':
        logger.warn({ ...line, error: r.error }, 'webhook sweep stopped early; the next one starts again from the top');
        break;
      case 'dropped':
        logger.warn({ ...line, pageLimit: SWEEP_PAGE_LIMIT }, 'GET /user-chats answered more chats than the sweep asked for; it read as many as it asked, dropped the rest, and covers nothing new');
        break;
      case 'repeated_cursor':
        logger.warn(line, 'GET /user-chats answered a paging cursor the sweep had already read from; it stopped there, and the next one starts again from the top');
        break;
      case 'budget':
        logger.warn(line, `webhook sweep read its ${r.pages} pages before the end of the chat list; the next one goes on from there`);
        break;
      case null:
        logger.info(line, 'webhook sweep finished');
        break;
    }
  }

  private channel(name: string): LiveChannel {
    const c = this.deps.channels.channels.find((x) => x.config.name === name);
    if (!c) throw new Error(`no channel named ${name}`);
    return c;
  }
}

/** A listed chat's channel is the key pair's; a delivery without one gets it, as the webhook route does. */
function withChannel(event: ChatOpenedEvent, live: LiveChannel): ChatOpenedEvent {
  return event.channelId === null ? { ...event, channelId: live.config.channelId } : event;
}

/** Whether a manager has written in the chat: such a chat is being handled by a person and gets no late sequence. */
export async function managerWrote(client: Pick<LiveChannel['client'], 'listMessages'>, chat: Pick<ListedUserChat, 'id'>): Promise<boolean> {
  try {
    const { messages } = await client.listMessages(chat.id, { sortOrder: 'desc', limit: 50 }, BACKGROUND);
    return messages.some((m) => typeof m === 'object' && m !== null && (m as { personType?: unknown }).personType === 'manager');
  } catch {
    // Unknown: do what the late delivery itself would have done.
    return false;
  }
}
