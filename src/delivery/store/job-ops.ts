// The job engine's SQL (src/jobs/ holds the engine): enqueue, claim with a
// lease, take over expired leases, and the row changes settle() makes. The
// claim never takes two jobs of one lane: only a lane's earliest waiting job
// is eligible, and only while no job of the lane runs. On PostgreSQL the
// claim skips rows another instance is claiming (FOR UPDATE SKIP LOCKED),
// and what makes a job due now tells the other instances in the same
// statement (pg_notify, job-wakeups.ts).
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Dialect } from './connect.js';
import { notifyJobsDue, wakeTokenOf } from './job-wakeups.js';
import { CompiledStatement } from './compiled-statement.js';
import type { Database, JobState, JobsTable } from './schema.js';

export type JobRow = Selectable<JobsTable>;
type Db = Kysely<Database> | Transaction<Database>;

export interface EnqueueSpec {
  kind: string;
  /** Dedupe: while a row with this key exists (waiting, running or failed), enqueueing it again adds nothing. */
  key?: string | null;
  payload: unknown;
  /** Due time; defaults to now. */
  runAt?: number;
  /** Serialization key (see JobsTable.lane). */
  lane?: string | null;
  /** Concurrency group (see JobsTable.pool). */
  pool?: string | null;
  maxAttempts?: number | null;
  maxAgeMs?: number | null;
  /** When the work began, for its maximum age; defaults to now. */
  createdAt?: number;
}

/**
 * Adds a job inside the caller's transaction (or alone); false when its key
 * already exists. On PostgreSQL a job due now is announced to the other
 * instances in the same statement, so on commit (job-wakeups.ts); a job due
 * later is this instance's runner's to wait for, like on SQLite.
 */
export async function enqueueJob(db: Db, spec: EnqueueSpec, now: number): Promise<boolean> {
  const runAt = spec.runAt ?? now;
  const token = runAt <= now ? wakeTokenOf(db) : null;
  const params: EnqueueParams = {
    kind: spec.kind,
    key: spec.key ?? null,
    payload: JSON.stringify(spec.payload),
    runAt,
    maxAttempts: spec.maxAttempts ?? null,
    maxAgeMs: spec.maxAgeMs ?? null,
    createdAt: spec.createdAt ?? now,
    lane: spec.lane ?? null,
    pool: spec.pool ?? null,
    token,
  };
  // With a token: one row per job added (none for a duplicate key), each notifying.
  if (token !== null) return (await ENQUEUE.run(db, params)).rows.length > 0;
  return (await ENQUEUE.changed(db, params)) > 0;
}

interface EnqueueParams {
  kind: string;
  key: string | null;
  payload: string;
  runAt: number;
  maxAttempts: number | null;
  maxAgeMs: number | null;
  createdAt: number;
  lane: string | null;
  pool: string | null;
  /** The wake token when the job is due now on PostgreSQL (the statement then notifies), else null. */
  token: string | null;
}

/**
 * The job's insert, compiled once per database and shape (compiled-statement.ts):
 * enqueueing is a statement of every planned run and every sent message, and
 * building it cost about 10 µs each (issue 21).
 */
const ENQUEUE = new CompiledStatement<EnqueueParams>(['kind', 'key', 'payload', 'runAt', 'maxAttempts', 'maxAgeMs', 'createdAt', 'lane', 'pool', 'token'], (db, p) => {
  const insert = db
    .insertInto('jobs')
    .values({
      kind: p.kind,
      key: p.key,
      payload_json: p.payload,
      run_at: p.runAt,
      max_attempts: p.maxAttempts,
      max_age_ms: p.maxAgeMs,
      created_at: p.createdAt,
      lane: p.lane,
      pool: p.pool,
      state: 'pending',
    })
    .onConflict((oc) => oc.column('key').doNothing());
  return p.token === null ? insert : db.with('added', () => insert.returning('id')).selectFrom('added').select(['id', notifyJobsDue(p.token).as('told')]);
});

export interface JobDepth {
  kind: string;
  state: JobState;
  count: number;
}

