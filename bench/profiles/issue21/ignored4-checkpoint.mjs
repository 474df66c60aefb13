// Run from the repository root after `npm run build` (bench/profiles/issue21/ignored4.md).
/* global process, console */
const ROOT = process.cwd() + '/';
const { Store } = await import(`${ROOT}dist/src/delivery/store/store.js`);
const { GroupCommitter } = await import(`${ROOT}dist/src/delivery/store/group-commit.js`);
import { rmSync } from 'node:fs';
let n = 0;
const item = () => { n++; const id = `ev${process.pid}x${n}`;
  return { eventId: id, receivedAt: Date.now(), candidates: [], takeover: false,
    event: { kind: 'ignored', reason: 'a bot wrote it', words: null, unusable: false, dedupeKey: `ch1/${id}`, channelId: 'ch1', chatId: `chat${n % 50}`, userId: null, profile: null } }; };
const res = {};
for (let r = 0; r < 3; r++) for (const ck of [1000, 4000, 10000]) {
  const file = `/tmp/ck-${ck}.db`; for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
  const store = await Store.open(`sqlite:${file}`, {});
  // reach the better-sqlite3 handle via a raw pragma through kysely
  const { sql } = await import(`${ROOT}node_modules/kysely/dist/index.js`);
  await sql.raw(`PRAGMA wal_autocheckpoint = ${ck}`).execute(store.db);
  const gc = new GroupCommitter(store.db, 'sqlite', 1);
  const B = 28, warm = 10080, total = 20160;
  for (let i = 0; i < warm / B; i++) await Promise.all(Array.from({ length: B }, () => gc.submit(item())));
  const t0 = process.cpuUsage();
  for (let i = 0; i < total / B; i++) await Promise.all(Array.from({ length: B }, () => gc.submit(item())));
  const c = process.cpuUsage(t0);
  (res[ck] ??= []).push(`${(c.user / total).toFixed(0)}+${(c.system / total).toFixed(0)}`);
  console.log(`ckpt ${ck}: user ${(c.user / total).toFixed(1)} sys ${(c.system / total).toFixed(1)} µs/event`);
}
console.log(res);
process.exit(0);
