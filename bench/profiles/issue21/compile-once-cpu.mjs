// Microbench (branch compile-once): in-process CPU of a planned run's (lockChat + queueNewRun) and a settled send's (markInFlightTx + markSentTx + the job's delete) store statements on SQLite. Build, then: node bench/profiles/issue21/compile-once-cpu.mjs $PWD/dist 300 (or a copy of an older dist/, with package.json and node_modules beside it).
/* global process, console */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dist = process.argv[2];
const N = Number(process.argv[3] ?? 400);
const { Store } = await import(`${dist}/src/delivery/store/store.js`);
const { JobOps } = await import(`${dist}/src/delivery/store/job-ops.js`);
const { markInFlightTx, markSentTx } = await import(`${dist}/src/delivery/store/send-outcomes.js`);
const { queueNewRun, lockChat, insertPlannedMessages } = await import(`${dist}/src/delivery/store/chat-queue.js`);
const { chatTiming } = await import(`${dist}/src/delivery/chat-timing.js`);
const dir = mkdtempSync(join(tmpdir(), 'co-bench-'));
const store = await Store.open(`sqlite:${join(dir, 'db.sqlite')}`, { delayScale: 0.001 });
const ops = new JobOps(store.db, store.dialect);
const timing = chatTiming(0.001);
const M = 12;
const plan = () => ({ messages: Array.from({ length: M }, (_, i) => ({ seq: i + 1, delayMs: 1000, body: { blocks: [{ type: 'text', value: `message ${i + 1} of the plan` }] } })) });
const runRow = (id, state, now) => ({ id, curation_id: 'c1', event_id: `e-${id}`, channel_id: 'ch1', chat_id: `chat-${id}`, user_id: 'u1', state, created_at: now, updated_at: now, planning_attempts: 0 });
async function plannedRuns(tag) {
  const ids = Array.from({ length: N }, (_, i) => `${tag}-p${i}`);
  await store.db.insertInto('runs').values(ids.map((id) => runRow(id, 'pending', 1))).execute();
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i += 20) {
    await store.db.transaction().execute(async (trx) => {
      for (const id of ids.slice(i, i + 20)) {
        await lockChat(trx, `chat-${id}`, 5);
        await queueNewRun(trx, id, { chatId: `chat-${id}`, channelId: 'ch1' }, plan(), 5, timing);
      }
    });
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / N;
}
async function sends(tag) {
  const ids = Array.from({ length: Math.ceil(N / (M - 1)) }, (_, i) => `${tag}-s${i}`);
  await store.db.insertInto('runs').values(ids.map((id) => runRow(id, 'sending', 1))).execute();
  await store.db.transaction().execute(async (trx) => {
    for (const id of ids) await insertPlannedMessages(trx, id, { chatId: `chat-${id}`, channelId: 'ch1' }, plan(), 1, 2);
  });
  let count = 0;
  const t0 = process.cpuUsage();
  for (let seq = 1; seq < M; seq++) {
    await store.db.transaction().execute(async (trx) => {
      for (const id of ids) {
        const [m] = await markInFlightTx(trx, [{ runId: id, seq, leaseEnd: 100 }], 'me');
        if (!m) throw new Error(`no message ${id} ${seq}`);
        const r = await markSentTx(trx, m, 10 + seq, 'cm', timing, { runId: id, seq, requestId: m.request_id, startedAt: 9, status: 200, latencyMs: 12.3, errorKind: null, reason: null, instance: 'i1' });
        if (r !== 'next') throw new Error(`unexpected ${r}`);
        await ops.remove(trx, 1e9 + count, 'me', 1);
        count++;
      }
    });
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / count;
}
// warm-up, then measured rounds
await plannedRuns('w'); await sends('w');
const pr = [], sd = [];
for (let r = 0; r < 3; r++) { pr.push(await plannedRuns(`r${r}`)); sd.push(await sends(`r${r}`)); }
const med = (a) => [...a].sort((x, y) => x - y)[1];
console.log(JSON.stringify({ dist, plannedRunUs: med(pr).toFixed(1), settledSendUs: med(sd).toFixed(1), pr: pr.map((x) => x.toFixed(1)), sd: sd.map((x) => x.toFixed(1)) }));
await store.close();
rmSync(dir, { recursive: true, force: true });