/** How many jobs of each kind are in each state. One pass over the table, which holds the queue and the failed jobs of the retention period. */
export async function jobDepth(db: Db): Promise<JobDepth[]> {
  const rows = await db.selectFrom('jobs').select(['kind', 'state', (eb) => eb.fn.countAll().as('n')]).groupBy(['kind', 'state']).execute();
  return rows.map((r) => ({ kind: r.kind, state: r.state, count: Number(r.n) }));
}

/** The claim's condition that leaves out full pools (none: nothing added). */
function notInPools(pools: readonly string[]) {
  return pools.length > 0 ? sql` AND (j.pool IS NULL OR j.pool NOT IN (${sql.join(pools)}))` : sql``;
}

export class JobOps {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  private get skipLocked() {
    return this.dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
  }

  // PostgreSQL: `id = ANY(ARRAY(…))` updates the claimed ids through the
  // primary key, one probe each; `id IN (…)`, on stale statistics, was planned
  // as a hash join over the whole table's primary key.
  private get inClaimed() {
    return this.dialect === 'postgres' ? sql`= ANY(ARRAY` : sql`IN`;
  }

  private get inClaimedEnd() {
    return this.dialect === 'postgres' ? sql`)` : sql``;
  }

  /**
   * PostgreSQL plans the claim from the jobs table's statistics, and a
   * queue's are stale by nature (analysed nearly empty, then a burst): on
   * them it read every due job, checked both lanes of each and sorted, to
   * return a few (4.6 ms against 0.8 ms with 886 waiting; BENCHMARKS.md,
   * pg-three). For the rest of the claim's transaction (SET LOCAL) the
   * planner may not scan the table whole or sort, so it walks jobs_due in
   * due order and stops at the limit. Outside a transaction it changes
   * nothing, so callers that want it pass their transaction (the runner does).
   */
  private async planByDueOrder(db: Db): Promise<void> {
    if (this.dialect !== 'postgres') return;
    await sql`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true)`.execute(db);
  }

  enqueue(spec: EnqueueSpec, now: number, db: Db = this.db): Promise<boolean> {
    return enqueueJob(db, spec, now);
  }

