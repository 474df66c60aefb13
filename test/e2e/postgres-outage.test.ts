// PostgreSQL going away under the real service: its sessions terminated, the
// server stopped for 10 s under load on two instances, a send whose settle
// met the outage, and an instance started before the server. A private
// cluster of this file's own (the shared test server is never stopped).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CurationSet } from '../../src/curation/index.js';
import { CLI, spawnNode, type Proc } from '../support/child-process.js';
import { PrivatePostgres, privatePostgresSkip } from '../support/private-postgres.js';
import { eventually, serviceEnv, startFake, startService, WEBHOOK_TOKEN, type FakeProc } from '../support/processes.js';
import { allArrived, assertExactlyOnceInOrder, postAll, sequence, shippedCurations, type Sequence } from '../support/sequences.js';

const skip = privatePostgresSkip();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the process is still running now. */
function watchExit(p: Proc): () => boolean {
  let exited = false;
  void p.exited.then(() => (exited = true));
  return () => !exited;
}

async function post(url: string, body: unknown): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - t0 };
  } catch {
    return { status: 0, ms: performance.now() - t0 }; // connection refused: the process is gone
  }
}

async function healthz(url: string): Promise<{ status: number; ms: number; json: Record<string, unknown> }> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/healthz`);
    const json = (await res.json()) as Record<string, unknown>;
    return { status: res.status, ms: performance.now() - t0, json };
  } catch {
    return { status: 0, ms: performance.now() - t0, json: {} };
  }
}

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN);
  return `n=${s.length} median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
};

