// Prometheus metrics. One Registry per Metrics instance (never the global
// one), so several services or tests in one process do not collide. Intake,
// the jobs and the client report through the methods; the queue depth is read
// from the store on scrape, so it is right even with several instances.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DatabaseState } from '../delivery/store/busy.js';
import type { JobState } from '../delivery/store/schema.js';
import { shortfallOf } from '../webhook/sweep.js';
import type { SweepRecord } from '../webhook/sweep-log.js';
import { tokenMatches } from './token.js';
import type { RunTransitionEvent } from '../delivery/store/transition-log.js';
import { isFinalRunState, RUN_START } from '../delivery/run-lifecycle.js';

export type SendOutcome = 'sent' | 'retry' | 'failed';

/** What the scrape needs from the store. */
export interface QueueSource {
  queueDepth(): Promise<number>;
  /** Answers at once (the store bounds it); without it the database state is not reported. */
  health?(): Promise<DatabaseState>;
  /** The job engine's jobs by kind and state; without it the job depth is not reported. */
  jobDepth?(): Promise<Array<{ kind: string; state: JobState; count: number }>>;
}

const JOB_STATES: readonly JobState[] = ['pending', 'running', 'failed'];

const DATABASE_STATES: readonly DatabaseState[] = ['ok', 'busy', 'unreachable', 'failing'];
/** Per channel, whether Channel Talk has blocked its webhook (e.g. the WebhookHealthBoard). */
export interface WebhookStateSource {
  all(): Array<{ channel: string; state: string }>;
}

/** Cumulative rate-limit figures, e.g. `ChannelTalkClient.stats`. */
export interface RateLimitStatsSource {
  rateLimitWaits: number;
  rateLimitWaitMs: number;
}

