// Runs jobs: claims what is due, runs each handler side by side up to a
// bound (each pool up to its handler's poolLimit, each kind up to its
// maxRunning), settles each outcome, and otherwise sleeps until the earliest
// due time or lease end, or until wake(). On SQLite the only writer is this
// process, which wakes the runner whenever it adds work. On PostgreSQL other
// instances add work too: what they make due now wakes this runner through
// the store's LISTEN/NOTIFY (store/job-wakeups.ts), and a safety timer
// (safetyMs) covers a notification missed and what an instance that died
// left behind without a due time we saw. No sleep is longer than MAX_SLEEP_MS: its length comes from
// wall-clock times, and a clock stepped back (then corrected) would
// otherwise leave due work waiting for as long as the step. An outcome the
// database cannot take (it went away) is kept and settled when it answers
// (settleKept). A pass whose claim would likely find nothing (a job's end a
// riding claim covered, a claim that took all it could) looks first
// (nextWakeAt, a read) and claims only what is due now (claimNext).
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../delivery/store/schema.js';
import type { JobOps, JobRow } from '../delivery/store/job-ops.js';
import { DatabaseBusyError } from '../delivery/store/busy.js';
import { DatabaseUnavailableError } from '../delivery/store/unavailable.js';
import { failureOutcome, settle, type CommittedTransaction, type Limits } from './settle.js';
import { SettleBatcher, type Ridden } from './settle-batch.js';
import type { Job, JobContext, JobHandler, JobOutcome, SettledOutcome } from './types.js';

/** Timers the runner sleeps on; tests pass their own to see every sleep and fire it by hand. */
export type Schedule = (ms: number, fire: () => void) => () => void;

const realSchedule: Schedule = (ms, fire) => {
  const t = setTimeout(fire, ms);
  return () => clearTimeout(t);
};

/** Jobs running per kind and per pool (the runner's counters, or a copy adjusted for jobs ending). */
interface Running {
  kinds: ReadonlyMap<string, number>;
  pools: ReadonlyMap<string, number>;
}

/** Longest sleep of the runner, whatever the clock says: the next look is never further away. */
export const MAX_SLEEP_MS = 30_000;

/** When a handler's own read met an unreachable or locked database: its job goes again after this. */
const DATABASE_RETRY_MS = 1_000;

/** Between tries of an outcome the database could not take: from 250 ms, doubling, to 5 s. */
const SETTLE_RETRY_FIRST_MS = 250;
const SETTLE_RETRY_MAX_MS = 5_000;

export interface RunnerOptions {
  db: Kysely<Database>;
  ops: JobOps;
  // Handlers of every kind this runner takes (or register() before start); the service registers the typed list (wiring/job-kinds.ts).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handlers: ReadonlyArray<JobHandler<any>>;
  owner: string;
  logger: Logger;
  concurrency?: number;
  /** Longest sleep while nothing is due, below MAX_SLEEP_MS: null for the cap alone (SQLite). */
  safetyMs?: number | null;
  /** Settles arriving together share one commit (SQLite: settle-batch.ts). */
  batchSettles?: boolean;
  now?: () => number;
  random?: () => number;
  schedule?: Schedule;
  /** Observer: called before every claim query (tests count them). */
  onClaim?: () => void;
  onSettled?: (kind: string, outcome: JobOutcome['kind'] | 'lost') => void;
  /** Each settle transaction that committed (settle.ts CommittedTransaction): the domain takes what its writes noted there. */
  onCommitted?: CommittedTransaction;
  /** Where each settle's commit is reported (the store's WriteHealth: /healthz says `failing` while settles fail for want of storage). */
  writes?: { succeeded(): void; failed(err: unknown): void };
}

export class JobRunner {
  private readonly inflight = new Set<Promise<void>>();
  /** Jobs running per pool and per kind, and each pool's limit (its kind's poolLimit). */
  private readonly inflightByPool = new Map<string, number>();
  private readonly inflightByKind = new Map<string, number>();
  private readonly poolLimits = new Map<string, number>();
  /** Passes in a row that found work due, yet claimed nothing. */
  private dueButUnclaimed = 0;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly byKind = new Map<string, JobHandler<any>>();
  private readonly leases = new Map<string, number>();
  private loopDone: Promise<void> | null = null;
  private stopping = false;
  /** Shutdown's grace is over: outcomes still waiting for the database are left to the next start. */
  private abandoning = false;
  /** Outcomes kept while the database could not take them (settleKept). */
  private settlesWaiting = 0;
  /** The last pass failed because the database was unreachable (said once, until it answers). */
  private unreachable = false;
  private woken = false;
  /**
   * The next pass claims at once (woken by new work, a job's end no riding
   * claim covered, a due time reached, a claim that filled its room);
   * otherwise it first asks nextWakeAt, a read, and claims only what is due
   * (issue 21: most passes after a job's end found nothing to claim).
   */
  private claimNext = true;
  /** Jobs whose settle's riding claim left nothing it could take (!mayHaveMore): their end wakes the runner only to look (claimNext stays). */
  private readonly covered = new Set<number>();
  private wakeUp: (() => void) | null = null;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly schedule: Schedule;
  private readonly concurrency: number;
  /** The runner's logger without pino's redaction walk: the parent of each job's `idsLogger` (types.ts JobContext). */
  private readonly idsLog: Logger;
  private readonly batcher: SettleBatcher | null;

