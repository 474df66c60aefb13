// A handler whose own read of the database fails because the database went
// away has done nothing: its job is tried again, never failed for good (a
// planEvent failed that way would leave the customer's chat unanswered).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { DatabaseUnavailableError } from '../../src/delivery/store/unavailable.js';
import { DatabaseBusyError } from '../../src/delivery/store/busy.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { JobHandler, JobOutcome } from '../../src/jobs/types.js';
import { eventually, tempDir } from '../support/processes.js';

const silent = pino({ level: 'silent' });
let store: Store;
let ops: JobOps;

before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir(), 'runner-db.db')}`, { delayScale: 1 });
  ops = new JobOps(store.db, store.dialect);
});
after(async () => {
  await store.close();
});

for (const [name, error] of [
  ['unreachable', () => new DatabaseUnavailableError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
  ['busy', () => new DatabaseBusyError('canceling statement due to lock timeout', '55P03')],
] as const) {
  test(`a handler that meets a ${name} database is tried again, not failed`, async () => {
    await store.db.deleteFrom('jobs').execute();
    let now = 1_700_000_000_000;
    await ops.enqueue({ kind: 't', key: `k-${name}`, payload: {} }, now);
    let runs = 0;
    const handler: JobHandler<object> = {
      kind: 't',
      parse: (p) => p as object,
      leaseMs: 10_000,
      run: () => (++runs === 1 ? Promise.reject(error()) : Promise.resolve<JobOutcome>({ kind: 'done' })),
    };
    const settled: string[] = [];
    const runner = new JobRunner({ db: store.db, ops, handlers: [handler], owner: 'i', logger: silent, now: () => now, onSettled: (_k, o) => settled.push(o) });
    runner.start();
    try {
      await eventually(() => settled.length === 1, 5_000, 'the first outcome');
      assert.deepEqual(settled, ['retry']);
      const row = await store.db.selectFrom('jobs').selectAll().where('key', '=', `k-${name}`).executeTakeFirstOrThrow();
      assert.equal(row.state, 'pending');
      assert.ok(row.run_at > now && row.run_at <= now + 5_000, 'tried again soon');
      now = row.run_at;
      runner.wake();
      await eventually(() => settled.length === 2, 5_000, 'the second run');
      assert.deepEqual(settled, ['retry', 'done']);
    } finally {
      await runner.stop(1_000);
    }
  });
}
