// Issue 16, item 10: health follows the last writes. With the disk full every
// webhook got 503 while /healthz answered 200 and curation_database_state said
// ok; a store with damaged pages started normally, answered every webhook 503
// SQLITE_CORRUPT, and stayed green. Now a write that fails because the
// database cannot store (full, damaged, I/O, read-only) turns /healthz 503
// `failing` and the metric with it, until a write succeeds again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Metrics, registerMetrics } from '../../src/server/metrics.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

const TOKEN = 'write-health-token';

interface Running {
  store: Store;
  app: FastifyInstance;
  logs: string[];
}

async function start(file: string): Promise<Running> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  const logger: Logger = pino({ level: 'info' }, sink);
  const store = await Store.open(`sqlite:${file}`, { delayScale: 0 });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  const app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels: opened.registry });
  registerMetrics(app, new Metrics({ processMetrics: false }), store);
  return { store, app, logs };
}

async function stop(r: Running | undefined): Promise<void> {
  await r?.app.close();
  await r?.store.close();
}

/** A chat opened with a long free-text answer: storing its event needs new pages. */
function openedWithLongAnswer(chatId: string): Record<string, unknown> {
  const body = webhookForChat('user-chat-opened', chatId) as { entity: { userId: string }; refers: { user: { id: string; profile: Record<string, unknown> } } };
  body.entity.userId = body.refers.user.id = `user-${chatId}`;
  body.refers.user.profile.memo = '식단 고민이 많아요 '.repeat(1_000);
  return body;
}

const post = (r: Running, body: unknown) =>
  r.app.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

interface Health {
  ok: boolean;
  database: string;
  writes?: { lastSuccessAt: string | null; consecutiveFailures: number; lastFailure: { code: string; reason: string; at: string } | null };
}

async function health(r: Running): Promise<{ status: number; body: Health }> {
  const res = await r.app.inject({ method: 'GET', url: '/healthz' });
  return { status: res.statusCode, body: res.json<Health>() };
}

async function databaseState(r: Running): Promise<string> {
  const text = (await r.app.inject({ method: 'GET', url: '/metrics' })).body;
  const on = [...text.matchAll(/^curation_database_state\{state="([a-z]+)"\} 1$/gm)].map((m) => m[1]);
  assert.equal(on.length, 1, `one state is 1 in\n${text.split('\n').filter((l) => l.includes('database_state')).join('\n')}`);
  return on[0]!;
}

describe('a full disk', () => {
  let r: Running | undefined;
  before(async () => {
    r = await start(path.join(tempDir(), 'full.db'));
  });
  after(() => stop(r));

  test('the failed writes turn /healthz 503 failing and the metric failing; a write that succeeds turns both back', async () => {
    const run = r!;
    assert.equal((await post(run, openedWithLongAnswer('full-before'))).statusCode, 200);
    assert.equal((await health(run)).status, 200);
    const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(run.store.db);
    await sql.raw(`PRAGMA max_page_count = ${rows[0]!.page_count}`).execute(run.store.db);
    try {
      for (const chat of ['full-1', 'full-2']) assert.equal((await post(run, openedWithLongAnswer(chat))).statusCode, 503);
      const h = await health(run);
      assert.equal(h.status, 503);
      assert.equal(h.body.ok, false);
      assert.equal(h.body.database, 'failing');
      assert.equal(h.body.writes?.consecutiveFailures, 2);
      assert.equal(h.body.writes?.lastFailure?.code, 'SQLITE_FULL');
      assert.match(h.body.writes?.lastFailure?.reason ?? '', /full/);
      assert.ok(h.body.writes?.lastSuccessAt, 'when a write last succeeded');
      assert.equal(await databaseState(run), 'failing');
    } finally {
      await sql.raw('PRAGMA max_page_count = 1073741823').execute(run.store.db);
    }
    // Still failing until a write succeeds: room alone proves nothing.
    assert.equal((await health(run)).body.database, 'failing');
    assert.equal((await post(run, openedWithLongAnswer('full-1'))).statusCode, 200);
    const h = await health(run);
    assert.equal(h.status, 200);
    assert.equal(h.body.ok, true);
    assert.equal(await databaseState(run), 'ok');
  });
});

describe('a store with damaged pages', () => {
  let r: Running | undefined;
  let file: string;
  before(async () => {
    file = path.join(tempDir(), 'damaged.db');
    // A store with some history, closed cleanly (its WAL folded into the file).
    const first = await start(file);
    for (let i = 0; i < 40; i++) assert.equal((await post(first, openedWithLongAnswer(`history-${i}`))).statusCode, 200);
    await stop(first);
    damagePagesOf(file, ['events_received_at', 'events_chat']);
    r = await start(file);
  });
  after(() => stop(r));

  test('starts, answers webhooks 503 SQLITE_CORRUPT, and /healthz and the metric say failing', async () => {
    const run = r!;
    // What the write probe reads is intact: before any write, nothing looks wrong.
    assert.equal((await health(run)).status, 200);
    const res = await post(run, openedWithLongAnswer('after-damage'));
    assert.equal(res.statusCode, 503);
    const logged = run.logs.map((l) => JSON.parse(l) as { msg: string; err?: { code?: string } }).find((l) => l.msg === 'could not store the event');
    assert.match(logged?.err?.code ?? '', /^SQLITE_CORRUPT/);
    const h = await health(run);
    assert.equal(h.status, 503);
    assert.equal(h.body.database, 'failing');
    assert.match(h.body.writes?.lastFailure?.code ?? '', /^SQLITE_CORRUPT/);
    assert.match(h.body.writes?.lastFailure?.reason ?? '', /damaged/);
    assert.equal(await databaseState(run), 'failing');
  });
});

/** Overwrites every page of the named indexes with bytes that are no b-tree page, as a failing disk might. */
function damagePagesOf(file: string, indexes: string[]): void {
  const db = new BetterSqlite3(file, { readonly: true });
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages = db.prepare(`SELECT pageno FROM dbstat WHERE name IN (${indexes.map(() => '?').join(',')})`).all(...indexes) as Array<{ pageno: number }>;
  db.close();
  assert.ok(pages.length > 0, 'the indexes have pages');
  let seed = 16;
  const noise = Buffer.alloc(pageSize);
  const fd = openSync(file, 'r+');
  try {
    for (const { pageno } of pages) {
      for (let i = 0; i < pageSize; i++) noise[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      writeSync(fd, noise, 0, pageSize, (pageno - 1) * pageSize);
    }
  } finally {
    closeSync(fd);
  }
}

describe('a store whose damage the write probe reads', () => {
  let r: Running | undefined;
  before(async () => {
    const file = path.join(tempDir(), 'damaged-probe.db');
    const first = await start(file);
    for (let i = 0; i < 40; i++) assert.equal((await post(first, openedWithLongAnswer(`history-${i}`))).statusCode, 200);
    await stop(first);
    // The events table and every index on it: whatever the probe's read of events goes through.
    damagePagesOf(file, ['events', 'sqlite_autoindex_events_1', 'sqlite_autoindex_events_2', 'events_received_at', 'events_chat']);
    r = await start(file);
  });
  after(() => stop(r));

  test('is failing (a damaged file), not unreachable, before any webhook', async () => {
    const h = await health(r!);
    assert.equal(h.status, 503);
    assert.equal(h.body.database, 'failing');
    assert.match(h.body.writes?.lastFailure?.code ?? '', /^SQLITE_CORRUPT/);
    assert.equal(await databaseState(r!), 'failing');
  });
});