  constructor(private readonly o: RunnerOptions) {
    this.register(o.handlers);
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.schedule = o.schedule ?? realSchedule;
    this.concurrency = o.concurrency ?? 8;
    this.idsLog = o.logger.child({}, { redact: [] });
    this.batcher = o.batchSettles
      ? new SettleBatcher(o.db, o.ops, o.onCommitted, { claim: (trx, settling) => this.claimRiding(trx, settling), committed: (ridden, settling) => this.ridden(ridden, settling) })
      : null;
  }

  /**
   * Adds handlers before the runner starts: the service makes the runner
   * first (the intake and the webhook runtime wake it) and the handlers,
   * which need those, after.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  register(handlers: ReadonlyArray<JobHandler<any>>): void {
    if (this.loopDone) throw new Error('handlers are registered before the job runner starts');
    for (const h of handlers) {
      if (this.byKind.has(h.kind)) throw new Error(`two handlers for the job kind ${h.kind}`);
      this.byKind.set(h.kind, h);
      this.leases.set(h.kind, h.leaseMs);
    }
  }

  start(): void {
    this.loopDone ??= this.loop();
  }

  /** New work may be due now (a job was enqueued or settled): look at once. */
  wake(): void {
    this.claimNext = true;
    this.rouse();
  }

  /** Ends the sleep, or has the pass under way look again; whether it claims is claimNext's. */
  private rouse(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming; waits up to `graceMs` for running jobs. Unsettled claims expire and are taken over on the next start. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loopDone;
    let cancel = () => {};
    const timedOut = await Promise.race([
      Promise.allSettled([...this.inflight]).then(() => false),
      new Promise<boolean>((r) => (cancel = realSchedule(graceMs, () => r(true)))),
    ]);
    cancel();
    if (timedOut) {
      this.abandoning = true;
      this.o.logger.warn({ inflight: this.inflight.size }, 'shutdown: jobs still running were left for the next start');
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      const claiming = this.claimNext;
      this.claimNext = false;
      let claimed: number;
      try {
        claimed = claiming ? await this.tick() : 0;
      } catch (err) {
        this.claimNext = true;
        this.passFailed(err);
        await this.sleep(1000);
        continue;
      }
      if (this.unreachable) {
        this.unreachable = false;
        this.o.logger.info('jobs: the database answers again');
      }
      if (this.stopping) break;
      // Let I/O in: SQLite calls complete without leaving the microtask queue.
      await new Promise<void>((r) => setImmediate(r));
      if (claimed > 0) this.dueButUnclaimed = 0;
      if (this.woken || this.claimNext) continue;
      if (this.inflight.size >= this.concurrency) {
        // Every slot taken: a finishing job wakes us.
        if (await this.sleep(MAX_SLEEP_MS)) this.claimNext = true;
        continue;
      }
      const running = this.running();
      const next = await this.o.ops.nextWakeAt([...this.openLeases(running).keys()], this.fullPools(running)).catch(() => undefined);
      if (next === undefined) {
        // Could not look: a claim tells (and a failing one waits out passFailed's pause).
        this.claimNext = true;
        if (!claiming) continue;
      }
      const safety = this.o.safetyMs ?? null;
      const until = next === null || next === undefined ? null : Math.max(0, next - this.now());
      if (until === 0) {
        // Due now, yet not claimed. Usually it became due a moment after the
        // claim: claim again at once, or a paced message would slip by the
        // pause below. Still not ours after that: another instance holds it
        // (PostgreSQL); look again after a moment.
        this.claimNext = true;
        if (!claiming || ++this.dueButUnclaimed <= 3) continue;
        this.dueButUnclaimed = 0;
        await this.sleep(50);
        continue;
      }
      this.dueButUnclaimed = 0;
      if (await this.sleep(Math.min(until ?? MAX_SLEEP_MS, safety ?? MAX_SLEEP_MS, MAX_SLEEP_MS))) this.claimNext = true;
    }
  }