  /**
   * The waiting job under `key`, due at `at` at the latest (a recurring job
   * wanted now), with `patch` merged into its payload (why it runs now: a
   * sweep's reason); false when none waits. The payload is read and written
   * back in one transaction; on PostgreSQL the other instances are told in
   * the update's own statement.
   */
  async bringForward(key: string, at: number, patch: Record<string, unknown> = {}): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('jobs').select(['id', 'payload_json', 'run_at']).where('key', '=', key).where('state', '=', 'pending').executeTakeFirst();
      if (!row) return false;
      const payload = { ...(JSON.parse(row.payload_json) as Record<string, unknown>), ...patch };
      const update = trx.updateTable('jobs').set({ run_at: Math.min(row.run_at, at), payload_json: JSON.stringify(payload) }).where('id', '=', row.id).where('state', '=', 'pending');
      const token = wakeTokenOf(trx);
      if (token !== null) {
        const moved = await trx.with('moved', () => update.returning('id')).selectFrom('moved').select(['id', notifyJobsDue(token).as('told')]).execute();
        return moved.length > 0;
      }
      const res = await update.executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    });
  }

  /**
   * Running jobs whose lease ended (their instance died or stalled) wait
   * again. `expiredBefore` defaults to now; a lone SQLite process passes
   * +Infinity at start, since every claim left is its own dead one. Pass
   * the runner's claim transaction as `db` to do it in the claim's commit.
   */
  async reclaimExpired(now: number, expiredBefore = now, db: Db = this.db): Promise<number> {
    const res = await db
      .updateTable('jobs')
      .set({ state: 'pending', locked_by: null, locked_until: null })
      .where('state', '=', 'running')
      .where('locked_until', '<', expiredBefore)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /**
   * The claims `owner` left when its process ended, found by its next
   * process (same identity, store/instance-lock.ts), wait again at once: the
   * same change as reclaimExpired makes when their lease ends, attempts
   * unchanged, so the job runs as after a takeover (a send with the same
   * requestId), without waiting out the lease.
   */
  async releaseOwn(owner: string): Promise<number> {
    const res = await this.db
      .updateTable('jobs')
      .set({ state: 'pending', locked_by: null, locked_until: null })
      .where('state', '=', 'running')
      .where('locked_by', '=', owner)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /**
   * Claims up to `limit` due jobs of `kinds`, each with its kind's lease. A
   * job whose lane has a running job, or an earlier waiting one, stays; so
   * does a job of a pool in `skipPools` (full on this instance). Pass the
   * runner's transaction as `db` to do more in the claim's commit.
   */
  async claim(now: number, limit: number, owner: string, leases: ReadonlyMap<string, number>, skipPools: readonly string[] = [], db: Db = this.db): Promise<JobRow[]> {
    if (leases.size === 0 || limit <= 0) return [];
    const kinds = [...leases.keys()];
    const lease = sql.join(
      kinds.map((k) => sql`WHEN ${k} THEN CAST(${now + leases.get(k)!} AS bigint)`),
      sql` `,
    );
    await this.planByDueOrder(db);
    const { rows } = await sql<JobRow>`
      UPDATE jobs SET state = 'running', locked_by = ${owner}, attempts = attempts + 1,
        locked_until = CASE kind ${lease} END
      WHERE id ${this.inClaimed} (
        SELECT j.id FROM jobs j
        WHERE j.state = 'pending' AND j.run_at <= ${now} AND j.kind IN (${sql.join(kinds)})${notInPools(skipPools)}
          AND (j.lane IS NULL OR (
            NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.lane IS NOT NULL AND r.lane = j.lane)
            AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.state = 'pending' AND e.lane IS NOT NULL AND e.lane = j.lane
              AND (e.run_at < j.run_at OR (e.run_at = j.run_at AND e.id < j.id)))))
        ORDER BY j.run_at, j.id
        LIMIT ${limit}${this.skipLocked}
      )${this.inClaimedEnd}
      RETURNING *`.execute(db);
    return rows.sort((a, b) => a.run_at - b.run_at || a.id - b.id);
  }

  /**
   * Gives claimed jobs back untouched, inside the claim's transaction: due
   * as before, the claim not counted as an attempt (a pool was full here;
   * on PostgreSQL the other instances are woken for them).
   */
  async release(trx: Transaction<Database>, ids: readonly number[], owner: string): Promise<void> {
    if (ids.length === 0) return;
    const update = trx
      .updateTable('jobs')
      .set((eb) => ({ state: 'pending', locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1) }))
      .where('id', 'in', ids)
      .where('state', '=', 'running')
      .where('locked_by', '=', owner);
    // Due now and beyond this instance's room: another instance with room is told (on the claim's commit).
    const token = wakeTokenOf(trx);
    if (token !== null) await trx.with('freed', () => update.returning('id')).selectFrom('freed').select(['id', notifyJobsDue(token).as('told')]).execute();
    else await update.execute();
  }

  /**
   * When the runner must look again: the earliest due time of a job that
   * could be claimed (not held behind its lane, not in a full pool), or a
   * lease's end. Null: nothing waits.
   */
  async nextWakeAt(kinds: readonly string[], skipPools: readonly string[] = []): Promise<number | null> {
    if (kinds.length === 0) return null;
    const { rows } = await sql<{ due: number | string | null; lease: number | string | null }>`
      SELECT (SELECT MIN(j.run_at) FROM jobs j WHERE j.state = 'pending' AND j.kind IN (${sql.join(kinds)})${notInPools(skipPools)}
                AND (j.lane IS NULL OR NOT EXISTS (SELECT 1 FROM jobs r WHERE r.state = 'running' AND r.lane IS NOT NULL AND r.lane = j.lane))) AS due,
             (SELECT MIN(locked_until) FROM jobs WHERE state = 'running') AS lease`.execute(this.db);
    const ts = [rows[0]?.due, rows[0]?.lease].filter((t) => t !== null && t !== undefined).map(Number);
    return ts.length === 0 ? null : Math.min(...ts);
  }

  // Inside settle's transaction, each only while `owner` still holds the job
  // (running, locked by it): false when another instance took it over. The
  // condition is the statement's own, so checking and changing the row is one
  // statement (and on PostgreSQL takes the row's lock). With `attempts` (the
  // count its claim left) only that claim matches: a settle tried again after
  // its first commit's answer was lost never touches a later claim of the job.

  async remove(trx: Transaction<Database>, id: number, owner: string, attempts?: number): Promise<boolean> {
    return (await REMOVE_HELD.changed(trx, { id, owner, attempts: attempts ?? null })) > 0;
  }

  async reschedule(trx: Transaction<Database>, id: number, owner: string, runAt: number, error: string, attempts?: number): Promise<boolean> {
    return (await CHANGE_HELD.changed(trx, { id, owner, attempts: attempts ?? null, state: 'pending', runAt, error })) > 0;
  }

  /** A failed job stays, with its reason, for the operator (and its key keeps a duplicate from redoing it). */
  async fail(trx: Transaction<Database>, id: number, owner: string, error: string, attempts?: number): Promise<boolean> {
    return (await CHANGE_HELD.changed(trx, { id, owner, attempts: attempts ?? null, state: 'failed', runAt: null, error })) > 0;
  }

  /** Jobs by kind and state (waiting, running, failed), for /metrics. */
  depthByKind(): Promise<JobDepth[]> {
    return jobDepth(this.db);
  }

  /** Jobs waiting or running, for /metrics and tests. */
  async depth(): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`
      SELECT (SELECT COUNT(*) FROM jobs WHERE state = 'pending') + (SELECT COUNT(*) FROM jobs WHERE state = 'running') AS n`.execute(this.db);
    return Number(rows[0]?.n ?? 0);
  }
}

