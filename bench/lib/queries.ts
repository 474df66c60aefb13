// The job runner's per-pass queries, timed on a given store, with their
// query plans. One pass runs reclaimExpired, the claim (every kind: sending,
// planning and write-back are jobs; a claim of sends also marks their
// messages in flight in the same transaction) and, when nothing was claimed,
// nextWakeAt: these run on every wake-up (after every commit that creates
// work), so their cost must not grow with history. The statements are the
// exact ones JobOps and the send handler run: a Kysely logger captures their
// SQL and parameters, which then go to EXPLAIN QUERY PLAN.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { openSqlite, sqliteDialect } from '../../src/delivery/store/connect.js';
import { markInFlightTx } from '../../src/delivery/store/send-outcomes.js';
import { queueDepth } from '../../src/delivery/store/chat-queue.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import type { Database } from '../../src/delivery/store/schema.js';
import { messagePayload } from '../../src/delivery/job-kinds.js';
import { summarize } from './stats.js';

export interface PlanLine {
  what: string;
  sql: string;
  plan: string[];
  /** Reads a whole table or a whole full index (SCAN without a partial index), i.e. grows with history. */
  fullScan: boolean;
  usesDueIndex: boolean;
}

export interface QueryTimes {
  /** Median µs per call, each query of an idle pass. */
  perCallUs: Record<'reclaimExpired' | 'claimJobs' | 'nextJobAt', number>;
  /** queueDepth(), which /healthz and every /metrics scrape run, µs per call, median. */
  queueDepthUs: number;
  /** One idle pass of the job runner: reclaimExpired + claimJobs + nextJobAt (nothing due, the live queue waiting), µs, median. */
  idleTickUs: number;
  /** The selection inside the claim (due jobs, ORDER BY run_at LIMIT 16), µs per call, read only. */
  claimSelectUs: number;
  /** A claim of 16 due sends: the UPDATE … RETURNING, the messages' in-flight mark and their commit (fsync, synchronous=FULL), ms, median. */
  claimSendsMs: number;
  liveQueue: { pending: number; due: number; waiting: number };
  plans: PlanLine[];
}

const LIVE_RUNS = 200;
const KINDS = ['sendMessage', 'planRun', 'writeBack', 'webhookHealth', 'sweep'];
const leases = (ms: number) => new Map(KINDS.map((k) => [k, ms]));

/** Adds a live queue (LIVE_RUNS runs being sent: one pending message each with its send job, half of them due, 11 waiting), times the queries, removes the queue. */
export async function timeDispatcherQueries(file: string, budgetMs = 500): Promise<QueryTimes> {
  // As the service opens it: same pragmas, same statement cache.
  const raw = openSqlite(file);
  const captured: Array<{ what: string; sql: string; parameters: readonly unknown[] }> = [];
  /** The call being captured, or null. */
  let capture: string | null = null;
  const db = new Kysely<Database>({
    dialect: sqliteDialect(raw),
    log: (e) => {
      if (capture !== null && e.level === 'query') {
        const n = captured.filter((c) => c.what.startsWith(`${capture} `)).length;
        captured.push({ what: `${capture} #${n + 1}`, sql: e.query.sql, parameters: e.query.parameters });
      }
    },
  });
  const jobs = new JobOps(db, 'sqlite');
  const now = Date.now();
  // Before anything of the live queue is due: the pass a runner makes when woken with nothing to do.
  const idleAt = now - 60_000;
  const owner = 'bench';
  const calls = {
    reclaimExpired: () => jobs.reclaimExpired(idleAt),
    claimJobs: () => jobs.claim(idleAt, 24, owner, leases(30_000)),
    nextJobAt: () => jobs.nextWakeAt(KINDS),
  };
  const claimSends = () =>
    db.transaction().execute(async (trx) => {
      const rows = await jobs.claim(now, 16, owner, leases(30_000), [], trx);
      await markInFlightTx(trx, rows.map((r) => ({ ...messagePayload(JSON.parse(r.payload_json)), leaseEnd: r.locked_until ?? now })), owner);
      return rows;
    });
  try {
    removeLiveQueue(raw); // left over by an interrupted run
    addLiveQueue(raw, now);
    for (const [name, call] of Object.entries(calls)) {
      capture = name;
      await call();
    }
    capture = 'queueDepth';
    await queueDepth(db);
    capture = 'claimSends';
    if ((await claimSends()).length === 0) throw new Error('the claim found no send due in the live queue');
    capture = null;
    release(raw);

    const perCallUs = {} as QueryTimes['perCallUs'];
    for (const [name, call] of Object.entries(calls)) perCallUs[name as keyof typeof calls] = await medianUs(call, budgetMs / 4);
    const queueDepthUs = await medianUs(() => queueDepth(db), budgetMs / 4);
    const idleTickUs = await medianUs(async () => {
      for (const call of Object.values(calls)) await call();
    }, budgetMs);
    const select = raw.prepare(`SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ? ORDER BY run_at, id LIMIT 16`);
    const claimSelectUs = await medianUs(() => Promise.resolve(select.all(now)), budgetMs / 2);
    const claims: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const got = await claimSends();
      claims.push(performance.now() - t0);
      if (got.length === 0) throw new Error('the claim found no send due in the live queue');
      release(raw);
    }
    const partial = new Set(
      (raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'`).all() as Array<{ name: string }>).map((r) => r.name),
    );
    const plans = captured.map((q) => explain(raw, partial, q.what, q.sql, q.parameters));
    const count = (where: string) => (raw.prepare(`SELECT count(*) AS n FROM messages WHERE ${where}`).get(now) as { n: number }).n;
    const liveQueue = { pending: count(`state = 'pending' AND ? > 0`), due: count(`state = 'pending' AND due_at <= ?`), waiting: count(`state = 'waiting' AND ? > 0`) };
    return { perCallUs, queueDepthUs, idleTickUs, claimSelectUs, claimSendsMs: summarize(claims).p50, liveQueue, plans };
  } finally {
    removeLiveQueue(raw);
    await db.destroy();
  }
}