/** One rate budget of a client (an endpoint family at a priority), e.g. `ChannelTalkClient.rateLimitBudgets()`. */
export interface RateBudgetSource {
  family: string;
  priority: string;
  state: { remaining: number | null; resetAt: number | null };
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop); default true. */
  processMetrics?: boolean;
  prefix?: string;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly webhooks: Counter<'kind' | 'status'>;
  private readonly runsStarted: Counter<'curation'>;
  private readonly runsFinished: Counter<'state'>;
  private readonly chatReads: Counter<'outcome'>;
  private readonly chatReadStops: Counter<'stop'>;
  private readonly answerReads: Counter<'outcome'>;
  private readonly sends: Counter<'outcome' | 'status'>;
  private readonly latency: Histogram<'outcome'>;
  private readonly waits: Counter;
  private readonly waitSeconds: Counter;
  private readonly queue: Gauge;
  private readonly jobs: Gauge<'kind' | 'state'>;
  /** Every kind the job depth has shown, so a kind whose jobs are all done reads 0 rather than its last count. */
  private readonly jobKinds = new Set<string>();
  private readonly database: Gauge<'state'>;
  private readonly webhookBlocked: Gauge<'channel'>;
  private readonly recovered: Counter<'channel'>;
  private readonly budgetRemaining: Gauge<'channel' | 'family' | 'priority'>;
  private readonly budgetHeld: Gauge<'channel' | 'family' | 'priority'>;
  private readonly budgetSources: Array<{ channel: string; read: () => RateBudgetSource[] }> = [];
  private readonly sweepShortfalls: Counter<'channel' | 'reason'>;
  private webhookSource: WebhookStateSource | null = null;
  private queueSource: QueueSource | null = null;
  private readonly statsSources: Array<{ read: () => RateLimitStatsSource; seen: RateLimitStatsSource }> = [];

  constructor(opts: MetricsOptions = {}) {
    const p = opts.prefix ?? 'curation_';
    const registers = [this.registry];
    this.webhooks = new Counter({
      name: `${p}webhooks_received_total`,
      help: 'Webhook deliveries by event kind and how they were answered (acted: its runs started in the webhook commit; queued: stored with the job that starts its runs; no_match, ignored, duplicate, unauthorized, malformed, error; lost: answered before its commit, which failed, so nothing acts on it and the console does not show it).',
      labelNames: ['kind', 'status'],
      registers,
    });
    this.runsStarted = new Counter({ name: `${p}runs_started_total`, help: 'Runs started, by curation.', labelNames: ['curation'], registers });
    this.chatReads = new Counter({
      name: `${p}takeover_chat_reads_total`,
      help: 'Chats read before a message (GET /user-chats/{id}) by outcome: clear, takeover, error.',
      labelNames: ['outcome'],
      registers,
    });
    this.chatReadStops = new Counter({
      name: `${p}takeover_chat_read_stops_total`,
      help: 'Runs stopped by the chat read before a message, by what it showed: closed, snoozed, assigned, team.',
      labelNames: ['stop'],
      registers,
    });
    this.answerReads = new Counter({
      name: `${p}answer_profile_reads_total`,
      help: 'Profile reads (GET /users/{id}) of customers whose run waits for an answer, by outcome: answered (the run resumed), unchanged, failed.',
      labelNames: ['outcome'],
      registers,
    });
    this.runsFinished = new Counter({
      name: `${p}runs_finished_total`,
      help: 'Runs that reached a final state (completed, fallback, cancelled, failed, skipped).',
      labelNames: ['state'],
      registers,
    });
    this.sends = new Counter({
      name: `${p}send_attempts_total`,
      help: 'Message send attempts to Channel Talk, by outcome and HTTP status (none when no answer arrived).',
      labelNames: ['outcome', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: `${p}channeltalk_send_duration_seconds`,
      help: 'Latency of one send attempt to Channel Talk.',
      labelNames: ['outcome'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    // Collected on scrape: prom-client calls collect() before reading the value.
    this.waits = new Counter({
      name: `${p}rate_limit_waits_total`,
      help: 'Times a request waited for the Channel Talk rate-limit window to reset.',
      registers,
      collect: () => this.pullStats(),
    });
    this.waitSeconds = new Counter({
      name: `${p}rate_limit_wait_seconds_total`,
      help: 'Time spent waiting for rate-limit resets.',
      registers,
      collect: () => this.pullStats(),
    });
    this.database = new Gauge({
      name: `${p}database_state`,
      help: 'The database as /healthz sees it: 1 for the current state (ok, busy: another connection holds the lock, unreachable, failing: the latest writes failed for want of storage, e.g. a full disk or a damaged file), 0 for the others.',
      labelNames: ['state'],
      registers,
      collect: async () => {
        const state = await this.queueSource?.health?.();
        if (state === undefined) return;
        for (const s of DATABASE_STATES) this.database.set({ state: s }, s === state ? 1 : 0);
      },
    });
    this.queue = new Gauge({
      name: `${p}queue_depth`,
      help: 'Planned messages not yet sent (waiting, pending or in flight), across all instances.',
      registers,
      collect: async () => {
        if (!this.queueSource) return;
        // A database that cannot answer must not take the whole scrape down: the last depth stays.
        const depth = await withDeadline(this.queueSource.queueDepth(), 1_000).catch(() => null);
        if (depth !== null) this.queue.set(depth);
      },
    });
    this.jobs = new Gauge({
      name: `${p}job_depth`,
      help: 'Jobs of the job engine by kind (planRun, writeBack, userEvent, webhookHealth, sweep) and state: pending (waiting, due or not), running (claimed) or failed (for good, kept until pruned), across all instances.',
      labelNames: ['kind', 'state'],
      registers,
      collect: async () => {
        const read = this.queueSource?.jobDepth?.();
        if (!read) return;
        // As for the queue depth: a database that cannot answer leaves the last figures.
        const rows = await withDeadline(read, 1_000).catch(() => null);
        if (rows === null) return;
        for (const r of rows) this.jobKinds.add(r.kind);
        for (const kind of this.jobKinds) for (const state of JOB_STATES) this.jobs.set({ kind, state }, 0);
        for (const r of rows) this.jobs.set({ kind: r.kind, state: r.state }, r.count);
      },
    });
    this.webhookBlocked = new Gauge({
      name: `${p}webhook_blocked`,
      help: 'Whether Channel Talk has blocked the channel\'s webhook (1) or not (0), as the last health check read it. While 1, no deliveries arrive.',
      labelNames: ['channel'],
      registers,
      collect: () => {
        for (const h of this.webhookSource?.all() ?? []) this.webhookBlocked.set({ channel: h.channel }, h.state === 'blocked' ? 1 : 0);
      },
    });
    this.recovered = new Counter({
      name: `${p}sweep_recovered_total`,
      help: 'Chats opened whose delivery never came, found and started by the sweep.',
      labelNames: ['channel'],
      registers,
    });
    // Per endpoint family (rate-budgets.ts): a chat list held by its 429s shows here while sends are not.
    this.budgetRemaining = new Gauge({
      name: `${p}rate_limit_remaining`,
      help: 'Requests Channel Talk last said remain in the window, per channel, endpoint family (messages, userChats, users, events, webhooks, channel) and priority (live, background); absent until a rate-limit header was read.',
      labelNames: ['channel', 'family', 'priority'],
      registers,
      collect: () => this.pullBudgets(),
    });
    this.budgetHeld = new Gauge({
      name: `${p}rate_limit_held`,
      help: 'Whether a rate budget (channel, endpoint family, priority) is spent and its calls wait for the window to reset (1) or not (0).',
      labelNames: ['channel', 'family', 'priority'],
      registers,
      collect: () => this.pullBudgets(),
    });
    this.sweepShortfalls = new Counter({
      name: `${p}sweep_incomplete_total`,
      help: 'Sweeps that left part of the chat list unread, by why: budget (its pages ran out; the next goes on from there), repeated_cursor, dropped (more chats than asked), error.',
      labelNames: ['channel', 'reason'],
      registers,
    });
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: p });
  }

  webhook(kind: string, status: string): void {
    this.webhooks.inc({ kind, status });
  }

  runStarted(curationId: string): void {
    this.runsStarted.inc({ curation: curationId });
  }

  /** A run's committed transition (store/transition-log.ts): a start, and an end when it reached a final state. */
  runTransition(e: RunTransitionEvent): void {
    if (e.from === RUN_START) this.runStarted(e.curationId);
    if (e.to !== e.from && isFinalRunState(e.to)) this.runFinished(e.to);
  }

  runFinished(state: string, count = 1): void {
    if (count > 0) this.runsFinished.inc({ state }, count);
  }

  chatRead(outcome: 'clear' | 'takeover' | 'error'): void {
    this.chatReads.inc({ outcome });
  }

  answerPoll(outcome: 'answered' | 'unchanged' | 'failed'): void {
    this.answerReads.inc({ outcome });
  }

  chatReadStop(stop: string): void {
    this.chatReadStops.inc({ stop });
  }

  sendAttempt(outcome: SendOutcome, status: number | null, latencySeconds: number): void {
    this.sends.inc({ outcome, status: status === null ? 'none' : String(status) });
    this.latency.observe({ outcome }, latencySeconds);
  }

  rateLimitWait(ms: number): void {
    this.waits.inc();
    this.waitSeconds.inc(ms / 1000);
  }

  /** Reads each channel's webhook state on each scrape. */
  watchWebhooks(source: WebhookStateSource): void {
    this.webhookSource = source;
  }

  sweepRecovered(channel: string, count: number): void {
    if (count > 0) this.recovered.inc({ channel }, count);
  }

  /** What one sweep recovered, and why it left part of the list unread, if it did. */
  sweepDone(r: Pick<SweepRecord, 'channel' | 'recovered' | 'error' | 'dropped' | 'repeatedCursor' | 'cursor'>): void {
    this.sweepRecovered(r.channel, r.recovered.length);
    const reason = shortfallOf(r);
    if (reason !== null) this.sweepShortfalls.inc({ channel: r.channel, reason });
  }

  /** Reads the queue depth on each scrape. */
  watchQueue(source: QueueSource): void {
    this.queueSource = source;
  }

  /** Turns a client's cumulative rate-limit stats into counter increments on each scrape. */
  watchRateLimits(read: () => RateLimitStatsSource): void {
    const now = read();
    this.statsSources.push({ read, seen: { rateLimitWaits: now.rateLimitWaits, rateLimitWaitMs: now.rateLimitWaitMs } });
  }

  /** Reads one channel's rate budgets on each scrape. */
  watchRateBudgets(channel: string, read: () => RateBudgetSource[]): void {
    this.budgetSources.push({ channel, read });
  }

  private pullBudgets(): void {
    const now = Date.now();
    for (const src of this.budgetSources) {
      for (const b of src.read()) {
        const labels = { channel: src.channel, family: b.family, priority: b.priority };
        if (b.state.remaining !== null) this.budgetRemaining.set(labels, b.state.remaining);
        const held = b.state.remaining === 0 && b.state.resetAt !== null && b.state.resetAt > now;
        this.budgetHeld.set(labels, held ? 1 : 0);
      }
    }
  }

  private pullStats(): void {
    for (const s of this.statsSources) {
      const now = s.read();
      const waits = now.rateLimitWaits - s.seen.rateLimitWaits;
      const ms = now.rateLimitWaitMs - s.seen.rateLimitWaitMs;
      if (waits > 0) this.waits.inc(waits);
      if (ms > 0) this.waitSeconds.inc(ms / 1000);
      s.seen = { rateLimitWaits: now.rateLimitWaits, rateLimitWaitMs: now.rateLimitWaitMs };
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * `GET /metrics` in the Prometheus text format. With a token, a scrape must
 * send `Authorization: Bearer <token>` (Prometheus: `authorization:
 * credentials:`); the figures say how busy the shop is, not for the internet.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, store: QueueSource, token?: string): void {
  metrics.watchQueue(store);
  app.get('/metrics', async (req, reply) => {
    if (token !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m || !tokenMatches(m[1], [token])) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'send Authorization: Bearer <METRICS_TOKEN>' });
      }
    }
    const body = await metrics.text();
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
}

/** `p`, or a rejection after `ms` (the scrape answers; `p` finishes on its own). */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  p.catch(() => undefined);
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