interface HeldJob {
  id: number;
  owner: string;
  /** The claim's count of attempts; null: any claim of `owner`. */
  attempts: number | null;
}

// Settle's statements (a job deleted, rescheduled or failed: one per sent
// message), compiled once per database and shape (compiled-statement.ts).

const REMOVE_HELD = new CompiledStatement<HeldJob>(['id', 'owner', 'attempts'], (db, p) =>
  db
    .deleteFrom('jobs')
    .where('id', '=', p.id)
    .where('state', '=', 'running')
    .where('locked_by', '=', p.owner)
    .$if(p.attempts !== null, (q) => q.where('attempts', '=', p.attempts!)),
);

interface HeldJobChange extends HeldJob {
  state: 'pending' | 'failed';
  /** The new due time; null: unchanged. */
  runAt: number | null;
  error: string;
}

const CHANGE_HELD = new CompiledStatement<HeldJobChange>(['id', 'owner', 'attempts', 'state', 'runAt', 'error'], (db, p) =>
  db
    .updateTable('jobs')
    .set({ state: p.state, last_error: p.error, locked_by: null, locked_until: null })
    .$if(p.runAt !== null, (q) => q.set({ run_at: p.runAt! }))
    .where('id', '=', p.id)
    .where('state', '=', 'running')
    .where('locked_by', '=', p.owner)
    .$if(p.attempts !== null, (q) => q.where('attempts', '=', p.attempts!)),
);

/**
 * A recurring job's waiting occurrence (the row its last run enqueued, due
 * `created_at` + the old interval) is made due `intervalMs` after that run
 * instead: at start-up, the interval configured now applies to the next run
 * too. A row that is due at once (a first one, one brought forward) or waits
 * on a retry stays as it is. True when one was moved.
 */
export async function rescheduleRecurring(db: Db, key: string, intervalMs: number): Promise<boolean> {
  const res = await db
    .updateTable('jobs')
    .set((eb) => ({ run_at: eb('created_at', '+', intervalMs) }))
    .where('key', '=', key)
    .where('state', '=', 'pending')
    .where('attempts', '=', 0)
    .whereRef('run_at', '>', 'created_at')
    .where((eb) => eb('run_at', '!=', eb('created_at', '+', intervalMs)))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Ends a recurring job's series (its interval is now 0, "never"): the waiting row under `key` goes. True when there was one. */
export async function stopRecurring(db: Db, key: string): Promise<boolean> {
  const res = await db.deleteFrom('jobs').where('key', '=', key).where('state', '=', 'pending').executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