describe('PostgreSQL going away', { skip }, () => {
  let cluster: PrivatePostgres;
  let fake: FakeProc;
  let curations: CurationSet;
  let dbs = 0;
  before(async () => {
    cluster = await PrivatePostgres.start();
    fake = await startFake();
    curations = await shippedCurations();
  });
  after(async () => {
    await fake?.stop();
    await cluster?.destroy();
  });

  const envFor = async (overrides: Record<string, string> = {}) => {
    await fake.control('/_fake/reset', {});
    return serviceEnv(fake, {
      DATABASE_URL: await cluster.createDatabase(`outage_${++dbs}`),
      DELAY_SCALE: '0.1',
      // Nothing but the sends talks to the fake: the scripted faults below hit a send.
      SWEEP_INTERVAL_SECONDS: '0',
      WEBHOOK_HEALTH_INTERVAL_SECONDS: '0',
      CLAIM_LEASE_SECONDS: '60',
      ...overrides,
    });
  };
  const seqs = (tag: string, n: number, from = 0): Sequence[] => Array.from({ length: n }, (_, i) => sequence(curations, tag, from + i));

  test('sessions terminated by pg_terminate_backend: the instance stays up and goes on', async () => {
    const env = await envFor();
    const svc = await startService(env);
    const alive = watchExit(svc);
    try {
      const first = seqs('term', 5);
      await postAll([svc], first);
      // While the sequences are being sent: every session of the service's database ends.
      await sleep(500);
      const db = new URL(env.DATABASE_URL!).pathname.slice(1);
      const killed = await cluster.sql<{ n: string }>('SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1', [db]);
      assert.ok(Number(killed[0]!.n) > 0, 'the service had sessions to terminate');
      await sleep(1_000);
      assert.ok(alive(), `the service is still running; its last lines:\n${svc.lines.slice(-10).join('\n')}`);
      const second = seqs('term', 5, 5);
      await eventually(async () => (await post(svc.url, second[0]!.body)).status === 200, 10_000, 'a webhook accepted after the sessions ended');
      await postAll([svc], second.slice(1));
      assertExactlyOnceInOrder(await allArrived(fake, [...first, ...second], 60_000), [...first, ...second]);
      assert.ok(alive());
      assert.ok(!svc.lines.some((l) => /Unhandled|unexpected error/.test(l)), 'no unhandled or unexpected error');
    } finally {
      await svc.stop();
    }
  });

  test('PostgreSQL stopped for 10 s under load on 2 instances: 503s, /healthz unreachable, then everything once, in order', async () => {
    const env = await envFor();
    const services = await Promise.all([1, 2].map(() => startService(env)));
    const alive = services.map(watchExit);
    const all: Sequence[] = [];
    const refused: Sequence[] = [];
    const during: number[] = [];
    const health: Array<{ status: number; ms: number; database: unknown }> = [];
    type Phase = 'before' | 'stopping' | 'down' | 'after';
    let phase: Phase = 'before';
    // Read through a function: the loop below runs while the test body changes it.
    const phaseNow = (): Phase => phase;
    let n = 0;
    // About 5 webhooks a second, alternating between the instances, until told to stop.
    let loading = true;
    const load = (async () => {
      const pending: Array<Promise<void>> = [];
      while (loading) {
        const s = sequence(curations, 'outage', n);
        const svc = services[n++ % 2]!;
        all.push(s);
        const at = phaseNow();
        pending.push(
          post(svc.url, s.body).then((r) => {
            if (r.status !== 200) refused.push(s);
            if (at === 'down' && phaseNow() === 'down') during.push(r.status === 503 ? r.ms : -r.status);
          }),
        );
        await sleep(200);
      }
      await Promise.all(pending);
    })();
    try {
      await sleep(2_000);
      phase = 'stopping';
      await cluster.stopServer('fast');
      phase = 'down';
      const downUntil = Date.now() + 10_000;
      while (Date.now() < downUntil) {
        for (const svc of services) {
          const h = await healthz(svc.url);
          health.push({ status: h.status, ms: h.ms, database: h.json.database });
        }
        await sleep(250);
      }
      phase = 'after';
      await cluster.startServer();
      await sleep(2_000);
      loading = false;
      await load;
      // Channel Talk delivers a refused webhook again: so does the test, until it is taken.
      await Promise.all(refused.map((s, i) => eventually(async () => (await post(services[i % 2]!.url, s.body)).status === 200, 20_000, `webhook of ${s.chatId} accepted again`)));
      const r = await allArrived(fake, all, 120_000);
      assertExactlyOnceInOrder(r, all);
      assert.equal(r.duplicateRequestIds, 0, 'no message was sent twice');
      assert.ok(during.length >= 30, `webhooks were posted while PostgreSQL was down (${during.length})`);
      assert.deepEqual(during.filter((ms) => ms < 0), [], 'every webhook posted while PostgreSQL was down got 503');
      assert.ok(health.length >= 20);
      assert.deepEqual(health.filter((h) => h.status !== 503 || h.database !== 'unreachable'), [], '/healthz says unreachable');
      const slowHealth = health.filter((h) => h.ms >= 1_000);
      assert.deepEqual(slowHealth, [], '/healthz answers within 1 s');
      assert.deepEqual(alive.map((a) => a()), [true, true], 'no instance exited');
      // What an operator sees, for the report.
      console.log(`outage: ${all.length} webhooks, ${refused.length} refused; 503 while down: ${summary(during)}; /healthz while down: ${summary(health.map((h) => h.ms))}`);
      const said = new Map<string, number>();
      for (const l of services.flatMap((svc) => svc.lines)) {
        const m = /"level":(40|50|60).*"msg":"([^"]+)"/.exec(l);
        if (m) said.set(`${m[1]} ${m[2]}`, (said.get(`${m[1]} ${m[2]}`) ?? 0) + 1);
      }
      console.log(`outage: warnings and errors logged by both instances: ${JSON.stringify(Object.fromEntries(said))}`);
      for (const svc of services) {
        const lost = svc.lines.filter((l) => /database connection lost/.test(l)).length;
        assert.ok(lost >= 1 && lost <= 3, `one "connection lost" line per outage, not one per client (${lost})`);
        assert.ok(!svc.lines.some((l) => /unexpected error/.test(l)), 'no settle left as an unexpected error');
        assert.ok(svc.lines.some((l) => /instance identity held again/.test(l)), 'the identity was taken again after the restart');
        // The job wake-ups' listening connection: its loss said once per outage (not per try to reconnect), and its return.
        // Its return comes at its next try to listen again (backoff of up to 10 s with jitter, job-wakeups.ts), which can
        // be after the last message arrived: the messages do not wait for it, since polling finds their jobs meanwhile.
        const gone = svc.lines.filter((l) => /job wake-ups: the listening connection is gone/.test(l)).length;
        const backCount = () => svc.lines.filter((l) => /job wake-ups: listening again/.test(l)).length;
        await eventually(() => backCount() >= gone || undefined, 15_000, 'the listener to say it listens again');
        await sleep(500);
        const back = backCount();
        assert.ok(gone >= 1 && gone <= 3 && back === gone, `the listener's loss and return said once per outage (${gone} lost, ${back} back)`);
      }
    } finally {
      loading = false;
      await load;
      await Promise.all(services.map((s) => s.stop()));
    }
  });

  test("a send whose settle met the outage is recorded when PostgreSQL is back, not sent again after the lease", async () => {
    // The attempt may wait 30 s for its answer: the stall below, however slowly PostgreSQL stops on a loaded machine.
    const env = await envFor({ CHANNELTALK_TIMEOUT_MS: '30000' });
    const svc = await startService(env);
    let stopped = false;
    try {
      // The chat read before the send is answered; the send is taken by the fake at once, and answered 12 s later.
      await fake.control('/_fake/faults', { next: ['ok', 'timeout'], failAfterCommitRate: 1, stallMs: 12_000 });
      const [s] = seqs('settle', 1);
      await postAll([svc], [s!]);
      await eventually(async () => (await fake.received()).messages.some((m) => m.chatId === s!.chatId), 20_000, 'the first message taken by the fake');
      await cluster.stopServer('fast');
      stopped = true;
      // The answer comes while PostgreSQL is down: its settle fails, and the outcome is kept.
      await svc.waitForLine(/could not take an outcome/, 30_000);
      await cluster.startServer();
      stopped = false;
      // The lease is 60 s: well before it, the settle was applied and the rest went out, once.
      const r = await allArrived(fake, [s!], 30_000);
      assertExactlyOnceInOrder(r, [s!]);
      assert.equal(r.duplicateRequestIds, 0, 'the first message was not sent again');
      assert.ok(!svc.lines.some((l) => /unexpected error/.test(l)), 'no "unexpected error"');
      // The path taken: the outcome was kept while PostgreSQL was down, then recorded.
      assert.ok(svc.lines.some((l) => /could not take an outcome/.test(l)), 'the settle met the outage');
      assert.ok(svc.lines.some((l) => /outcome recorded once the database answered/.test(l)), 'and was recorded after it');
    } finally {
      // The next tests need the server, whatever failed here.
      if (stopped) await cluster.startServer();
      await fake.control('/_fake/faults', {});
      await svc.stop();
    }
  });

  test('an instance started before PostgreSQL waits for it, then serves; SIGTERM while waiting exits cleanly', async () => {
    const env = await envFor();
    await cluster.stopServer('fast');
    let started = false;
    try {
      // SIGTERM while it waits: a clean exit.
      const quitter = spawnNode('service (quits)', CLI, ['start'], env);
      await quitter.waitForLine(/waiting for the database/, 20_000);
      assert.equal(await quitter.stop(10_000), 0, `exit code 0; its lines:\n${quitter.lines.join('\n')}`);

      const waiter = spawnNode('service (waits)', CLI, ['start'], env);
      const alive = watchExit(waiter);
      const firstWait = await waiter.waitForLine(/waiting for the database/, 20_000);
      const line = JSON.parse(firstWait) as Record<string, unknown>;
      assert.equal(line.code, 'ECONNREFUSED', 'the log says why');
      assert.ok(typeof line.attempt === 'number' && typeof line.retryInMs === 'number', 'and when it tries again');
      assert.match(String(line.database), new RegExp(`127\\.0\\.0\\.1:${cluster.port}`), 'and where');
      await waiter.waitForLine(/"attempt":3/, 20_000);
      assert.ok(alive(), 'still waiting, not exited');
      await cluster.startServer();
      started = true;
      const ready = await waiter.waitForLine(/"msg":"service started"/, 30_000);
      const url = (JSON.parse(ready) as { url: string }).url;
      const [s] = seqs('late', 1);
      assert.equal((await post(url, s!.body)).status, 200);
      assertExactlyOnceInOrder(await allArrived(fake, [s!], 30_000), [s!]);
      await waiter.stop();
    } finally {
      if (!started) await cluster.startServer();
    }
  });
});
