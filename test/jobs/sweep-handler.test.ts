// The sweep job's row is the durable position of a channel's sweeps: the
// covered point and the cursor where the last sweep's page budget ran out. A
// restarted process (a fresh runtime) reads both from the row and goes on
// paging from the cursor.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { sweepHandler, sweepKey } from '../../src/jobs/handlers/sweep.js';
import { webhookHealthHandler } from '../../src/jobs/handlers/webhook-health.js';
import type { SweepDeps } from '../../src/jobs/handlers/sweep.js';
import type { Job, JobContext } from '../../src/jobs/types.js';
import type { JobPayloads } from '../../src/delivery/job-kinds.js';
import type { SweepRecord } from '../../src/webhook/sweep-log.js';
import { tempDir } from '../support/processes.js';

/** A runtime as the job sees it: the sweep it runs hands back the cursor where its budget ran out. */
function runtime(after: string | null): SweepDeps['runtime'] & { sawCursor: Array<string | null> } {
  const covered = new Map<string, number | null>();
  const cursors = new Map<string, string | null>();
  const sawCursor: Array<string | null> = [];
  return {
    sawCursor,
    coveredUntil: (c) => covered.get(c) ?? null,
    setCoveredUntil: (c, at) => void covered.set(c, at),
    sweepCursor: (c) => cursors.get(c) ?? null,
    setSweepCursor: (c, x) => void cursors.set(c, x),
    sweep: (c) => {
      sawCursor.push(cursors.get(c) ?? null);
      cursors.set(c, after);
      return Promise.resolve(null as SweepRecord | null);
    },
  };
}

const ctx: JobContext = { now: () => 1_000_000, logger: pino({ level: 'silent' }), failure: () => ({ kind: 'fail', reason: 'unused' }) };

function jobOf(payload: unknown, handler: ReturnType<typeof sweepHandler>): Job<JobPayloads['sweep']> {
  return { id: 1, kind: 'sweep', key: sweepKey('default'), payload: handler.parse(payload), attempts: 1, runAt: 0, createdAt: 0, lane: null, pool: null, leaseEnd: 2_000_000 };
}

describe('sweep job: the cursor is carried in the row', () => {
  let store: Store;
  before(async () => {
    store = await Store.open(`sqlite:${path.join(tempDir(), 'sweep-job.db')}`, { delayScale: 0 });
  });
  after(async () => {
    await store.close();
  });

  async function runAndReadRow(handler: ReturnType<typeof sweepHandler>, payload: unknown): Promise<Record<string, unknown>> {
    const outcome = await handler.run(jobOf(payload, handler), ctx);
    assert.equal(outcome.kind, 'done');
    await store.db.deleteFrom('jobs').execute();
    await store.db.transaction().execute(async (trx) => outcome.write?.(trx, { kind: 'done' }));
    const row = await store.db.selectFrom('jobs').select(['payload_json', 'run_at']).where('key', '=', sweepKey('default')).executeTakeFirstOrThrow();
    assert.equal(row.run_at, 1_000_000 + 300_000, 'the next sweep is one interval away');
    return JSON.parse(row.payload_json) as Record<string, unknown>;
  }

  test('a budget that ran out: the row carries the cursor, and the next process goes on from it', async () => {
    const first = runtime('cursor-after-budget');
    const row = await runAndReadRow(sweepHandler({ runtime: first, intervalMs: 300_000, leaseMs: 60_000 }), { channel: 'default', coveredUntil: null });
    assert.deepEqual(first.sawCursor, [null], 'a row without a cursor (written before it was carried) starts from the top');
    assert.equal(row.cursor, 'cursor-after-budget');

    // A restart: a fresh runtime knows nothing; the row tells it where to go on.
    const second = runtime(null);
    const next = await runAndReadRow(sweepHandler({ runtime: second, intervalMs: 300_000, leaseMs: 60_000 }), row);
    assert.deepEqual(second.sawCursor, ['cursor-after-budget']);
    assert.equal(next.cursor, null, 'the end of the list reached: the next one starts from the top');
  });
});

describe('a recurring job met by an instance whose interval is 0 ends its series', () => {
  test('the sweep (SWEEP_INTERVAL_SECONDS=0) enqueues no next sweep, which would be due at once, again and again', async () => {
    const handler = sweepHandler({ runtime: runtime(null), intervalMs: 0, leaseMs: 30_000 });
    const outcome = await handler.run(jobOf({ channel: 'default', coveredUntil: null, cursor: null }, handler), ctx);
    assert.deepEqual(outcome, { kind: 'done' });
  });

  test('the health check (WEBHOOK_HEALTH_INTERVAL_SECONDS=0) checks nothing and enqueues nothing', async () => {
    let checks = 0;
    const checkHealth = () => {
      checks++;
      return Promise.reject(new Error('no check was asked for'));
    };
    const handler = webhookHealthHandler({ runtime: { checkHealth }, intervalMs: 0, leaseMs: 30_000 });
    const job: Job<JobPayloads['webhookHealth']> = { id: 1, kind: 'webhookHealth', key: 'webhookHealth:default', payload: { channel: 'default' }, attempts: 1, runAt: 0, createdAt: 0, lane: null, pool: null, leaseEnd: 2_000_000 };
    assert.deepEqual(await handler.run(job, ctx), { kind: 'done' });
    assert.equal(checks, 0);
  });
});