function addLiveQueue(raw: BetterSqlite3.Database, now: number): void {
  const run = raw.prepare(
    `INSERT INTO runs (id, curation_id, event_id, channel_id, chat_id, user_id, state, outcome, lang, once_key, created_at, updated_at, planning_attempts)
     VALUES (?, 'diet-main', ?, '95334', ?, ?, 'sending', 'sequence', 'ko', ?, ?, ?, 0)`,
  );
  const msg = raw.prepare(
    `INSERT INTO messages (run_id, seq, chat_id, channel_id, request_id, state, delay_ms, due_at, body_json, is_last, attempts, created_at)
     VALUES (?, ?, ?, '95334', ?, ?, 2000, ?, '{"blocks":[{"type":"text","value":"bench"}]}', ?, 0, ?)`,
  );
  // As chat-queue.ts enqueues it when a message becomes due.
  const job = raw.prepare(
    `INSERT INTO jobs (kind, key, payload_json, run_at, attempts, created_at, lane, pool, state)
     VALUES ('sendMessage', ?, ?, ?, 0, ?, ?, 'send:95334', 'pending')`,
  );
  raw.transaction(() => {
    for (let i = 0; i < LIVE_RUNS; i++) {
      const id = `r_bench_live_${i}`;
      const chat = `bench-live-chat-${i}`;
      run.run(id, `e_bench_live_${i}`, chat, `bench-live-user-${i}`, `bench-live|95334/${chat}`, now - 10_000, now - 10_000);
      for (let seq = 0; seq < 12; seq++) {
        const due = seq === 0 ? (i % 2 === 0 ? now - 1000 - i : now + 60_000 + i) : null;
        msg.run(id, seq, chat, `${id}-${seq}`, seq === 0 ? 'pending' : 'waiting', due, seq === 11 ? 1 : 0, now - 10_000);
        if (due !== null) job.run(`send:${id}:${seq}`, JSON.stringify({ runId: id, seq }), due, due, `chat:95334/${chat}`);
      }
    }
  })();
}

function release(raw: BetterSqlite3.Database): void {
  raw.prepare(`UPDATE messages SET state = 'pending', claimed_by = NULL, claim_until = NULL WHERE state = 'sending' AND run_id LIKE 'r_bench_live_%'`).run();
  raw.prepare(`UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL, attempts = 0 WHERE state = 'running' AND key LIKE 'send:r_bench_live_%'`).run();
}

function removeLiveQueue(raw: BetterSqlite3.Database): void {
  raw.transaction(() => {
    raw.prepare(`DELETE FROM jobs WHERE key LIKE 'send:r_bench_live_%'`).run();
    raw.prepare(`DELETE FROM messages WHERE run_id LIKE 'r_bench_live_%'`).run();
    raw.prepare(`DELETE FROM runs WHERE id LIKE 'r_bench_live_%'`).run();
  })();
}

export function explain(raw: BetterSqlite3.Database, partial: Set<string>, what: string, sql: string, parameters: readonly unknown[]): PlanLine {
  const rows = raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as Array<{ detail: string }>;
  const plan = rows.map((r) => r.detail);
  return {
    what,
    sql: sql.replace(/\s+/g, ' ').trim(),
    plan,
    fullScan: plan.some((l) => {
      // "SCAN t" reads the table; "SCAN t USING INDEX i" reads all of i, which is only bounded when i is partial.
      // "SCAN CONSTANT ROW" (a SELECT without FROM) reads nothing.
      if (/^SCAN CONSTANT ROW/.test(l)) return false;
      const m = /^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?/.exec(l);
      return m !== null && (m[2] === undefined || !partial.has(m[2]));
    }),
    usesDueIndex: plan.some((l) => l.includes('jobs_due')),
  };
}

/** Median µs per call over about `budgetMs` (at least 3 calls, after one warm-up call). */
async function medianUs(fn: () => Promise<unknown>, budgetMs: number): Promise<number> {
  await fn();
  const samples: number[] = [];
  const until = performance.now() + budgetMs;
  while (samples.length < 3 || (performance.now() < until && samples.length < 20_000)) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) * 1000);
  }
  return summarize(samples).p50;
}
