// Sends what is due. Each chat has at most one live message, so claiming due
// messages never breaks a chat's order, and a slow chat never holds up the
// others: sends run side by side up to a bound, and every one is recorded.
import type { Logger } from 'pino';
import type { Event } from '../channeltalk/event.js';
import type { MessageBody } from '../channeltalk/wire.js';
import type { ChannelTalkClient } from '../channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../channeltalk/errors.js';
import { plan, type CurationSet } from '../curation/index.js';
import type { AttemptRecord, DispatchOps, ClaimedMessage, PlanningRun, WriteBackRun } from './store/dispatch-ops.js';
import { writeBackJson } from './store/intake-tx.js';
import { backoffMs } from './backoff.js';

export interface DispatcherOptions {
  ops: DispatchOps;
  /** The client of the channel a message belongs to; undefined when no configured channel serves it. */
  clientFor: (channelId: string | null) => ChannelTalkClient | undefined;
  curations: (channelId: string | null) => CurationSet | undefined;
  logger: Logger;
  delayScale: number;
  instanceId: string;
  /** A message failing transiently for longer than this is given up. */
  sendMaxAgeMs: number;
  botName?: string | undefined;
  /** How long a claim protects a message from other instances; must exceed a request's timeout. */
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
}

export class Dispatcher {
  private readonly inflight = new Set<Promise<void>>();
  private readonly inflightByChannel = new Map<string, number>();
  private loopDone: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly perChannel: number;

