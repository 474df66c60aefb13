// The runner's sleeps are timers set from wall-clock times. A clock stepped
// back makes the next due time look far away; once the step is corrected, the
// job is due but a timer set from the wrong time would still run for the
// whole step. Every sleep is capped (30 s), on SQLite too, where nothing else
// polls. An injected clock and timers: nothing here waits for real.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { JobRunner, MAX_SLEEP_MS, type Schedule } from '../../src/jobs/runner.js';
import type { JobHandler, JobOutcome } from '../../src/jobs/types.js';
import { eventually, tempDir } from '../support/processes.js';

const silent = pino({ level: 'silent' });
let store: Store;
let ops: JobOps;

before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir(), 'clock.db')}`, { delayScale: 1 });
  ops = new JobOps(store.db, store.dialect);
});
after(async () => {
  await store.close();
});

function fakeTimers(): { schedule: Schedule; timers: Array<{ ms: number; fire: () => void }> } {
  const timers: Array<{ ms: number; fire: () => void }> = [];
  const schedule: Schedule = (ms, fire) => {
    const t = { ms, fire };
    timers.push(t);
    return () => void timers.splice(timers.indexOf(t), 1);
  };
  return { schedule, timers };
}

function handler(ran: number[]): JobHandler<{ n: number }> {
  return {
    kind: 't',
    parse: (p) => p as { n: number },
    leaseMs: 10_000,
    run: (job) => {
      ran.push(job.payload.n);
      return Promise.resolve<JobOutcome>({ kind: 'done' });
    },
  };
}

test('the cap is 30 s', () => {
  assert.equal(MAX_SLEEP_MS, 30_000);
});

test('a clock stepped back, then corrected: the runner wakes within the cap and runs the job due', async () => {
  await store.db.deleteFrom('jobs').execute();
  const real = 1_700_000_000_000;
  await ops.enqueue({ kind: 't', payload: { n: 1 }, runAt: real + 5_000 }, real);
  // The clock is an hour behind when the runner looks: the job seems an hour away.
  let now = real - 3_600_000;
  const { schedule, timers } = fakeTimers();
  const ran: number[] = [];
  const runner = new JobRunner({ db: store.db, ops, handlers: [handler(ran)], owner: 'i', logger: silent, now: () => now, schedule });
  runner.start();
  try {
    await eventually(() => timers.length === 1, 5_000, 'the runner to go to sleep');
    assert.ok(timers[0]!.ms <= MAX_SLEEP_MS, `it sleeps at most the cap, not ${timers[0]!.ms} ms`);
    // The step is corrected; the cap's timer fires (30 s later, in real time).
    now = real + 30_000;
    timers[0]!.fire();
    await eventually(() => ran.length === 1, 5_000, 'the job to run once the runner wakes');
  } finally {
    await runner.stop(1_000);
  }
});

test('with nothing waiting, the runner still sleeps on a timer no longer than the cap (SQLite has no other safety poll)', async () => {
  await store.db.deleteFrom('jobs').execute();
  const now = 1_700_000_000_000;
  const { schedule, timers } = fakeTimers();
  const ran: number[] = [];
  let claims = 0;
  const runner = new JobRunner({ db: store.db, ops, handlers: [handler(ran)], owner: 'i', logger: silent, now: () => now, schedule, safetyMs: null, onClaim: () => claims++ });
  runner.start();
  try {
    await eventually(() => timers.length === 1, 5_000, 'a timer for the idle sleep');
    assert.ok(timers[0]!.ms <= MAX_SLEEP_MS, `${timers[0]!.ms} ms`);
    // A job another writer left behind without waking us (or one whose wake-up was lost) is found when the timer fires.
    await ops.enqueue({ kind: 't', payload: { n: 2 } }, now);
    const before = claims;
    timers[0]!.fire();
    await eventually(() => ran.length === 1, 5_000, 'the job found after the capped sleep');
    assert.ok(claims > before);
  } finally {
    await runner.stop(1_000);
  }
});
