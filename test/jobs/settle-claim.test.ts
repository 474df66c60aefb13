// Issue 21 (send path): on SQLite the runner's next claim rides in a settle
// batch's transaction, so a job a settle makes due (a chat's next message)
// is claimed in that same commit, not in a commit of its own after it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Transaction } from 'kysely';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import type { Database } from '../../src/delivery/store/schema.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { JobHandler } from '../../src/jobs/types.js';
import { eventually, tempDir } from '../support/processes.js';

/** The job engine's SQL, counting the claims it makes and those that found nothing. */
class CountingOps extends JobOps {
  claims = 0;
  emptyClaims = 0;
  override async claim(...args: Parameters<JobOps['claim']>): Promise<Awaited<ReturnType<JobOps['claim']>>> {
    const rows = await super.claim(...args);
    this.claims++;
    if (rows.length === 0) this.emptyClaims++;
    return rows;
  }
}

let store: Store;
before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir(), 'settle-claim.db')}`, { delayScale: 0 });
});
after(async () => {
  await store.close();
});

test("a job a settle makes due is claimed in that settle's own transaction, and runs once", { timeout: 60_000 }, async () => {
  const ops = new JobOps(store.db, store.dialect);
  const LAST = 6;
  const claimedIn = new Map<number, Transaction<Database>>();
  const settledIn = new Map<number, Transaction<Database>>();
  const runs: number[] = [];
  // Each link of the chain enqueues the next one, due at once, in its settle (as a sent message makes the next one due).
  const handler: JobHandler<{ n: number }> = {
    kind: 'chain',
    parse: (p) => p as { n: number },
    leaseMs: 60_000,
    claimed: (trx, jobs) => {
      for (const j of jobs) claimedIn.set(j.payload.n, trx);
      return Promise.resolve();
    },
    run: (job) => {
      runs.push(job.payload.n);
      return Promise.resolve({
        kind: 'done',
        write: async (trx) => {
          settledIn.set(job.payload.n, trx);
          if (job.payload.n < LAST) await ops.enqueue({ kind: 'chain', payload: { n: job.payload.n + 1 }, lane: 'chat:c1' }, Date.now(), trx);
        },
      });
    },
  };
  const runner = new JobRunner({ db: store.db, ops, handlers: [handler], owner: 'i', logger: pino({ level: 'silent' }), batchSettles: true, concurrency: 4 });
  runner.start();
  try {
    await ops.enqueue({ kind: 'chain', payload: { n: 1 }, lane: 'chat:c1' }, Date.now());
    runner.wake();
    await eventually(() => settledIn.size === LAST, 20_000, 'the whole chain settled');
    assert.deepEqual(runs, [1, 2, 3, 4, 5, 6]);
    for (let n = 1; n < LAST; n++) assert.equal(claimedIn.get(n + 1), settledIn.get(n), `link ${n + 1} is claimed in link ${n}'s settle`);
    assert.equal(await ops.depth(), 0);
  } finally {
    await runner.stop(1_000);
  }
});

// Issue 21 (claims that find nothing): a job's end wakes the runner, but when
// its settle's riding claim took all that was due, the runner's own pass
// looks (nextWakeAt) rather than claiming again. Before, every link of a
// chain cost a claim of its own that found nothing.
test('a chain of settles whose riding claims took all that was due costs no claim of its own that finds nothing', { timeout: 60_000 }, async () => {
  const ops = new CountingOps(store.db, store.dialect);
  const LAST = 12;
  const runs: number[] = [];
  const handler: JobHandler<{ n: number }> = {
    kind: 'chain2',
    parse: (p) => p as { n: number },
    leaseMs: 60_000,
    run: (job) => {
      runs.push(job.payload.n);
      return Promise.resolve({
        kind: 'done',
        write: async (trx) => {
          if (job.payload.n < LAST) await ops.enqueue({ kind: 'chain2', payload: { n: job.payload.n + 1 }, lane: 'chat:c2' }, Date.now(), trx);
        },
      });
    },
  };
  await ops.enqueue({ kind: 'chain2', payload: { n: 1 }, lane: 'chat:c2' }, Date.now());
  const runner = new JobRunner({ db: store.db, ops, handlers: [handler], owner: 'i', logger: pino({ level: 'silent' }), batchSettles: true, concurrency: 4 });
  runner.start();
  try {
    await eventually(async () => runs.length === LAST && (await ops.depth()) === 0, 20_000, 'the whole chain ran and settled');
    assert.deepEqual(runs, Array.from({ length: LAST }, (_, i) => i + 1));
    // The first pass claims link 1; each settle's riding claim takes the next link, the last one finds nothing.
    assert.ok(ops.emptyClaims <= 1, `claims that found nothing: ${ops.emptyClaims} of ${ops.claims}`);
    assert.ok(ops.claims <= LAST + 1, `claims: ${ops.claims} for ${LAST} links`);
  } finally {
    await runner.stop(1_000);
  }
});

// The send path's case: a channel's pool lets one send out at a time, so each
// riding claim takes more due jobs than the pool has room for and gives the
// rest back. What it gave back waits for the pool: the job's end only looks.
test('jobs waiting for a full pool cost no claim of their own that finds nothing after each settle', { timeout: 60_000 }, async () => {
  const ops = new CountingOps(store.db, store.dialect);
  const JOBS = 12;
  const runs: number[] = [];
  let running = 0;
  let mostRunning = 0;
  const handler: JobHandler<{ n: number }> = {
    kind: 'pooled',
    parse: (p) => p as { n: number },
    leaseMs: 60_000,
    poolLimit: 1,
    run: async (job) => {
      mostRunning = Math.max(mostRunning, ++running);
      runs.push(job.payload.n);
      await new Promise<void>((r) => setImmediate(r));
      running--;
      return { kind: 'done' };
    },
  };
  const now = Date.now();
  for (let n = 1; n <= JOBS; n++) await ops.enqueue({ kind: 'pooled', payload: { n }, pool: 'send:p' }, now);
  const runner = new JobRunner({ db: store.db, ops, handlers: [handler], owner: 'i', logger: pino({ level: 'silent' }), batchSettles: true, concurrency: 4 });
  runner.start();
  try {
    await eventually(async () => runs.length === JOBS && (await ops.depth()) === 0, 20_000, 'every job ran and settled');
    assert.deepEqual([...runs].sort((a, b) => a - b), Array.from({ length: JOBS }, (_, i) => i + 1));
    assert.equal(mostRunning, 1, 'the pool let one job run at a time');
    // Every claim but the last riding one finds a job for the pool.
    assert.ok(ops.emptyClaims <= 2, `claims that found nothing: ${ops.emptyClaims} of ${ops.claims}`);
  } finally {
    await runner.stop(1_000);
  }
});
