// Run from the repository root (bench/profiles/issue21/ignored4.md).
/* global process, console, performance */
// Raw better-sqlite3: CPU per ignored row, variants, batch B, same schema.
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
const require = createRequire(process.cwd() + '/package.json');
const D = require('better-sqlite3');
const fs = require('node:fs');
const SCHEMA = [
  `CREATE TABLE "events" ("id" text primary key, "dedupe_key" text not null unique, "kind" text not null, "channel_id" text, "chat_id" text, "user_id" text, "status" text not null, "reason" text, "received_at" bigint not null, "summary_json" text not null, "event_json" text, "reason_words" text)`,
  `CREATE INDEX "events_received_at" on "events" ("received_at")`,
  `CREATE INDEX "events_chat" on "events" ("chat_id", "received_at")`,
];
const COLS = ['id','dedupe_key','kind','channel_id','chat_id','user_id','status','reason','reason_words','received_at','summary_json','event_json'];
let n = 0;
const row = () => { n++; const id = createHash('sha256').update(`k${n}`).digest('base64url').slice(0, 22); const dk = `ch1/${createHash('sha1').update('d' + n).digest('hex')}`;
  return [id, dk, 'ignored', 'ch1', `chat${n % 50}`, null, 'ignored', 'a bot wrote it', null, Date.now(), JSON.stringify({ kind: 'ignored', dedupeKey: dk, channelId: 'ch1', chatId: `chat${n%50}`, reason: 'a bot wrote it' }), null]; };
function run(name, B, { multi = false, ckpt = 1000, noIdx = false, seq = false, sync = 'NORMAL' } = {}) {
  const file = `/tmp/raw-${name}.db`; for (const s of ['', '-wal', '-shm']) fs.rmSync(file + s, { force: true });
  const db = new D(file); db.pragma('journal_mode = WAL'); db.pragma(`synchronous = ${sync}`); db.pragma('cache_size = -4096'); db.pragma(`wal_autocheckpoint = ${ckpt}`);
  for (const s of noIdx ? SCHEMA.slice(0, 1) : SCHEMA) db.exec(s); const mk = seq ? () => { const r = row(); r[0] = `e${String(n).padStart(12, '0')}`; return r; } : row;
  const ph = `(${COLS.map(() => '?').join(',')})`;
  const one = db.prepare(`insert into events (${COLS.join(',')}) values ${ph} on conflict (dedupe_key) do nothing returning id`);
  const many = multi ? db.prepare(`insert into events (${COLS.join(',')}) values ${Array(B).fill(ph).join(',')} on conflict (dedupe_key) do nothing returning id`) : null;
  const begin = db.prepare('BEGIN IMMEDIATE'), commit = db.prepare('COMMIT');
  // warm: 20k rows first
  const batches = (k) => { for (let i = 0; i < k; i++) { const rows = Array.from({ length: B }, mk); begin.run(); if (many) many.all(rows.flat()); else for (const r of rows) one.all(r); commit.run(); } };
  batches(Math.ceil(20000 / B));
  const total = 19200; const t0 = process.cpuUsage(); const w0 = performance.now();
  batches(total / B);
  const c = process.cpuUsage(t0);
  console.log(`${name} B=${B}: user ${(c.user / total).toFixed(1)} + sys ${(c.system / total).toFixed(1)} µs/row, wall ${((performance.now() - w0) * 1000 / total).toFixed(1)}`);
  db.close();
}
for (let r = 0; r < 2; r++) for (const B of [32]) { run('single', B); run('noIdx', B, { noIdx: true }); run('seqId', B, { seq: true }); run('syncOff', B, { sync: 'OFF' }); run('ckpt10k', B, { ckpt: 10000 }); run('ckpt0', B, { ckpt: 0 }); }
