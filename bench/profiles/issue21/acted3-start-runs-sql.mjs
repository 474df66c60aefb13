// Where startRuns' store time goes (branch acted3): the microbench's write
// (acted3-start-runs-cpu.mjs: 400 chat openings, settles of 20) with each
// SQLite statement timed by its SQL text, and WAL frames counted per acted
// run (autocheckpoint off for the measurement). Build, then:
// node bench/profiles/issue21/acted3-start-runs-sql.mjs $PWD/dist
/* global process, console */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dist = process.argv[2];
const N = 400;
const require = createRequire(`${dist}/../package.json`);
const Database = require('better-sqlite3');
const stats = {};
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (text) {
  const st = prepare.call(this, text);
  const k = text.replace(/\s+/g, ' ').trim().slice(0, 50);
  for (const m of ['run', 'all', 'get']) {
    const f = st[m];
    st[m] = function (...a) {
      const t = process.hrtime.bigint();
      try {
        return f.apply(this, a);
      } finally {
        const s = (stats[k] ??= { n: 0, ns: 0n });
        s.n++;
        s.ns += process.hrtime.bigint() - t;
      }
    };
  }
  return st;
};
const { sql } = require('kysely');
const { Store } = await import(`${dist}/src/delivery/store/store.js`);
const { startRuns } = await import(`${dist}/src/delivery/store/start-runs.js`);
const dir = mkdtempSync(join(tmpdir(), 'a3-sql-'));
const file = join(dir, 'db.sqlite');
const store = await Store.open(`sqlite:${file}`, { delayScale: 0.001 });
const plan = (runId) => ({ curationId: 'c1', runId, outcome: 'sequence', lang: 'ko', values: { x: 1 }, problems: [], reason: null, messages: Array.from({ length: 12 }, (_, i) => ({ seq: i, delayMs: 1000, body: { blocks: [{ type: 'text', value: `message ${i} of the plan` }], requestId: `${runId}-${i}` } })) });
const opened = (chatId) => ({ kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null });
const items = Array.from({ length: N }, (_, i) => ({ eventId: `e${i}`, event: opened(`chat-${i}`), receivedAt: 1_000, takeover: false, candidates: [{ runId: `r${i}`, curationId: 'c1', oncePerChat: true, cooldownMs: 60_000, plan: plan(`r${i}`) }] }));
await Promise.all(items.map((it) => store.record({ eventId: it.eventId, event: it.event, receivedAt: it.receivedAt, candidates: [{ runId: it.candidates[0].runId, curationId: 'c1' }], takeover: false })));
await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
await sql`PRAGMA wal_autocheckpoint = 0`.execute(store.db);
for (const k of Object.keys(stats)) delete stats[k];
const walBefore = statSync(`${file}-wal`).size;
for (let i = 0; i < N; i += 20) {
  await store.db.transaction().execute(async (trx) => {
    for (const it of items.slice(i, i + 20)) await startRuns(trx, it, store.timing);
  });
}
const frames = (statSync(`${file}-wal`).size - walBefore) / (4096 + 24);
const rows = Object.entries(stats).sort((a, b) => Number(b[1].ns - a[1].ns));
for (const [k, s] of rows) console.log(`${(s.n / N).toFixed(2).padStart(5)} per run ${(Number(s.ns) / 1e3 / N).toFixed(1).padStart(7)} µs per run  ${k}`);
console.log(`WAL frames per acted run: ${(frames / N).toFixed(2)} (${N} runs, settles of 20)`);
await store.close();
rmSync(dir, { recursive: true, force: true });
