// Issue 16, item 10, the jobs' half: a settle that fails because the disk is
// full counts as a failed write (the store then reports `failing`), and the
// next settle that commits clears it. The service hands the runner the
// store's WriteHealth; /healthz and the metric read it (write-health.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { JobHandler } from '../../src/jobs/types.js';
import { eventually, tempDir } from '../support/processes.js';

let store: Store;
before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir(), 'settle-writes.db')}`, { delayScale: 0 });
  await sql`CREATE TABLE filler (x TEXT NOT NULL)`.execute(store.db);
});
after(async () => {
  await store.close();
});

test("a settle on a full disk makes the store's writes failing; a settle that commits clears it", { timeout: 60_000 }, async () => {
  const ops = new JobOps(store.db, store.dialect);
  const settled: string[] = [];
  // Each job's outcome writes a row too big for the pages already there.
  const handler: JobHandler<unknown> = {
    kind: 'fill',
    parse: (p) => p,
    leaseMs: 60_000,
    run: () => Promise.resolve({ kind: 'done', write: async (trx) => void (await sql`INSERT INTO filler (x) VALUES (${'x'.repeat(50_000)})`.execute(trx)) }),
  };
  const runner = new JobRunner({ db: store.db, ops, handlers: [handler], owner: 'i', logger: pino({ level: 'silent' }), batchSettles: true, writes: store.writes, onSettled: (_k, o) => settled.push(o) });
  runner.start();
  try {
    await ops.enqueue({ kind: 'fill', payload: {} }, Date.now());
    runner.wake();
    await eventually(() => settled.length === 1, 20_000, 'the first settle');
    assert.equal(store.writes.failing, false);
    assert.ok(store.writes.summary().lastSuccessAt);

    const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(store.db);
    await sql.raw(`PRAGMA max_page_count = ${rows[0]!.page_count}`).execute(store.db);
    await ops.enqueue({ kind: 'fill', payload: {} }, Date.now());
    runner.wake();
    await eventually(() => store.writes.failing, 20_000, 'the failed settle to count');
    assert.equal(store.writes.summary().lastFailure?.code, 'SQLITE_FULL');
    assert.equal(await store.health(), 'failing');

    await sql.raw('PRAGMA max_page_count = 1073741823').execute(store.db);
    await ops.enqueue({ kind: 'fill', payload: {} }, Date.now());
    runner.wake();
    await eventually(() => !store.writes.failing, 20_000, 'a settle that commits');
    assert.equal(await store.health(), 'ok');
  } finally {
    await sql.raw('PRAGMA max_page_count = 1073741823').execute(store.db);
    await runner.stop(1_000);
  }
});
