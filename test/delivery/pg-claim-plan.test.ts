// On PostgreSQL the claim's plan comes from the jobs table's statistics, and
// a queue table's statistics are stale by nature: analysed while nearly
// empty, then a burst arrives faster than autovacuum looks again. With such
// statistics the planner read every due job (a sequential scan, both lane
// checks per row, then a sort) to return the first 8: 4.6 ms per claim with
// 886 events waiting in the benchmark, 0.8 ms after ANALYZE. The claim must
// walk jobs_due in due order and stop at its limit whatever the statistics say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { dropPostgres, freshPostgres, postgresAvailable } from '../support/databases.js';

const admin = postgresAvailable();

test('the PostgreSQL claim walks jobs_due and stops at its limit, even on statistics taken when the queue was nearly empty', { skip: admin ? false : 'needs TEST_DATABASE_URL' }, async () => {
  const url = await freshPostgres(admin!);
  const store = await Store.open(url, { delayScale: 1 });
  try {
    const ops = new JobOps(store.db, 'postgres');
    // Statistics of a nearly empty queue, then a burst of 900 chats' first jobs and 16 sends running.
    for (let i = 0; i < 5; i++) await ops.enqueue({ kind: 'planRun', key: `early-${i}`, payload: {}, lane: `chat:early-${i}` }, 0);
    await sql`ANALYZE jobs`.execute(store.db);
    await store.db.deleteFrom('jobs').execute();
    await sql`INSERT INTO jobs (kind, key, payload_json, run_at, created_at, lane, state)
      SELECT 'planRun', 'burst-' || g, '{}', 1000 + g, 1000, 'chat:' || g, 'pending' FROM generate_series(1, 900) g`.execute(store.db);
    await sql`INSERT INTO jobs (kind, key, payload_json, run_at, created_at, lane, state, locked_by, locked_until)
      SELECT 'sendMessage', 'send-' || g, '{}', 1000, 1000, 'chat:busy-' || g, 'running', 'other', 99999999 FROM generate_series(1, 16) g`.execute(store.db);
    const { claimed, rowsRead } = await store.db.transaction().execute(async (trx) => {
      // The rows this transaction read from jobs (through any scan), before and after the claim:
      // the view also holds what earlier transactions of the connection left unflushed.
      const read = async () => {
        const { rows } = await sql<{ n: string }>`SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'jobs'`.execute(trx);
        return Number(rows[0]?.n ?? 0);
      };
      const before = await read();
      const claimed = await ops.claim(5_000, 8, 'me', new Map([['planRun', 30_000]]), [], trx);
      return { claimed, rowsRead: (await read()) - before };
    });
    assert.deepEqual(claimed.map((j) => j.key), ['burst-1', 'burst-2', 'burst-3', 'burst-4', 'burst-5', 'burst-6', 'burst-7', 'burst-8']);
    // 8 due jobs, their lane checks and the 8 updated rows: a few dozen rows, not the 916 in the table.
    assert.ok(rowsRead < 100, `the claim read ${rowsRead} rows of jobs to claim 8 of 916`);
  } finally {
    await store.close();
    await dropPostgres(admin!, url);
  }
});