  /** A pass that failed: an unreachable database is said once (pg-link.ts says more), any other error each time. */
  private passFailed(err: unknown): void {
    if (!(err instanceof DatabaseUnavailableError)) {
      this.o.logger.error({ err: errInfo(err) }, 'jobs: database error, retrying');
      return;
    }
    if (!this.unreachable) this.o.logger.warn({ code: err.code }, 'jobs: the database is unreachable; claiming again once it answers');
    this.unreachable = true;
  }

  private async tick(): Promise<number> {
    const now = this.now();
    const room = this.concurrency - this.inflight.size;
    // An outcome of ours still waiting for the database keeps its claim: no lease is taken over until it is recorded.
    const reclaim = this.settlesWaiting === 0;
    if (room <= 0) {
      if (reclaim) await this.o.ops.reclaimExpired(now);
      return 0;
    }
    this.o.onClaim?.();
    // One transaction, one commit: the leases that ended, the claim, what a
    // full pool gives back, and the handlers' own marks. The take-over rides
    // in the claim's transaction: alone it was a write transaction of its own
    // on every pass (issue 21).
    const { rows, mayHaveMore } = await this.o.db.transaction().execute(async (trx) => {
      if (reclaim) await this.o.ops.reclaimExpired(now, now, trx);
      return this.claimIn(trx, now, room, this.running());
    });
    this.startAll(rows);
    if (mayHaveMore) this.claimNext = true;
    return rows.length;
  }

  /** Claims up to `room` jobs in `trx`, as far as the kinds' and pools' limits allow given `running`; marks them (announce). */
  private async claimIn(trx: Transaction<Database>, now: number, room: number, running: Running): Promise<Ridden> {
    const claimed = await this.o.ops.claim(now, room, this.o.owner, this.openLeases(running), this.fullPools(running), trx);
    const { keep, over } = this.withinRoom(claimed, running);
    await this.o.ops.release(trx, over.map((r) => r.id), this.o.owner);
    await this.announce(trx, keep);
    // Fewer than its room: all that was due was taken. A pool or kind full
    // (rows given back): what is left there waits for one of its jobs to
    // end, and anything else due is for a look (nextWakeAt) to find.
    return { rows: keep, mayHaveMore: claimed.length >= room && over.length === 0 };
  }

  /**
   * The claim that rides in a settle batch's transaction (settle-batch.ts),
   * so the jobs the settles free start from the same commit. The batch's
   * jobs have ended their work: their slots count as free here, though
   * they stay in `inflight` until their settle returns.
   */
  private async claimRiding(trx: Transaction<Database>, settling: ReadonlyArray<Job<unknown>>): Promise<Ridden> {
    const room = this.concurrency - this.inflight.size + settling.length;
    if (this.stopping || room <= 0) return { rows: [], mayHaveMore: true };
    this.o.onClaim?.();
    return this.claimIn(trx, this.now(), room, this.running(settling));
  }

  /**
   * A riding claim committed: its jobs start. When it left nothing it
   * could take, the batch's jobs' ends (their slots, lanes and pools, counted free
   * in it) need no claim of their own: the pass they wake only looks
   * (claimNext), and claims if something became due since.
   */
  private ridden(ridden: Ridden, settling: ReadonlyArray<Job<unknown>>): void {
    this.startAll(ridden.rows);
    if (!ridden.mayHaveMore) for (const j of settling) this.covered.add(j.id);
  }

  /** Claimed jobs start, once their claim has committed. */
  private startAll(rows: readonly JobRow[]): void {
    for (const row of rows) this.track(this.runOne(row), row);
  }

  /** Jobs running per kind and per pool on this instance, not counting `ended` (jobs whose outcome is being settled). */
  private running(ended: ReadonlyArray<Job<unknown>> = []): Running {
    const kinds = new Map(this.inflightByKind);
    const pools = new Map(this.inflightByPool);
    for (const j of ended) {
      kinds.set(j.kind, (kinds.get(j.kind) ?? 1) - 1);
      if (j.pool !== null) pools.set(j.pool, (pools.get(j.pool) ?? 1) - 1);
    }
    return { kinds, pools };
  }

  /** The kinds below their maxRunning, with their leases: a full kind is not claimed (nor waited for) until one of its jobs ends. */
  private openLeases(running: Running): Map<string, number> {
    const open = new Map<string, number>();
    for (const [kind, lease] of this.leases) {
      const max = this.byKind.get(kind)?.maxRunning;
      if (max === undefined || (running.kinds.get(kind) ?? 0) < max) open.set(kind, lease);
    }
    return open;
  }

