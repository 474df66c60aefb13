// Bulk seeding of finished history: N completed diet-main runs, each with its
// event, chat, 2 sent messages and their 2 attempts, with the shapes and sizes
// the service itself writes (hash ids, the real values/profile/summary JSON,
// real message bodies). One transaction through better-sqlite3 with the
// journal off; the file is switched back to WAL for the service.
import BetterSqlite3 from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { Store } from '../../src/delivery/store/store.js';
import { chatKey, eventIdFor, inChannel, runIdFor } from '../../src/delivery/ids.js';
import type { Plan } from '../../src/curation/index.js';
import type { Event } from '../../src/channeltalk/event.js';

export interface SeedResult {
  runs: number;
  seconds: number;
  fileMb: number;
}

const DAY = 86_400_000;

/** Creates the schema (the service's own migrations) and seeds `runs` finished runs spread over the last 29 days. */
export async function seedFinished(file: string, runs: number, sample: { event: Event; plan: Plan }, onProgress?: (done: number) => void): Promise<SeedResult> {
  const t0 = performance.now();
  const store = await Store.open(`sqlite:${file}`, { delayScale: 1 });
  await store.close();

  const db = new BetterSqlite3(file);
  // Out of WAL, or every seeded page would be written twice (WAL, then the
  // checkpoint). The rollback journal stays in memory: a new file has few old
  // pages to keep, and a failed seed is thrown away anyway. (OFF is refused
  // in better-sqlite3's defensive mode.)
  const mode = db.pragma('journal_mode = MEMORY', { simple: true });
  if (mode !== 'memory') throw new Error(`seeding: could not leave WAL mode (${String(mode)})`);
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -524288'); // 512 MB while seeding
  db.pragma('temp_store = MEMORY');
  db.pragma('locking_mode = EXCLUSIVE');

  // Index maintenance in random key order dominates a bulk insert: drop the
  // migration's secondary indexes and build them again, sorted, at the end.
  // (The unique and primary-key indexes stay: they cannot be dropped.)
  const indexes = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`).all() as Array<{ name: string; sql: string }>;
  for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);

  const { profile: _p, ...summary } = sample.event;
  const summaryJson = JSON.stringify(summary);
  const valuesJson = JSON.stringify(sample.plan.values);
  const profileJson = JSON.stringify(sample.event.profile);
  const bodies = sample.plan.messages.slice(0, 2).map((m) => m.body);
  const delays = sample.plan.messages.slice(0, 2).map((m) => m.delayMs);

  const insEvent = db.prepare(
    `INSERT INTO events (id, dedupe_key, kind, channel_id, chat_id, user_id, status, reason, received_at, summary_json)
     VALUES (?, ?, 'chatOpened', '95334', ?, ?, 'acted', NULL, ?, ?)`,
  );
  const insRun = db.prepare(
    `INSERT INTO runs (id, curation_id, event_id, channel_id, chat_id, user_id, state, outcome, reason, lang, once_key, values_json, problems_json, profile_json, event_json, created_at, updated_at, finished_at, planning_attempts)
     VALUES (?, 'diet-main', ?, '95334', ?, ?, 'completed', 'sequence', NULL, 'ko', ?, ?, '[]', ?, NULL, ?, ?, ?, 0)`,
  );
  const insMessage = db.prepare(
    `INSERT INTO messages (run_id, seq, chat_id, channel_id, request_id, state, delay_ms, due_at, body_json, is_last, attempts, first_attempt_at, sent_at, channel_message_id, claimed_by, claim_until, reason, created_at)
     VALUES (?, ?, ?, '95334', ?, 'sent', ?, ?, ?, ?, 1, ?, ?, ?, NULL, NULL, NULL, ?)`,
  );
  const insAttempt = db.prepare(
    `INSERT INTO attempts (run_id, seq, request_id, started_at, status, latency_ms, error_kind, reason, instance) VALUES (?, ?, ?, ?, 200, 12, NULL, NULL, 'bench:1')`,
  );
  const insChat = db.prepare('INSERT INTO chats (chat_id, updated_at) VALUES (?, ?)');

  const now = Date.now();
  const start = now - 29 * DAY;
  const step = (29 * DAY) / runs;
  const seedAll = db.transaction(() => {
    for (let i = 0; i < runs; i++) {
      const h = createHash('md5').update(`seed-${i}`).digest('hex');
      const chatId = h.slice(0, 20);
      const userId = h.slice(12, 32);
      // The keys as intake stores them: in the channel (delivery/ids.ts).
      const dedupeKey = inChannel('95334', `chatOpened:${chatId}`);
      const chat = chatKey({ channelId: '95334', chatId });
      const eventId = eventIdFor(dedupeKey);
      const runId = runIdFor('diet-main', dedupeKey);
      const t = Math.round(start + i * step);
      insEvent.run(eventId, dedupeKey, chatId, userId, t, summaryJson.split('6a1b2c3d4e5f60718293').join(chatId));
      insRun.run(runId, eventId, chatId, userId, `diet-main|${chat}`, valuesJson, profileJson, t, t + 3000, t + 3000);
      for (let seq = 0; seq < bodies.length; seq++) {
        const requestId = `${runId}-${seq}`;
        const sentAt = t + 1000 + seq * 2000;
        insMessage.run(runId, seq, chatId, requestId, delays[seq]!, sentAt - 5, JSON.stringify({ ...bodies[seq], requestId }), seq === bodies.length - 1 ? 1 : 0, sentAt - 12, sentAt, `m${h.slice(0, 16)}${seq}`, t);
        insAttempt.run(runId, seq, requestId, sentAt - 12);
      }
      insChat.run(chat, t + 3000);
      if (onProgress && i > 0 && i % 100_000 === 0) onProgress(i);
    }
  });
  seedAll();
  for (const ix of indexes) db.exec(ix.sql);
  db.pragma('locking_mode = NORMAL');
  db.pragma('journal_mode = WAL');
  db.close();
  return { runs, seconds: (performance.now() - t0) / 1000, fileMb: statSync(file).size / 2 ** 20 };
}
