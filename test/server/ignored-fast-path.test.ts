// Issue 21: a delivery nothing acts on (a bot's message, no curation matched)
// is answered before its commit; everything that may act still waits for it.
// The record is still made (the console shows it), once for a repeat, in the
// order of its chat's lane; one the database refuses is logged (ids only) and
// counted, and the next deliveries wait for their commit again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { ConsoleQueries } from '../../src/delivery/store/console-queries.js';
import type { Event } from '../../src/channeltalk/event.js';
import type { RecordOutcome } from '../../src/delivery/store/record-event.js';
import { ROOT, webhook, webhookForChat } from '../support/fixtures.js';
import { freshDatabases, type TestDb } from '../support/databases.js';
import { tempDir } from '../support/processes.js';
import { until } from '../console/harness.js';

const TOKEN = 'fast-path-token';

interface Answer {
  ok: boolean;
  event: string;
  status: string;
  duplicate?: boolean;
  runs: string[];
}

interface Service {
  store: Store;
  app: FastifyInstance;
  logs: Array<Record<string, unknown>>;
  outcomes: Array<{ event: Event; outcome: RecordOutcome }>;
  lost: Event[];
  post(body: unknown): Promise<{ statusCode: number; json: Answer & { error?: string } }>;
  close(): Promise<void>;
}

