// Sends what is due. Each chat has at most one live message, so claiming due
// messages never breaks a chat's order, and a slow chat never holds up the
// others: sends run side by side up to a bound, and every one is recorded.
import type { Logger } from 'pino';
import type { MessageBody } from '../channeltalk/wire.js';
import type { CallOptions, ChannelTalkClient } from '../channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError, isChannelTalkError } from '../channeltalk/errors.js';
import type { AttemptRecord, DispatchOps, ClaimedMessage } from './store/dispatch-ops.js';
import { attemptTimeoutMs, settleFailure } from './backoff.js';

export interface DispatcherOptions {
  ops: DispatchOps;
  /** The client of the channel a message belongs to; undefined when no configured channel serves it. */
  clientFor: (channelId: string | null) => ChannelTalkClient | undefined;
  logger: Logger;
  delayScale: number;
  instanceId: string;
  /** A message failing transiently for longer than this is given up. */
  sendMaxAgeMs: number;
  botName?: string | undefined;
  /** How long a claim protects a message from other instances; each call's timeout is cut to end before it. */
  leaseMs?: number;
  /** Longest sleep between looks at the database (other instances may add work). */
  pollMs?: number;
  concurrency?: number;
  /** Sends in flight per Channel Talk channel, so one channel's outage or rate limit cannot take every slot. */
  perChannelConcurrency?: number;
  now?: () => number;
  random?: () => number;
  /** Observers for metrics. */
  onSent?: (m: ClaimedMessage, latencyMs: number) => void;
  onAttempt?: (outcome: 'sent' | 'retry' | 'failed', status: number | null, latencyMs: number) => void;
  onRunFinished?: (state: string) => void;
  /** A run's last message asked the customer in the chat: the run waits, and the job that ends its wait was enqueued. */
  onAwaiting?: () => void;
}

export class Dispatcher {
  private readonly inflight = new Set<Promise<void>>();
  private readonly inflightByChannel = new Map<string, number>();
  private loopDone: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly perChannel: number;

  constructor(private readonly o: DispatcherOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.leaseMs = o.leaseMs ?? 30_000;
    this.pollMs = o.pollMs ?? 500;
    this.concurrency = o.concurrency ?? 16;
    this.perChannel = Math.min(this.concurrency, o.perChannelConcurrency ?? this.concurrency);
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** New work may be due now: look at once instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming; lets sends in flight finish within `graceMs`. Unfinished claims expire and are retried by the next start. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopDone;
    const all = Promise.allSettled([...this.inflight]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) this.o.logger.warn({ inflight: this.inflight.size }, 'shutdown: sends still in flight were left for the next start');
  }

  private async loop(): Promise<void> {
    let idle = 0;
    while (!this.stopping) {
      this.woken = false;
      let claimed: number;
      try {
        claimed = await this.tick();
      } catch (err) {
        this.o.logger.error({ err: errInfo(err) }, 'dispatcher: database error, retrying');
        await this.sleep(Math.min(this.pollMs, 1000));
        continue;
      }
      if (this.stopping) break;
      // Let I/O in: SQLite calls complete without leaving the microtask queue,
      // so a loop that only awaited them would starve the HTTP server.
      await new Promise<void>((r) => setImmediate(r));
      if (this.woken || claimed > 0) continue;
      const next = await this.o.ops.nextWakeAt().catch(() => null);
      const wait = next === null ? this.pollMs : Math.max(0, Math.min(this.pollMs, next - this.now()));
      if (wait > 0) {
        idle = 0;
        await this.sleep(wait);
        continue;
      }
      // Due now but nothing claimed. Usually it became due a moment after the
      // claim: look again at once, or pacing would slip by a whole poll. When
      // every slot or the channel's share is taken, a finishing send wakes us.
      const saturated = this.inflight.size >= this.concurrency || [...this.inflightByChannel.values()].some((n) => n >= this.perChannel);
      if (saturated || ++idle > 3) {
        idle = 0;
        await this.sleep(saturated ? this.pollMs : 10);
      }
    }
  }

  /** Claims what is due and starts it; returns how much it started. */
  private async tick(): Promise<number> {
    const now = this.now();
    await this.o.ops.reclaimExpired(now);
    // Every claim below is made at `now`, so its lease ends at leaseEnd.
    const leaseEnd = now + this.leaseMs;
    // Planning and profile write-back are jobs (src/jobs/): this loop sends messages only.
    // At most one channel's share per claim, so one claim cannot fill every slot with one channel.
    const room = Math.min(this.concurrency - this.inflight.size, this.perChannel);
    if (room <= 0) return 0;
    const full = [...this.inflightByChannel].filter(([, n]) => n >= this.perChannel).map(([ch]) => ch);
    const claimed = await this.o.ops.claimDue(now, room, this.o.instanceId, this.leaseMs, full);
    // The claim cannot count per channel, so a channel below its share may get
    // more than its room in one claim: keep what fits, give the rest back.
    const due: ClaimedMessage[] = [];
    const over: ClaimedMessage[] = [];
    const counted = new Map(this.inflightByChannel);
    for (const m of claimed) {
      const ch = m.channel_id ?? '';
      const n = counted.get(ch) ?? 0;
      if (n >= this.perChannel) {
        over.push(m);
      } else {
        counted.set(ch, n + 1);
        due.push(m);
      }
    }
    for (const m of due) {
      const ch = m.channel_id ?? '';
      this.inflightByChannel.set(ch, (this.inflightByChannel.get(ch) ?? 0) + 1);
      this.track(
        this.send(m, leaseEnd).finally(() => {
          const n = (this.inflightByChannel.get(ch) ?? 1) - 1;
          if (n <= 0) this.inflightByChannel.delete(ch);
          else this.inflightByChannel.set(ch, n);
        }),
      );
    }
    // After the sends have started: if this fails, the lease returns them.
    if (over.length > 0) await this.o.ops.releaseClaims(over, this.o.instanceId);
    return due.length;
  }

