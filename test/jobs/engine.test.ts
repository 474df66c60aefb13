// The job engine on its own, on SQLite and (when available) PostgreSQL:
// dedupe by key, lane serialization, lease takeover, retry with backoff
// and the maximum age, recurring jobs, and sleeping until the next due time
// with no claim query while nothing is due (an injected clock and timers).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { JobRunner, MAX_SLEEP_MS, type Schedule } from '../../src/jobs/runner.js';
import { settle } from '../../src/jobs/settle.js';
import { chatLane } from '../../src/delivery/lanes.js';
import { scheduleEvery } from '../../src/jobs/recurring.js';
import { SettleBatcher } from '../../src/jobs/settle-batch.js';
import type { Job, JobHandler, JobOutcome } from '../../src/jobs/types.js';
import { ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import { freshDatabases } from '../support/databases.js';
import { eventually } from '../support/processes.js';

const DB_KINDS = await freshDatabases();
const LEASES = new Map([['t', 10_000]]);
const silent = pino({ level: 'silent' });

const asJob = (r: { id: number; kind: string; key: string | null; attempts: number; run_at: number; created_at: number; lane: string | null; pool: string | null; locked_until: number | null }): Job<unknown> => ({
  id: r.id, kind: r.kind, key: r.key, payload: null, attempts: r.attempts, runAt: r.run_at, createdAt: r.created_at, lane: r.lane, pool: r.pool, leaseEnd: r.locked_until ?? 0,
});

for (const kind of DB_KINDS) {
  describe(`jobs on ${kind.name}`, () => {
    let store: Store;
    let ops: JobOps;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
      ops = new JobOps(store.db, store.dialect);
    });
    after(async () => {
      await store.close();
    });
    const clear = () => store.db.deleteFrom('jobs').execute();

    test('a key dedupes: the second enqueue adds nothing, even inside another transaction', async () => {
      await clear();
      assert.equal(await ops.enqueue({ kind: 't', key: 'k1', payload: { n: 1 } }, 1_000), true);
      const again = await store.db.transaction().execute((trx) => ops.enqueue({ kind: 't', key: 'k1', payload: { n: 2 } }, 1_000, trx));
      assert.equal(again, false);
      const rows = await store.db.selectFrom('jobs').selectAll().execute();
      assert.deepEqual(rows.map((r) => r.payload_json), ['{"n":1}']);
      // Without a key nothing is deduped.
      assert.equal(await ops.enqueue({ kind: 't', payload: {} }, 1_000), true);
      assert.equal(await ops.enqueue({ kind: 't', payload: {} }, 1_000), true);
    });

    test('a lane runs one job at a time, in due order; other lanes and lane-less jobs go on', async () => {
      await clear();
      for (const [n, lane, at] of [[1, 'chat:a', 100], [2, 'chat:a', 101], [3, 'chat:b', 102], [4, null, 103]] as const) {
        await ops.enqueue({ kind: 't', payload: { n }, lane, runAt: at }, 100);
      }
      const first = await ops.claim(1_000, 10, 'i1', LEASES);
      assert.deepEqual(first.map((r) => JSON.parse(r.payload_json) as unknown), [{ n: 1 }, { n: 3 }, { n: 4 }]);
      assert.deepEqual(await ops.claim(1_000, 10, 'i2', LEASES), [], 'n=2 waits for n=1 of its lane');
      const one = first[0]!;
      assert.deepEqual(await settle(store.db, ops, asJob(one), 'i1', { kind: 'done' }, { maxAttempts: null, maxAgeMs: null }, 1_001), { kind: 'done' });
      const second = await ops.claim(1_002, 10, 'i2', LEASES);
      assert.deepEqual(second.map((r) => JSON.parse(r.payload_json) as unknown), [{ n: 2 }]);
    });

    test('an expired lease is taken over, and the late owner settles nothing', async () => {
      await clear();
      await ops.enqueue({ kind: 't', key: 'lease', payload: {}, lane: chatLane({ channelId: '1', chatId: 'c' }) }, 0);
      const [mine] = await ops.claim(1_000, 1, 'slow', LEASES);
      assert.ok(mine);
      assert.equal(mine.locked_until, 11_000);
      assert.equal(await ops.reclaimExpired(10_999), 0, 'the lease still holds');
      assert.equal(await ops.reclaimExpired(11_001), 1);
      const [theirs] = await ops.claim(11_001, 1, 'other', LEASES);
      assert.equal(theirs?.id, mine.id);
      assert.equal(theirs?.attempts, 2);
      let wrote = false;
      const late = await settle(store.db, ops, asJob(mine), 'slow', { kind: 'done', write: () => Promise.resolve(void (wrote = true)) }, { maxAttempts: null, maxAgeMs: null }, 11_500);
      assert.equal(late, 'lost');
      assert.equal(wrote, false, "the late owner's writes are not applied");
      assert.equal((await store.db.selectFrom('jobs').select('locked_by').executeTakeFirstOrThrow()).locked_by, 'other');
    });

    test('retry backs off and keeps the error; past the maximum age it fails with the reason', async () => {
      await clear();
      const handler: JobHandler<unknown> = {
        kind: 't',
        parse: (p) => p,
        leaseMs: 10_000,
        maxAgeMs: 60_000,
        run: () => Promise.reject(new ChannelTalkUnavailableError({ reason: 'server_error', method: 'GET', path: '/open/v5/users/u', status: 503 })),
      };
      let now = 1_000;
      await ops.enqueue({ kind: 't', key: 'r', payload: {} }, now);
      const settled: string[] = [];
      const runner = new JobRunner({ db: store.db, ops, handlers: [handler], owner: 'i', logger: silent, now: () => now, random: () => 0.5, schedule: () => () => {}, onSettled: (_k, o) => settled.push(o) });
      runner.start();
      await eventually(() => settled.length === 1, 5_000, 'the first attempt');
      const row = await store.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.state, 'pending');
      assert.equal(row.attempts, 1);
      assert.ok(row.run_at > 1_000 && row.run_at <= 1_000 + 500, `backoff of attempt 1 is within 0.5 s: ${row.run_at}`);
      assert.match(row.last_error ?? '', /server_error 503/);
      // Older than the maximum age now: the next failure gives up.
      now = 61_000;
      runner.wake();
      await eventually(() => settled.length === 2, 5_000, 'the second attempt');
      await runner.stop(1_000);
      const failed = await store.db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
      assert.equal(failed.state, 'failed');
      assert.match(failed.last_error ?? '', /gave up after 2 attempts over 60 s/);
      assert.deepEqual(settled, ['retry', 'fail']);
    });

    test('a retry the handler asks for past its maximum attempts is a fail', async () => {
      await clear();
      await ops.enqueue({ kind: 't', key: 'ma', payload: {}, maxAttempts: 1 }, 0);
      const [r] = await ops.claim(10, 1, 'i', LEASES);
      const out = await settle(store.db, ops, asJob(r!), 'i', { kind: 'retry', at: 20, reason: 'busy' }, { maxAttempts: 1, maxAgeMs: null }, 10);
      assert.deepEqual(out, { kind: 'fail', reason: 'gave up after 1 attempts over 0 s: busy' });
    });

    test('sleeps until the next due time: no claim query runs while nothing is due', async () => {
      await clear();
      let now = 1_000_000;
      const timers: Array<{ ms: number; fire: () => void }> = [];
      const schedule: Schedule = (ms, fire) => {
        const t = { ms, fire };
        timers.push(t);
        return () => void timers.splice(timers.indexOf(t), 1);
      };
      let claims = 0;
      const ran: number[] = [];
      const handler: JobHandler<{ n: number }> = {
        kind: 't',
        parse: (p) => p as { n: number },
        leaseMs: 10_000,
        run: (job) => {
          ran.push(job.payload.n);
          return Promise.resolve<JobOutcome>({ kind: 'done' });
        },
      };
      await ops.enqueue({ kind: 't', payload: { n: 1 }, runAt: now + 20_000 }, now);
      let claimsAtSettle = -1;
      const runner = new JobRunner({ db: store.db, ops, handlers: [handler], owner: 'i', logger: silent, now: () => now, schedule, onClaim: () => claims++, onSettled: () => (claimsAtSettle = claims) });
      runner.start();
      await eventually(() => timers.length === 1, 5_000, 'the runner to go to sleep');
      assert.equal(timers[0]!.ms, 20_000, 'it sleeps exactly until the job is due');
      const claimsAsleep = claims;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(claims, claimsAsleep, 'no claim query while asleep');
      assert.deepEqual(ran, []);
      // The job becomes due: the timer fires.
      now += 20_000;
      timers[0]!.fire();
      await eventually(() => ran.length === 1, 5_000, 'the job to run');
      // With nothing left, the runner sleeps until woken, or for the longest sleep there is (runner-clock.test.ts).
      // The settle wakes the runner for one more pass, which finds nothing and sleeps.
      await eventually(() => claimsAtSettle >= 0 && claims > claimsAtSettle && timers.length === 1 && timers[0]!.ms === MAX_SLEEP_MS, 5_000, 'the runner to sleep on the cap alone');
      await new Promise((r) => setTimeout(r, 100));
      const idle = claims;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(claims, idle, 'no claim while nothing waits');
      await ops.enqueue({ kind: 't', payload: { n: 2 } }, now);
      runner.wake();
      await eventually(() => ran.length === 2, 5_000, 'a woken runner runs new work at once');
      await runner.stop(1_000);
    });

    test('a job that became due a moment after the claim is taken at once, not after a pause', async () => {
      await clear();
      const due = 2_000_000;
      await ops.enqueue({ kind: 't', payload: { n: 1 }, runAt: due }, due - 10);
      // The claim looks 1 ms early; by the time the runner asks what is next, the job is due.
      let calls = 0;
      const now = () => (calls++ === 0 ? due - 1 : due);
      const timers: number[] = [];
      const schedule: Schedule = (ms) => {
        timers.push(ms);
        return () => {};
      };
      const ran: number[] = [];
      let timersBeforeRun = -1;
      const handler: JobHandler<{ n: number }> = {
        kind: 't',
        parse: (p) => p as { n: number },
        leaseMs: 10_000,
        run: (job) => {
          timersBeforeRun = timers.length;
          ran.push(job.payload.n);
          return Promise.resolve<JobOutcome>({ kind: 'done' });
        },
      };
      const runner = new JobRunner({ db: store.db, ops, handlers: [handler], owner: 'i', logger: silent, now, schedule });
      runner.start();
      try {
        await eventually(() => ran.length === 1, 5_000, 'the job to run without a timer firing');
      } finally {
        await runner.stop(1_000);
      }
      // (Once it runs, the runner may sleep until its lease ends: that timer comes after.)
      assert.equal(timersBeforeRun, 0, `no pause before it: ${timers.join(', ')}`);
    });

    test('a pool and a kind each run at most their limit at once, and other work still gets the slots', async () => {
      await clear();
      const now = 3_000_000;
      // Kind p: two pools of 4 jobs each, at most 2 per pool. Kind k: 4 jobs, at most 1 at once. Kind free: unbounded.
      for (let i = 0; i < 4; i++) {
        await ops.enqueue({ kind: 'p', payload: { i }, pool: 'send:A', runAt: now - 100 + i }, now);
        await ops.enqueue({ kind: 'p', payload: { i }, pool: 'send:B', runAt: now - 50 + i }, now);
        await ops.enqueue({ kind: 'k', payload: { i }, runAt: now - 90 + i }, now);
      }
      await ops.enqueue({ kind: 'free', payload: {}, runAt: now }, now);
      const running = new Map<string, number>();
      const peak = new Map<string, number>();
      const done: string[] = [];
      const gates: Array<() => void> = [];
      const attempts: number[] = [];
      const hold = (name: string, group: (p: { i: number }, job: Job<{ i: number }>) => string, extra: Partial<JobHandler<{ i: number }>>): JobHandler<{ i: number }> => ({
        kind: name,
        parse: (p) => p as { i: number },
        leaseMs: 10_000,
        ...extra,
        run: async (job) => {
          attempts.push(job.attempts);
          const g = group(job.payload, job);
          running.set(g, (running.get(g) ?? 0) + 1);
          peak.set(g, Math.max(peak.get(g) ?? 0, running.get(g)!));
          await new Promise<void>((r) => gates.push(r));
          running.set(g, running.get(g)! - 1);
          done.push(g);
          return { kind: 'done' };
        },
      });
      const free: JobHandler<unknown> = {
        kind: 'free',
        parse: (p) => p,
        leaseMs: 10_000,
        run: () => {
          done.push('free');
          return Promise.resolve<JobOutcome>({ kind: 'done' });
        },
      };
      const runner = new JobRunner({
        db: store.db,
        ops,
        owner: 'i',
        logger: silent,
        concurrency: 10,
        now: () => now,
        handlers: [hold('p', (_p, job) => job.pool ?? '?', { poolLimit: 2 }), hold('k', () => 'k', { maxRunning: 1 }), free],
      });
      runner.start();
      try {
        await eventually(() => (done.includes('free') && running.get('send:A') === 2 && running.get('send:B') === 2 && running.get('k') === 1) || undefined, 5_000, 'each group at its limit');
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual([running.get('send:A'), running.get('send:B'), running.get('k')], [2, 2, 1], 'no more while they hold their slots');
        await eventually(() => {
          gates.splice(0).forEach((r) => r());
          return done.length === 13 || undefined;
        }, 5_000, 'everything to run once released');
      } finally {
        gates.splice(0).forEach((r) => r());
        await runner.stop(1_000);
      }
      assert.deepEqual([peak.get('send:A'), peak.get('send:B'), peak.get('k')], [2, 2, 1]);
      const left = await store.db.selectFrom('jobs').selectAll().execute();
      assert.deepEqual(left, [], 'every job done');
      assert.deepEqual(attempts, Array.from({ length: 12 }, () => 1), 'each ran once, on its first attempt: a claim given back is not counted');
    });

    test('settles that arrive together share one transaction; a write that throws fails only its own job', async () => {
      await clear();
      for (let n = 0; n < 5; n++) await ops.enqueue({ kind: 't', key: `b${n}`, payload: { n }, lane: chatLane({ channelId: '1', chatId: `b${n}` }) }, 0);
      const rows = await ops.claim(10, 10, 'i', LEASES);
      assert.equal(rows.length, 5);
      let transactions = 0;
      const counted = new Proxy(store.db, {
        get(target, prop) {
          if (prop === 'transaction') return () => (transactions++, target.transaction());
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const batcher = new SettleBatcher(counted, ops);
      const wrote: number[] = [];
      const limits = { maxAttempts: null, maxAgeMs: null };
      const results = await Promise.allSettled(
        rows.map((r, n) =>
          batcher.settle(asJob(r), 'i', { kind: 'done', write: () => (n === 3 ? Promise.reject(new Error('bad write')) : Promise.resolve(void wrote.push(n))) }, limits, 20),
        ),
      );
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      assert.match(String((results[3] as PromiseRejectedResult).reason), /bad write/);
      // One batch (rolled back by the bad write), then each job on its own.
      assert.equal(transactions, 6);
      assert.deepEqual([...new Set(wrote)].sort(), [0, 1, 2, 4]);
      const left = await store.db.selectFrom('jobs').select(['key', 'state']).execute();
      assert.deepEqual(left, [{ key: 'b3', state: 'running' }], 'the failed settle left its job as it was (its lease returns it)');

      await clear();
      for (let n = 0; n < 5; n++) await ops.enqueue({ kind: 't', key: `c${n}`, payload: { n } }, 0);
      const again = await ops.claim(10, 10, 'i', LEASES);
      transactions = 0;
      const ok = await Promise.all(again.map((r) => batcher.settle(asJob(r), 'i', { kind: 'done' }, limits, 20)));
      assert.deepEqual(ok.map((o) => (o === 'lost' ? o : o.kind)), ['done', 'done', 'done', 'done', 'done']);
      assert.equal(transactions, 1, 'five settles, one commit');
      assert.deepEqual(await store.db.selectFrom('jobs').select('key').execute(), []);
    });

    test('a recurring job runs again under the same key, once', async () => {
      await clear();
      let now = 5_000;
      const every = scheduleEvery('t', 'sweep', 60_000, { what: 'sweep' });
      assert.equal(await every.ensure(store.db, now), true);
      assert.equal(await every.ensure(store.db, now), false, 'a second start-up schedules nothing more');
      const [r] = await ops.claim(now, 5, 'i', LEASES);
      const out = every.done(now);
      await settle(store.db, ops, asJob(r!), 'i', out, { maxAttempts: null, maxAgeMs: null }, now);
      const rows = await store.db.selectFrom('jobs').selectAll().execute();
      assert.deepEqual(rows.map((x) => [x.key, x.run_at, x.state, x.attempts]), [['sweep', 65_000, 'pending', 0]]);
      now = 65_000;
      assert.equal((await ops.claim(now - 1, 5, 'i', LEASES)).length, 0, 'not before its time');
      assert.equal((await ops.claim(now, 5, 'i', LEASES)).length, 1);
    });
  });
}