async function service(url: string): Promise<Service> {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) logs.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const store = await Store.open(url, { delayScale: 0 });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  const outcomes: Service['outcomes'] = [];
  const lost: Event[] = [];
  const intake = new Intake({ store, logger, onOutcome: (event, outcome) => outcomes.push({ event, outcome }), onLost: (event) => lost.push(event) });
  const app = await buildApp({ intake, store, logger, channels: opened.registry });
  return {
    store,
    app,
    logs,
    outcomes,
    lost,
    post: async (body) => {
      const res = await app.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return { statusCode: res.statusCode, json: res.json<Answer & { error?: string }>() };
    },
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

const botMessage = (chatId: string, messageId: string) => webhookForChat('bot-message', chatId, messageId);

/** A customer's message that matches no curation: it still waits for its commit (it may make a waiting run's profile read due). */
function unmatchedUserMessage(chatId: string, messageId: string): Record<string, unknown> {
  const body = webhookForChat('user-message-keyword', chatId, messageId) as { entity: Record<string, unknown> };
  body.entity.plainText = 'hello';
  delete body.entity.blocks;
  return body;
}

async function eventsOfChat(store: Store, chatId: string) {
  return new ConsoleQueries(store.db).listEvents({ chatId });
}

let databases: TestDb[] = [];
test('databases', async () => {
  databases = await freshDatabases();
});

for (const name of ['sqlite', 'postgres'] as const) {
  test(`${name}: a bot's message is answered at once, then recorded for the console; a repeat is recorded once`, async (t) => {
    const db = databases.find((d) => d.name === name);
    if (!db) return t.skip('TEST_DATABASE_URL not set');
    const s = await service(db.url);
    try {
      const body = botMessage(`fast-${name}-chat`, `fast-${name}-msg`);
      const first = await s.post(body);
      const again = await s.post(body);
      for (const a of [first, again]) {
        assert.equal(a.statusCode, 200);
        assert.equal(a.json.status, 'no_match');
        assert.equal(a.json.event, 'botMessage');
        assert.equal('duplicate' in a.json, false, 'answered before the commit: whether it is a repeat is not known yet');
      }
      await s.store.recorded();
      const events = await eventsOfChat(s.store, `fast-${name}-chat`);
      assert.deepEqual(
        events.map((e) => [e.kind, e.status]),
        [['botMessage', 'no_match']],
        'recorded once, as the console shows it',
      );
      assert.deepEqual(
        s.outcomes.map((o) => o.outcome.duplicate),
        [false, true],
        'the repeat is counted as a duplicate once committed',
      );
      const lines = s.logs.filter((l) => l.msg === 'event received');
      assert.equal(lines.length, 2, 'the "event received" line is still written, after the commit');
      assert.deepEqual(
        lines.map((l) => [l.eventId, l.status, l.duplicate]),
        s.outcomes.map((o) => [o.outcome.eventId, o.outcome.status, o.outcome.duplicate]),
      );
      assert.equal(s.lost.length, 0);
    } finally {
      await s.close();
    }
  });

  test(`${name}: a delivery that may act is answered only after its commit, behind the chat's earlier ignored one`, async (t) => {
    const db = databases.find((d) => d.name === name);
    if (!db) return t.skip('TEST_DATABASE_URL not set');
    const s = await service(db.url);
    try {
      const chatId = `order-${name}-chat`;
      const ignored = await s.post(botMessage(chatId, `order-${name}-bot`));
      assert.equal('duplicate' in ignored.json, false);
      // Each of these may act (a run, a takeover, an answer, a customer's message), so none is answered before its commit.
      const mayAct: Array<[string, Record<string, unknown>, string]> = [
        ['chatOpened', webhookForChat('user-chat-opened', chatId), 'acted'],
        ['userMessage', unmatchedUserMessage(chatId, `order-${name}-user`), 'no_match'],
        ['managerMessage', webhookForChat('manager-message', chatId, `order-${name}-manager`), 'acted'],
        ['profileChanged', webhook('lead-upserted-contact'), 'queued'],
      ];
      for (const [kind, body, status] of mayAct) {
        const res = await s.post(body);
        assert.equal(res.statusCode, 200, kind);
        assert.equal(res.json.event, kind);
        assert.equal(res.json.status, status, kind);
        assert.equal(res.json.duplicate, false, `${kind}: answered after its commit`);
      }
      // No drain: the acted deliveries were answered after their commits, and the bot's message, earlier in the
      // same chat's lane, was committed before them.
      const events = await eventsOfChat(s.store, chatId);
      assert.deepEqual(events.map((e) => e.kind).sort(), ['botMessage', 'chatOpened', 'managerMessage', 'userMessage']);
      // The opening and the takeover were started (and stopped) in their own commits; the answer committed with its planEvent job.
      const jobs = await s.store.db.selectFrom('jobs').select('kind').where('kind', '=', 'planEvent').execute();
      assert.equal(jobs.length, 1, 'only the answer committed with a planEvent job');
      const runs = await s.store.db.selectFrom('runs').select('state').where('chat_id', '=', chatId).execute();
      assert.deepEqual(runs.map((r) => r.state), ['cancelled'], 'the opening started its run, the takeover stopped it');
    } finally {
      await s.close();
    }
  });
}

test('sqlite: while another connection holds the lock, a bot message is still answered 200; its refused record is logged with ids and counted, and the next deliveries wait for their commit again', { timeout: 60_000 }, async () => {
  const file = path.join(tempDir(), 'fast-path-lock.db');
  const s = await service(`sqlite:${file}`);
  const other = new BetterSqlite3(file);
  try {
    other.exec('BEGIN EXCLUSIVE');
    const answered = await s.post(botMessage('locked-chat', 'locked-msg'));
    assert.equal(answered.statusCode, 200, JSON.stringify(answered.json));
    assert.equal(answered.json.status, 'no_match');
    assert.ok(other.inTransaction, 'answered while the lock was still held');

    const line = await until(() => Promise.resolve(s.logs.find((l) => l.level === 50)), 'the lost record to be logged');
    assert.match(String(line.msg), /record is lost/);
    assert.equal(line.chatId, 'locked-chat');
    assert.equal(line.kind, 'botMessage');
    assert.equal(typeof line.eventId, 'string');
    assert.equal((line.err as { code?: string }).code, 'SQLITE_BUSY');
    for (const needle of ['"profile"', '+821000000000', 'plainText', TOKEN]) assert.ok(!JSON.stringify(line).includes(needle), `logged ${needle}`);
    assert.deepEqual(s.lost.map((e) => e.kind), ['botMessage'], 'counted');

    const refused = await s.post(botMessage('locked-chat', 'locked-msg-2'));
    assert.equal(refused.statusCode, 503, 'after a lost record, deliveries wait for their commit: Channel Talk delivers again');
    assert.equal(refused.json.error, 'database busy; try again');
  } finally {
    if (other.inTransaction) other.exec('COMMIT');
    other.close();
  }
  try {
    const retried = await s.post(botMessage('locked-chat', 'locked-msg-2'));
    assert.equal(retried.statusCode, 200);
    assert.equal(retried.json.duplicate, false, 'committed before the answer');
    const next = await s.post(botMessage('locked-chat', 'locked-msg-3'));
    assert.equal('duplicate' in next.json, false, 'a commit succeeded: answered at once again');
    await s.store.recorded();
    const events = await eventsOfChat(s.store, 'locked-chat');
    assert.equal(events.length, 2, 'the lost one is not shown; the two after it are');
  } finally {
    await s.close();
  }
});
