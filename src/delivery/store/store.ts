// The durable store: one Kysely connection, its migrations, the group-committed
// intake and the queue depth, behind one object.
import { sql, type Kysely } from 'kysely';
import { connect, type Db, type Dialect } from './connect.js';
import { migrateToLatest, type MigrationProgress } from './migrations.js';
import { queueDepth } from './chat-queue.js';
import { chatTiming, type ChatTiming } from '../chat-timing.js';
import { GroupCommitter } from './group-commit.js';
import type { RecordItem, RecordOutcome } from './record-event.js';
import { pruneBefore, type PruneResult } from './retention.js';
import { pruneAuditBefore } from './audit-log.js';
import { DatabaseBusyError, STARTUP_WAIT, asBusyError, retryWhileBusy, type DatabaseState } from './busy.js';
import { singleAttempt, type StoreKysely } from './store-kysely.js';
import { jobDepth, type JobDepth } from './job-ops.js';
import { wakeTokenOf } from './job-wakeups.js';
import { WriteHealth, storageFaultOf } from './write-health.js';
import type { DatabaseLink, LinkLog } from './pg-link.js';
import { asUnavailableError, DatabaseUnavailableError, retryWhileUnavailable, type DatabaseWait } from './unavailable.js';

export interface OpenOptions {
  /** DELAY_SCALE, and PARK_AFTER_SECONDS in ms (its default when left out): the store's own timing, for the callers that move chats with it. */
  delayScale: number;
  parkAfterMs?: number;
  onMigration?: (p: MigrationProgress) => void;
  /** Hears of PostgreSQL connections lost and back, once per outage. */
  log?: LinkLog;
  /** Wait for an unreachable database (the service at start-up); without it, an unreachable database fails at once. */
  waitForDatabase?: DatabaseWait;
}

/**
 * Events answered before their commit that may be in flight at once: past
 * it the webhook waits for the commit again, as every delivery did before.
 * Bounds the memory a slow database lets them take (at the bench's rate,
 * about a second of deliveries).
 */
const MAX_UNCONFIRMED = 2_048;

/** How long /healthz and /metrics wait for the database before calling it busy. */
const HEALTH_DEADLINE_MS = 1_000;

export class Store {
  /** The outcome of the webhook's commits (here) and the jobs' settles (the runner reports them). */
  readonly writes = new WriteHealth();
  private readonly committer: GroupCommitter;
  /** recordLater's events not yet committed or refused. */
  private unconfirmed = 0;
  /** A recordLater event was refused, and no write succeeded since: wait for commits again. */
  private laterFailed = false;

  private constructor(
    readonly db: StoreKysely,
    readonly dialect: Dialect,
    readonly describe: string,
    readonly timing: ChatTiming,
    private readonly link: DatabaseLink | undefined,
    /** PostgreSQL: a connection of its own, outside the pool (instance-lock.ts). */
    readonly session: Db['session'],
  ) {
    // PostgreSQL: commits are round trips, so several lanes (the pool has 10 connections; the rest serve the job runner and the console).
    this.committer = new GroupCommitter(db, dialect, timing, dialect === 'postgres' ? 4 : 1);
  }

  /**
   * Connects and migrates; a database another process keeps locked is waited
   * for (on timers), up to STARTUP_WAIT; an unreachable one only with
   * `waitForDatabase`.
   */
  static async open(databaseUrl: string, opts: OpenOptions): Promise<Store> {
    const once = () => retryWhileBusy(() => Store.openOnce(databaseUrl, opts), STARTUP_WAIT);
    const store = await (opts.waitForDatabase ? retryWhileUnavailable(once, opts.waitForDatabase) : once());
    // Only now: while it opens, each failed try is said once, by waitForDatabase.onWait.
    if (opts.log) store.link?.report(opts.log);
    return store;
  }

  private static async openOnce(databaseUrl: string, opts: OpenOptions): Promise<Store> {
    let c: Awaited<ReturnType<typeof connect>>;
    try {
      c = await connect(databaseUrl);
    } catch (err) {
      // SQLite's pragmas run while opening.
      throw asBusyError(err);
    }
    const store = new Store(c.kysely, c.dialect, c.describe, chatTiming(opts.delayScale, opts.parkAfterMs), c.link, c.session);
    try {
      await migrateToLatest(c.kysely as unknown as Kysely<unknown>, c.dialect, opts.onMigration);
    } catch (err) {
      await c.kysely.destroy();
      // A migration that found the database locked (or unreachable) is tried again; the migrator wraps the driver's error.
      const cause = err instanceof Error && (err.cause instanceof DatabaseBusyError || err.cause instanceof DatabaseUnavailableError) ? err.cause : err;
      throw asUnavailableError(asBusyError(cause));
    }
    return store;
  }

