// Issue 10, item 3, on the real service (in-process, fake Channel Talk,
// SQLite file): while another connection holds BEGIN EXCLUSIVE on the file,
// a webhook gets a quick 503 "database busy", /healthz says busy at once,
// /metrics keeps answering, and timers keep firing (the event loop is never
// blocked). After the release the same delivery is accepted and delivered,
// and a run acknowledged before the hold completes. The same webhook and
// health answers on PostgreSQL, with a table lock held by another session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { freshPostgres, postgresAvailable } from '../support/databases.js';
import { startHarness, until, type Harness } from '../console/harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

/** A chat opened by its own customer, so the curation's cooldown per customer does not hold it back. */
function openedFor(chatId: string): Record<string, unknown> {
  const body = webhookForChat('user-chat-opened', chatId);
  return JSON.parse(JSON.stringify(body).split('5f0e1d2c3b4a59687706').join(`user-${chatId}`)) as Record<string, unknown>;
}

async function runOf(runId: string) {
  return h.service.store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst();
}

test('a held SQLite lock: 503 busy, health busy, loop alive; after the release the delivery is accepted and sent', { timeout: 120_000 }, async () => {
  const file = h.service.store.describe.slice('sqlite:'.length);
  const before = await h.postWebhook(openedFor('busy-before-chat'));
  assert.equal(before.status, 200);
  assert.equal(before.json.status, 'acted');
  const beforeRun = (before.json.runs as string[])[0]!;

  const other = new BetterSqlite3(file);
  other.exec('BEGIN EXCLUSIVE');
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    const at = ticks;
    const refused = await h.postWebhook(openedFor('busy-during-chat'));
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.json, { ok: false, error: 'database busy; try again' });
    assert.ok(ticks > at, 'timers kept firing while the webhook waited');
    assert.ok(other.inTransaction, 'the 503 came while the lock was still held');

    const health = await fetch(`${h.url}/healthz`);
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), { ok: false, database: 'busy' });

    const metrics = await fetch(`${h.url}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /^curation_database_state\{state="busy"\} 1$/m);
    assert.match(text, /^curation_database_state\{state="ok"\} 0$/m);
    assert.ok(other.inTransaction);
  } finally {
    clearInterval(timer);
    other.exec('COMMIT');
    other.close();
  }

  const health = await fetch(`${h.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { ok: boolean }).ok, true);

  const accepted = await h.postWebhook(openedFor('busy-during-chat'));
  assert.equal(accepted.status, 200);
  assert.equal(accepted.json.duplicate, false, 'the refused delivery left nothing behind');
  assert.equal(accepted.json.status, 'acted');
  const runId = (accepted.json.runs as string[])[0]!;
  for (const [id, chat] of [[beforeRun, 'busy-before-chat'], [runId, 'busy-during-chat']] as const) {
    await until(async () => (await runOf(id))?.state === 'completed', `run ${id} to complete`, 60_000);
    const planned = await h.service.store.db.selectFrom('messages').select('request_id').where('run_id', '=', id).execute();
    const received = h.fake.state.messages.filter((m) => m.chatId === chat).map((m) => m.requestId);
    assert.deepEqual(received.sort(), planned.map((m) => m.request_id).sort(), `${chat}: every planned message arrived once`);
  }
  const metrics = await (await fetch(`${h.url}/metrics`)).text();
  assert.match(metrics, /^curation_database_state\{state="ok"\} 1$/m);
});

const admin = postgresAvailable();
test('PostgreSQL: a table lock held elsewhere gives the webhook a 503 busy and /healthz busy; after the release the delivery is accepted', { skip: admin ? false : 'TEST_DATABASE_URL not set', timeout: 120_000 }, async () => {
  const url = await freshPostgres(admin!);
  const store = await Store.open(url, { delayScale: 0 });
  const logger = pino({ level: 'silent' });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: ['pg-busy-token'], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  const app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels: opened.registry });
  const post = () =>
    app.inject({ method: 'POST', url: '/webhooks/channeltalk?token=pg-busy-token', payload: JSON.stringify(openedFor('pg-busy-chat')), headers: { 'content-type': 'application/json' } });
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  try {
    await other.query('BEGIN');
    await other.query('LOCK TABLE events, runs, messages, chats IN EXCLUSIVE MODE');
    try {
      const refused = await post();
      assert.equal(refused.statusCode, 503);
      assert.deepEqual(refused.json(), { ok: false, error: 'database busy; try again' });
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 503);
      assert.deepEqual(health.json(), { ok: false, database: 'busy' });
    } finally {
      await other.query('COMMIT');
    }
    const accepted = await post();
    assert.equal(accepted.statusCode, 200);
    assert.equal(accepted.json<{ status: string; duplicate: boolean }>().status, 'acted');
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  } finally {
    await other.end();
    await app.close();
    await store.close();
  }
});
