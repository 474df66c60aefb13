// The end-to-end floor (issue 21's "messages/s against the fake" row): the
// least an exactly-once sender with durable commits does per message on this
// machine, with none of the service's code. One process, better-sqlite3
// directly (WAL, synchronous = FULL, as src/delivery/store/connect.ts opens
// the service's database), the same fake, the same message bodies, the same
// number of sends in flight (the service's SEND_SLOTS) and Node's keep-alive
// agent through node:http, as src/channeltalk/transport.ts sends.
//
// Per message, as the service: durably marked in flight (state 'sending',
// claim and lease) BEFORE its POST, so a crash after the POST finds it and
// sends it again with the same requestId; POSTed, its answer read and parsed
// (the service keeps the answer's message id); durably marked sent (with the
// message id) and its attempt recorded; a chat's next message claimed only in
// or after the commit that settled the previous one (per-chat order). The
// commits are grouped as the service groups them: every settle that is ready
// when the writer runs goes into one transaction, and the claims of the next
// messages ride in that same transaction (the service's riding claim), so one
// fsync covers a batch of settles and the claims after them.
//
// What it leaves out, so it is a floor and not a second service: receiving
// and planning (the rows are seeded before the measured part, their CPU
// reported apart), the chat lock, the run's row, the jobs table (the claim
// order is an in-memory FIFO of chats), leases expiring, retries, logging,
// metrics. Each of those is work the service does on top of this.
//
// Usage: node bare-sender.js FAKE_URL DB_FILE CHATS BODIES_JSON CONCURRENCY [MODE]
// (BODIES_JSON: the plan's message bodies, the ID placeholder where the
// requestId goes). Prints one JSON line: BareSenderResult. MODE splits the
// floor (by hand, not in the bench): `full` (the default, the floor),
// `normal` (synchronous = NORMAL: the same statements and commits without
// their fsync; not durable), `http` (no database at all: the POSTs alone, a
// chat's next message posted once the previous one is answered).
import http from 'node:http';
import Database from 'better-sqlite3';
import { ID } from './load-spec.js';
import { BOT_NAME, FAKE_KEY, FAKE_SECRET } from './procs.js';

export interface BareSenderResult {
  sent: number;
  /** Wall seconds from the first claim until the last message was settled. */
  seconds: number;
  /** Process user+system CPU over that interval, per message. */
  cpuMsPerMessage: number;
  /** Seeding the rows (not part of the floor): CPU per message. */
  seedCpuMsPerMessage: number;
  commits: number;
}

interface Slot {
  chat: number;
  seq: number;
}

