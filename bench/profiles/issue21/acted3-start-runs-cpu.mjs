// Microbench (branch acted3): in-process CPU of the planEvent job's store write
// for an acted chat opening (startRuns: the event taken from queued, the run,
// its 12 messages, the first send job), in settles of 20 events as the job
// engine commits them, on SQLite (synchronous FULL, as the service). The
// events are recorded first (not measured). Build, then:
// node bench/profiles/issue21/acted3-start-runs-cpu.mjs $PWD/dist 400
// (or an older dist/ with package.json and node_modules beside it), alternating.
/* global process, console */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dist = process.argv[2];
const N = Number(process.argv[3] ?? 400);
const { Store } = await import(`${dist}/src/delivery/store/store.js`);
const { startRuns } = await import(`${dist}/src/delivery/store/start-runs.js`);
const dir = mkdtempSync(join(tmpdir(), 'a3-bench-'));
const store = await Store.open(`sqlite:${join(dir, 'db.sqlite')}`, { delayScale: 0.001 });
const M = 12;
const plan = (runId) => ({
  curationId: 'c1',
  runId,
  outcome: 'sequence',
  lang: 'ko',
  values: { x: 1 },
  problems: [],
  reason: null,
  messages: Array.from({ length: M }, (_, i) => ({ seq: i, delayMs: 1000, body: { blocks: [{ type: 'text', value: `message ${i} of the plan` }], requestId: `${runId}-${i}` } })),
});
const opened = (chatId) => ({ kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null });
const itemOf = (tag, i) => {
  const chatId = `${tag}-chat-${i}`;
  const runId = `${tag}-r${i}`;
  return { eventId: `${tag}-e${i}`, event: opened(chatId), receivedAt: 1_000, takeover: false, candidates: [{ runId, curationId: 'c1', oncePerChat: true, cooldownMs: 60_000, plan: plan(runId) }] };
};
async function round(tag) {
  const items = Array.from({ length: N }, (_, i) => itemOf(tag, i));
  await Promise.all(items.map((it) => store.record({ eventId: it.eventId, event: it.event, receivedAt: it.receivedAt, candidates: it.candidates.map((c) => ({ runId: c.runId, curationId: c.curationId })), takeover: false })));
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i += 20) {
    await store.db.transaction().execute(async (trx) => {
      for (const it of items.slice(i, i + 20)) {
        const out = await startRuns(trx, it, store.timing);
        if (out.status !== 'acted') throw new Error(`not acted: ${out.reason}`);
      }
    });
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / N;
}
await round('w');
const us = [];
// On a shared machine the least of many rounds is the steadiest figure (another process's CPU only adds to a round).
for (let r = 0; r < 11; r++) us.push(await round(`r${r}`));
const sorted = [...us].sort((x, y) => x - y);
console.log(JSON.stringify({ dist, minUs: sorted[0].toFixed(1), medianUs: sorted[5].toFixed(1) }));
await store.close();
rmSync(dir, { recursive: true, force: true });