  private track(p: Promise<void>): void {
    const tracked: Promise<void> = p
      .catch((err: unknown) => this.o.logger.error({ err: errInfo(err) }, 'dispatcher: unexpected error'))
      .finally(() => {
        this.inflight.delete(tracked);
        this.wake();
      });
    this.inflight.add(tracked);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeUp = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeUp = done;
      if (this.woken || this.stopping) done();
    });
  }

  /** Retry is ours (durable, recorded), so the client makes one attempt, and it ends before the claim's lease. */
  private callOptions(client: ChannelTalkClient, leaseEnd: number): CallOptions {
    return { retry: false, timeoutMs: attemptTimeoutMs(leaseEnd, this.now(), client.timeoutMs) };
  }

  private async send(m: ClaimedMessage, leaseEnd: number): Promise<void> {
    const { ops, logger, delayScale } = this.o;
    const ids = { runId: m.run_id, chatId: m.chat_id, seq: m.seq, requestId: m.request_id };
    const body = JSON.parse(m.body_json) as MessageBody;
    const startedAt = this.now();
    const t0 = performance.now();
    // Committed together with the outcome (markSent/markRetry/markFailed): one transaction per attempt.
    const attempt = (status: number | null, errorKind: string | null, reason: string | null, latencyMs: number): AttemptRecord => ({
      runId: m.run_id,
      seq: m.seq,
      requestId: m.request_id,
      startedAt,
      status,
      latencyMs,
      errorKind,
      reason,
      instance: this.o.instanceId,
    });
    try {
      const client = this.o.clientFor(m.channel_id);
      if (!client) throw new Error(`no configured channel serves channel ${m.channel_id ?? '(none)'}`);
      const res = await client.sendMessage(m.chat_id, body, {
        ...this.callOptions(client, leaseEnd),
        ...(this.o.botName ? { botName: this.o.botName } : {}),
      });
      const latencyMs = performance.now() - t0;
      const sentAt = this.now();
      const after = await ops.markSent(m, sentAt, res.messageId, delayScale, attempt(200, null, null, latencyMs));
      logger.info({ ...ids, latencyMs: Math.round(latencyMs), attempt: m.attempts + 1 }, 'message sent');
      this.o.onAttempt?.('sent', 200, latencyMs);
      this.o.onSent?.(m, latencyMs);
      if (after === 'completed' || after === 'fallback') {
        logger.info({ runId: m.run_id, chatId: m.chat_id, state: after }, 'run finished');
        this.o.onRunFinished?.(after);
      } else if (after === 'awaiting') {
        logger.info({ runId: m.run_id, chatId: m.chat_id }, 'run asked in the chat: waiting for the answer');
        this.o.onAwaiting?.();
      }
    } catch (err) {
      const latencyMs = performance.now() - t0;
      const now = this.now();
      const age = now - (m.first_attempt_at ?? startedAt);
      const settled = settleFailure(err, { ageMs: age, maxAgeMs: this.o.sendMaxAgeMs, attempts: m.attempts + 1, now, random: this.random });
      const status = isChannelTalkError(err) ? (err.status ?? null) : null;
      if ('retryAt' in settled) {
        const reason = err instanceof ChannelTalkUnavailableError ? err.reason : null;
        await ops.markRetry(m, settled.retryAt, settled.note, now, delayScale, attempt(status, 'unavailable', reason, latencyMs));
        logger.warn({ ...ids, reason, status, retryInMs: settled.retryAt - now, attempt: m.attempts + 1 }, 'message send will be retried');
        this.o.onAttempt?.('retry', status, latencyMs);
        return;
      }
      const reason = isChannelTalkError(err) ? settled.fail : `could not be sent: ${settled.fail}`;
      const tried =
        err instanceof ChannelTalkUnavailableError
          ? attempt(status, 'unavailable', err.reason, latencyMs)
          : attempt(status, err instanceof ChannelTalkRejectedError ? 'rejected' : 'invalid', reason, latencyMs);
      await ops.markFailed(m, reason, now, delayScale, tried);
      logger.error({ ...ids, status, reason }, 'message failed');
      this.o.onAttempt?.('failed', status, latencyMs);
      this.o.onRunFinished?.('failed');
    }
  }
}

function errInfo(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}