  /** Pools at their limit on this instance: the claim and the wake-up time leave them out until one of their jobs ends. */
  private fullPools(running: Running): string[] {
    return [...running.pools].filter(([pool, n]) => n >= (this.poolLimits.get(pool) ?? Infinity)).map(([pool]) => pool);
  }

  /**
   * The claim cannot count per pool or kind, so a pool or kind below its
   * limit may get more than its room in one claim: keep what fits, give the
   * rest back.
   */
  private withinRoom(rows: readonly JobRow[], running: Running): { keep: JobRow[]; over: JobRow[] } {
    const keep: JobRow[] = [];
    const over: JobRow[] = [];
    const pools = new Map(running.pools);
    const kinds = new Map(running.kinds);
    for (const row of rows) {
      const h = this.byKind.get(row.kind);
      const inKind = kinds.get(row.kind) ?? 0;
      const inPool = row.pool === null ? 0 : (pools.get(row.pool) ?? 0);
      const poolFull = row.pool !== null && h?.poolLimit !== undefined && inPool >= h.poolLimit;
      if (poolFull || (h?.maxRunning !== undefined && inKind >= h.maxRunning)) {
        over.push(row);
        continue;
      }
      kinds.set(row.kind, inKind + 1);
      if (row.pool !== null) {
        pools.set(row.pool, inPool + 1);
        if (h?.poolLimit !== undefined) this.poolLimits.set(row.pool, h.poolLimit);
      }
      keep.push(row);
    }
    return { keep, over };
  }

  /** Each kind's `claimed` hook, inside the claim's transaction, with the jobs whose payload parses. */
  private async announce(trx: Transaction<Database>, rows: readonly JobRow[]): Promise<void> {
    for (const [kind, h] of this.byKind) {
      if (!h.claimed) continue;
      const jobs = rows.filter((r) => r.kind === kind).flatMap((r) => {
        try {
          return [{ ...this.jobOf(r), payload: h.parse(JSON.parse(r.payload_json)) as unknown }];
        } catch {
          return []; // runOne fails it with the reason
        }
      });
      if (jobs.length > 0) await h.claimed(trx, jobs, this.o.owner);
    }
  }

  private jobOf(row: JobRow): Job<unknown> {
    return {
      id: row.id,
      kind: row.kind,
      key: row.key,
      payload: null,
      attempts: row.attempts,
      runAt: row.run_at,
      createdAt: row.created_at,
      lane: row.lane,
      pool: row.pool,
      leaseEnd: row.locked_until ?? this.now(),
    };
  }

  private limits(h: JobHandler<unknown> | undefined, row: JobRow): Limits {
    return { maxAttempts: row.max_attempts ?? h?.maxAttempts ?? null, maxAgeMs: row.max_age_ms ?? h?.maxAgeMs ?? null };
  }

  private async runOne(row: JobRow): Promise<void> {
    const h = this.byKind.get(row.kind);
    const base = this.jobOf(row);
    const limits = this.limits(h, row);
    const logger = this.o.logger.child({ jobId: row.id, jobKind: row.kind });
    let idsLogger: Logger | undefined;
    const ctx: JobContext = {
      now: this.now,
      logger,
      idsLogger: () => (idsLogger ??= this.idsLog.child({ jobId: row.id, jobKind: row.kind })),
      failure: (err, write) => ({ ...failureOutcome(err, base, limits, this.now(), this.random), ...(write ? { write } : {}) }),
    };
    const outcome = await this.outcomeOf(h, row, base, ctx);
    const applied = await this.settleKept(base, outcome, limits, logger);
    if (applied === null) return;
    this.o.onSettled?.(row.kind, applied === 'lost' ? 'lost' : applied.kind);
    if (applied !== 'lost') {
      try {
        outcome.committed?.(applied);
      } catch (err) {
        logger.error({ err: errInfo(err) }, 'jobs: an observer of a settled job threw');
      }
    }
    if (applied === 'lost') logger.warn('job settled after its lease: another instance took it over, outcome dropped');
    // A handler that logged the outcome itself (with its ids) is not repeated above debug.
    else if (applied.kind === 'fail') logger[loggedBy(outcome) ? 'debug' : 'error']({ reason: applied.reason, attempts: row.attempts }, 'job failed');
    else if (applied.kind === 'retry') logger[loggedBy(outcome) ? 'debug' : 'warn']({ reason: applied.reason, retryInMs: applied.at - this.now(), attempts: row.attempts }, 'job will be retried');
  }