async function main(): Promise<void> {
  const [fakeUrl, dbFile, chatsArg, bodiesArg, concurrencyArg, modeArg = 'full'] = process.argv.slice(2);
  if (modeArg !== 'full' && modeArg !== 'normal' && modeArg !== 'http') throw new Error(`bare sender: unknown mode '${modeArg}' (full, normal or http)`);
  const mode = modeArg;
  if (fakeUrl === undefined || dbFile === undefined || chatsArg === undefined || bodiesArg === undefined || concurrencyArg === undefined) {
    throw new Error('usage: bare-sender FAKE_URL DB_FILE CHATS BODIES_JSON CONCURRENCY');
  }
  const chats = Number(chatsArg);
  const bodies = JSON.parse(bodiesArg) as string[];
  const concurrency = Number(concurrencyArg);
  const perChat = bodies.length;
  const total = chats * perChat;

  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma(mode === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.exec(`
    CREATE TABLE messages (
      chat_id TEXT NOT NULL, seq INTEGER NOT NULL, request_id TEXT NOT NULL, body_json TEXT NOT NULL,
      state TEXT NOT NULL, claimed_by TEXT, claim_until INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
      sent_at INTEGER, channel_message_id TEXT, PRIMARY KEY (chat_id, seq));
    CREATE TABLE attempts (id INTEGER PRIMARY KEY, chat_id TEXT NOT NULL, seq INTEGER NOT NULL, request_id TEXT NOT NULL, started_at INTEGER NOT NULL, status INTEGER, latency_ms REAL NOT NULL);
  `);

  const chatId = (c: number) => `bare${String(c).padStart(16, '0')}`;
  const requestId = (c: number, s: number) => `bare-${c}-${s}`;
  const seedCpu0 = process.cpuUsage();
  const insert = db.prepare('INSERT INTO messages (chat_id, seq, request_id, body_json, state) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let c = 0; c < chats; c++) {
      for (let s = 0; s < perChat; s++) insert.run(chatId(c), s, requestId(c, s), bodies[s]!.split(ID).join(requestId(c, s)), 'waiting');
    }
  })();
  const seedCpu = process.cpuUsage(seedCpu0);

  const claim = db.prepare(
    "UPDATE messages SET state = 'sending', claimed_by = 'bare', claim_until = ?, attempts = attempts + 1 WHERE chat_id = ? AND seq = ? AND state = 'waiting' RETURNING request_id, body_json",
  );
  const settle = db.prepare("UPDATE messages SET state = 'sent', sent_at = ?, channel_message_id = ?, claimed_by = NULL, claim_until = NULL WHERE chat_id = ? AND seq = ? AND state = 'sending'");
  const attempt = db.prepare('INSERT INTO attempts (chat_id, seq, request_id, started_at, status, latency_ms) VALUES (?, ?, ?, ?, ?, ?)');
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');

  const agent = http.globalAgent;
  const { hostname, port } = new URL(fakeUrl);
  // A FIFO of chats whose next message may be claimed; a chat goes to its end once its previous message is settled.
  const ready: Slot[] = [];
  for (let c = 0; c < chats; c++) ready.push({ chat: c, seq: 0 });
  let readyHead = 0;
  const settled: Array<{ slot: Slot; requestId: string; messageId: string | null; startedAt: number; latencyMs: number }> = [];
  let inFlight = 0;
  let done = 0;
  let commits = 0;
  let writerQueued = false;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const post = (slot: Slot, reqId: string, body: string) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    const headers = {
      'x-access-key': FAKE_KEY,
      'x-access-secret': FAKE_SECRET,
      'content-type': 'application/json',
      'accept-language': '*',
      'sec-fetch-mode': 'cors',
      'user-agent': 'node',
      'accept-encoding': 'gzip, deflate',
      'content-length': String(Buffer.byteLength(body)),
    };
    const req = http.request(
      { hostname, port, agent, method: 'POST', path: `/open/v5/user-chats/${chatId(slot.chat)}/messages?botName=${BOT_NAME}`, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200) throw new Error(`bare sender: the fake answered ${res.statusCode} for ${reqId}`);
          const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message?: { id?: string } };
          settled.push({ slot, requestId: reqId, messageId: answer.message?.id ?? null, startedAt, latencyMs: performance.now() - t0 });
          wakeWriter();
        });
      },
    );
    req.on('error', (e) => {
      throw e;
    });
    req.end(body);
  };

  // One transaction: every settle ready now, then the claims that fill the free slots (the settled chats' next messages join the FIFO first).
  const write = () => {
    writerQueued = false;
    const now = Date.now();
    const toPost: Array<{ slot: Slot; requestId: string; body: string }> = [];
    if (mode !== 'http') begin.run();
    for (const s of settled) {
      if (mode === 'http') {
        if (s.slot.seq + 1 < perChat) ready.push({ chat: s.slot.chat, seq: s.slot.seq + 1 });
        continue;
      }
      if (settle.run(now, s.messageId, chatId(s.slot.chat), s.slot.seq).changes !== 1) throw new Error(`bare sender: ${s.requestId} was not in flight`);
      attempt.run(chatId(s.slot.chat), s.slot.seq, s.requestId, s.startedAt, 200, s.latencyMs);
      if (s.slot.seq + 1 < perChat) ready.push({ chat: s.slot.chat, seq: s.slot.seq + 1 });
    }
    done += settled.length;
    inFlight -= settled.length;
    settled.length = 0;
    while (inFlight + toPost.length < concurrency && readyHead < ready.length) {
      const slot = ready[readyHead++]!;
      if (mode === 'http') {
        toPost.push({ slot, requestId: requestId(slot.chat, slot.seq), body: bodies[slot.seq]!.split(ID).join(requestId(slot.chat, slot.seq)) });
        continue;
      }
      const row = claim.get(now + 60_000, chatId(slot.chat), slot.seq) as { request_id: string; body_json: string } | undefined;
      if (!row) throw new Error(`bare sender: ${chatId(slot.chat)}/${slot.seq} was not waiting`);
      toPost.push({ slot, requestId: row.request_id, body: row.body_json });
    }
    if (mode !== 'http') {
      commit.run();
      commits++;
    }
    inFlight += toPost.length;
    // Posted only after the commit that marked them in flight.
    for (const p of toPost) post(p.slot, p.requestId, p.body);
    if (done === total) finish();
  };
  function wakeWriter() {
    if (writerQueued) return;
    writerQueued = true;
    setImmediate(write);
  }

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  wakeWriter();
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const result: BareSenderResult = { sent: done, seconds, cpuMsPerMessage: ms(cpu) / total, seedCpuMsPerMessage: ms(seedCpu) / total, commits };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  agent.destroy();
}

await main();