  /** Resolves once the event is committed (with others that arrived meanwhile); DatabaseBusyError when the database stays locked. */
  async record(item: RecordItem): Promise<RecordOutcome> {
    let outcome: RecordOutcome;
    try {
      outcome = await this.committer.submit(item);
    } catch (err) {
      this.writes.failed(err);
      throw err;
    }
    // A duplicate wrote nothing, so it proves nothing about the writes.
    if (!outcome.duplicate) {
      this.writes.succeeded();
      this.laterFailed = false;
    }
    return outcome;
  }

  /**
   * Submits an event nothing acts on (record-event.ts mayAct) to the group
   * commit without the caller waiting for it: the promise settles with the
   * commit. Null when the caller should wait after all (record()), so that a
   * database in trouble still answers 503 and memory stays bounded: while
   * PostgreSQL is unreachable, while the latest writes failed for want of
   * storage, after a record submitted this way failed until a commit
   * succeeds again, and while MAX_UNCONFIRMED of them are in flight.
   */
  recordLater(item: RecordItem): Promise<RecordOutcome> | null {
    if (this.unconfirmed >= MAX_UNCONFIRMED || this.laterFailed || this.writes.failing || this.link?.unreachable() === true) return null;
    this.unconfirmed++;
    return this.record(item).then(
      (outcome) => {
        this.unconfirmed--;
        return outcome;
      },
      (err: unknown) => {
        this.unconfirmed--;
        this.laterFailed = true;
        throw err;
      },
    );
  }

  /** Waits until every event submitted so far (recordLater's among them) is committed or refused. */
  recorded(): Promise<void> {
    return this.committer.drain();
  }

  /** Deletes finished runs, events and failed jobs older than `cutoff` (epoch ms); see retention.ts. */
  prune(cutoff: number): Promise<PruneResult> {
    return pruneBefore(this.db, cutoff);
  }

  /** Deletes audit log rows older than `cutoff` (epoch ms): AUDIT_RETENTION_DAYS, apart from RETENTION_DAYS. */
  pruneAudit(cutoff: number): Promise<number> {
    return pruneAuditBefore(this.db, cutoff);
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('events').select('id').limit(1).execute();
  }

  /**
   * Whether a webhook could be stored right now, answered at once: 'busy'
   * when another connection holds the lock a write needs (or the database
   * gives no answer within a second), 'failing' when the probe or the latest
   * writes failed for want of storage (full, damaged, I/O; write-health.ts),
   * 'unreachable' on any other failure, and when the answer is late because
   * a new connection is still being made (a host that does not answer; one
   * that refuses fails at once).
   */
  async health(): Promise<DatabaseState> {
    try {
      await withDeadline(this.probe(), HEALTH_DEADLINE_MS);
      return this.writes.failing ? 'failing' : 'ok';
    } catch (err) {
      // The probe is a write that starts (BEGIN IMMEDIATE, a write lock): a storage fault there counts like any other.
      if (storageFaultOf(err)) {
        this.writes.failed(err);
        return 'failing';
      }
      if (!(err instanceof DatabaseBusyError)) return 'unreachable';
      return this.link?.connectingSince() != null ? 'unreachable' : 'busy';
    }
  }

  private probe(): Promise<void> {
    // SQLite: the transaction opens with BEGIN IMMEDIATE, which takes the write
    // lock or fails at once. PostgreSQL: the lock an insert takes, without waiting.
    return singleAttempt(this.db).execute(async (trx) => {
      if (this.dialect === 'postgres') await sql`LOCK TABLE events, jobs, runs, messages, chats IN ROW EXCLUSIVE MODE NOWAIT`.execute(trx);
      await trx.selectFrom('events').select('id').limit(1).execute();
    });
  }

  /** PostgreSQL: what this store's job notifications carry, so that its own listener leaves them out (job-wakeups.ts); null on SQLite. */
  get wakeToken(): string | null {
    return wakeTokenOf(this.db);
  }

  queueDepth(): Promise<number> {
    return queueDepth(this.db);
  }

  /** The job engine's depth by kind and state, for /metrics. */
  jobDepth(): Promise<JobDepth[]> {
    return jobDepth(this.db);
  }

  async close(): Promise<void> {
    await this.committer.drain();
    await this.db.destroy();
  }
}

/** `p`, or DatabaseBusyError after `ms`; `p` is left to finish on its own. */
function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseBusyError(`no answer within ${ms} ms`, undefined)), ms);
  });
  p.catch(() => undefined);
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