  /**
   * Applies the outcome. When the database cannot take it (unreachable, or
   * still busy after the settle's own wait), the outcome is kept and tried
   * again until the database answers: a message that was sent is recorded as
   * sent, not left to its lease and sent again. The settle only applies to
   * this very claim (its attempts), so a try whose first commit did land
   * changes nothing. Left (null) only once shutdown's grace is over: the
   * claim is then released at the next start, which keeps this identity.
   */
  private async settleKept(base: Job<unknown>, outcome: JobOutcome, limits: Limits, logger: Logger): Promise<SettledOutcome | 'lost' | null> {
    let waiting = false;
    try {
      for (let delay = SETTLE_RETRY_FIRST_MS; ; delay = Math.min(delay * 2, SETTLE_RETRY_MAX_MS)) {
        try {
          const applied = this.batcher
            ? await this.batcher.settle(base, this.o.owner, outcome, limits, this.now())
            : await settle(this.o.db, this.o.ops, base, this.o.owner, outcome, limits, this.now(), this.o.onCommitted);
          // A lost job wrote nothing, so says nothing of the writes.
          if (applied !== 'lost') this.o.writes?.succeeded();
          if (waiting) logger.info({ outcome: applied === 'lost' ? 'lost' : applied.kind }, 'jobs: outcome recorded once the database answered');
          return applied;
        } catch (err) {
          this.o.writes?.failed(err);
          if (!(err instanceof DatabaseUnavailableError || err instanceof DatabaseBusyError)) throw err;
          if (this.abandoning) {
            logger.warn({ outcome: outcome.kind }, 'shutdown: an outcome the database could not take was left; its job is released at the next start');
            return null;
          }
          if (!waiting) {
            waiting = true;
            this.settlesWaiting++;
            logger.warn({ outcome: outcome.kind, code: err.code }, 'jobs: the database could not take an outcome; keeping it until it answers');
          }
          await new Promise<void>((resolve) => this.schedule(delay, resolve));
        }
      }
    } finally {
      if (waiting) this.settlesWaiting--;
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async outcomeOf(h: JobHandler<any> | undefined, row: JobRow, base: Job<unknown>, ctx: JobContext): Promise<JobOutcome> {
    if (!h) return { kind: 'fail', reason: `no handler for the job kind ${row.kind}` };
    let payload: unknown;
    try {
      payload = h.parse(JSON.parse(row.payload_json));
    } catch (err) {
      return { kind: 'fail', reason: `bad payload: ${errInfo(err).message}` };
    }
    try {
      return (await h.run({ ...base, payload }, ctx));
    } catch (err) {
      // The database went away (or stayed locked) under the handler's own
      // reads: nothing was done, so the job goes again soon, never failed for it.
      if (err instanceof DatabaseUnavailableError || err instanceof DatabaseBusyError) {
        return { kind: 'retry', at: this.now() + DATABASE_RETRY_MS, reason: err.message };
      }
      // Any other throw is a failure like any other: the one rule decides retry or fail.
      return ctx.failure(err);
    }
  }

  private track(p: Promise<void>, row: JobRow): void {
    const counters: Array<[Map<string, number>, string]> = [[this.inflightByKind, row.kind], ...(row.pool !== null ? [[this.inflightByPool, row.pool] as [Map<string, number>, string]] : [])];
    for (const [m, k] of counters) m.set(k, (m.get(k) ?? 0) + 1);
    const tracked: Promise<void> = p
      .catch((err: unknown) => this.o.logger.error({ err: errInfo(err) }, 'jobs: unexpected error'))
      .finally(() => {
        this.inflight.delete(tracked);
        for (const [m, k] of counters) {
          const n = (m.get(k) ?? 1) - 1;
          if (n <= 0) m.delete(k);
          else m.set(k, n);
        }
        // Its settle's riding claim left nothing it could take: only look (loop). Else claim.
        if (!this.covered.delete(row.id)) this.claimNext = true;
        this.rouse();
      });
    this.inflight.add(tracked);
  }

  /** Sleeps `ms` at most (less when woken); true when the time ran out (a due time or lease end may have come). */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let cancel = () => {};
      const done = (timedOut: boolean) => {
        cancel();
        this.wakeUp = null;
        resolve(timedOut);
      };
      cancel = this.schedule(Math.min(ms, MAX_SLEEP_MS), () => done(true));
      this.wakeUp = () => done(false);
      if (this.woken || this.stopping) done(false);
    });
  }
}

function loggedBy(outcome: JobOutcome): boolean {
  return outcome.kind !== 'done' && outcome.logged === true;
}

function errInfo(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}