  constructor(private readonly o: DispatcherOptions) {
    this.now = o.now ?? Date.now;
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
    const runs = await this.o.ops.claimPlanning(now, 8, this.o.instanceId, this.leaseMs);
    for (const run of runs) this.track(this.planRun(run));
    const writes = await this.o.ops.claimWriteBacks(now, 8, this.leaseMs);
    for (const w of writes) this.track(this.writeBack(w));
    // At most one channel's share per claim, so one claim cannot fill every slot with one channel.
    const room = Math.min(this.concurrency - this.inflight.size, this.perChannel);
    if (room <= 0) return runs.length + writes.length;
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
        this.send(m).finally(() => {
          const n = (this.inflightByChannel.get(ch) ?? 1) - 1;
          if (n <= 0) this.inflightByChannel.delete(ch);
          else this.inflightByChannel.set(ch, n);
        }),
      );
    }
    // After the sends have started: if this fails, the lease returns them.
    if (over.length > 0) await this.o.ops.releaseClaims(over, this.o.instanceId);
    return runs.length + writes.length + due.length;
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

  private async send(m: ClaimedMessage): Promise<void> {
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
        retry: false,
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
      }
    } catch (err) {
      const latencyMs = performance.now() - t0;
      const now = this.now();
      if (err instanceof ChannelTalkUnavailableError) {
        const tried = attempt(err.status ?? null, 'unavailable', err.reason, latencyMs);
        const age = now - (m.first_attempt_at ?? startedAt);
        if (age >= this.o.sendMaxAgeMs) {
          const reason = `gave up after ${m.attempts + 1} attempts over ${Math.round(age / 1000)} s: ${err.reason}`;
          await ops.markFailed(m, reason, now, delayScale, tried);
          logger.error({ ...ids, reason }, 'message failed');
          this.o.onAttempt?.('failed', err.status ?? null, latencyMs);
          this.o.onRunFinished?.('failed');
          return;
        }
        const wait = Math.max(err.retryAfterMs ?? 0, backoffMs(m.attempts + 1, this.o.random ?? Math.random));
        await ops.markRetry(m, now + wait, `${err.reason}${err.status ? ` ${err.status}` : ''}`, now, delayScale, tried);
        logger.warn({ ...ids, reason: err.reason, status: err.status, retryInMs: wait, attempt: m.attempts + 1 }, 'message send will be retried');
        this.o.onAttempt?.('retry', err.status ?? null, latencyMs);
        return;
      }
      const status = err instanceof ChannelTalkRejectedError ? err.status : null;
      const reason =
        err instanceof ChannelTalkRejectedError
          ? `Channel Talk refused it with ${err.status}${err.code ? ` (${err.code})` : ''}`
          : `could not be sent: ${err instanceof Error ? err.message : String(err)}`;
      await ops.markFailed(m, reason, now, delayScale, attempt(status, status ? 'rejected' : 'invalid', reason, latencyMs));
      logger.error({ ...ids, status, reason }, 'message failed');
      this.o.onAttempt?.('failed', status, latencyMs);
      this.o.onRunFinished?.('failed');
    }
  }

  /** After a completed sequence: write the curation's computed values to the customer's profile, so managers see them in the desk. */
  private async writeBack(w: WriteBackRun): Promise<void> {
    const { ops, logger } = this.o;
    const now = this.now();
    const ids = { runId: w.id, chatId: w.chat_id, userId: w.user_id };
    const client = this.o.clientFor(w.channel_id);
    if (!w.user_id || !w.writeback_json || !client) {
      await ops.finishWriteBack(w.id, { done: false, retryAt: null, reason: !client ? 'no configured channel serves this run' : 'the run has no user id' });
      logger.error(ids, 'profile write-back failed: no user or channel to write to');
      return;
    }
    const patch = JSON.parse(w.writeback_json) as Record<string, unknown>;
    try {
      await client.patchUserProfile(w.user_id, patch);
      await ops.finishWriteBack(w.id, { done: true });
      logger.info({ ...ids, keys: Object.keys(patch) }, 'profile written back');
    } catch (err) {
      if (err instanceof ChannelTalkUnavailableError && now - (w.finished_at ?? now) < this.o.sendMaxAgeMs) {
        const wait = Math.max(err.retryAfterMs ?? 0, backoffMs(2, this.o.random ?? Math.random));
        await ops.finishWriteBack(w.id, { done: false, retryAt: now + wait, reason: err.reason });
        logger.warn({ ...ids, reason: err.reason }, 'profile write-back will be retried');
        return;
      }
      const reason = err instanceof ChannelTalkRejectedError ? `Channel Talk refused it with ${err.status}` : err instanceof Error ? err.message : String(err);
      await ops.finishWriteBack(w.id, { done: false, retryAt: null, reason });
      logger.error({ ...ids, reason }, 'profile write-back failed');
    }
  }

  /** A run whose delivery lacked the profile: fetch the user, then plan exactly as intake would have. */
  private async planRun(run: PlanningRun): Promise<void> {
    const { ops, logger, delayScale } = this.o;
    const now = this.now();
    const curation = this.o.curations(run.channel_id)?.byId(run.curation_id);
    if (!curation || !run.event_json) {
      await ops.failPlanning(run.id, `curation ${run.curation_id} is no longer loaded`, null, now, delayScale);
      logger.error({ runId: run.id, curationId: run.curation_id }, 'run failed: its curation is no longer loaded');
      this.o.onRunFinished?.('failed');
      return;
    }
    const event = JSON.parse(run.event_json) as Event;
    let profile: Record<string, unknown> | null = null;
    let language = event.language;
    if (run.user_id) {
      try {
        const client = this.o.clientFor(run.channel_id);
        if (!client) throw new Error(`no configured channel serves channel ${run.channel_id ?? '(none)'}`);
        const { user } = await client.getUser(run.user_id);
        profile = { ...(user.profile ?? {}) };
        if (profile.name === undefined && user.name !== undefined) profile.name = user.name;
        language ??= user.language ?? null;
      } catch (err) {
        if (err instanceof ChannelTalkUnavailableError && now - run.created_at < this.o.sendMaxAgeMs) {
          const wait = Math.max(err.retryAfterMs ?? 0, backoffMs(run.planning_attempts, this.o.random ?? Math.random));
          await ops.failPlanning(run.id, `fetching the user: ${err.reason}`, now + wait, now, delayScale);
          logger.warn({ runId: run.id, chatId: run.chat_id, userId: run.user_id, reason: err.reason }, 'fetching the profile will be retried');
          return;
        }
        // The user cannot be had: plan without a profile, which yields the curation's fallback.
        logger.warn({ runId: run.id, chatId: run.chat_id, userId: run.user_id, err: errInfo(err) }, 'could not fetch the profile; planning without it');
      }
    }
    const p = plan(curation, { ...event, profile, language }, profile, { runId: run.id, now });
    await ops.completePlanning(run.id, p, profile, now, delayScale, writeBackJson(curation.writeBack, p.values));
    logger.info({ runId: run.id, chatId: run.chat_id, curationId: run.curation_id, outcome: p.outcome, problems: p.problems.map((x) => x.field) }, 'run planned');
    this.wake();
  }
}

function errInfo(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}
