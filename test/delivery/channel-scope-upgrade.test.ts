// Upgrade in place to chats scoped by channel: test/fixtures/db/v9-channels.db
// was made by the code before (test/fixtures/make-v9-channels.mjs, commit
// 0663353) for two channels, with work in flight on every queue whose key
// names a chat or a customer. Opened with today's code (the file itself on
// SQLite; its rows copied into PostgreSQL at the same version), the stored
// keys take their channel from the rows (events, runs, messages all store it),
// the jobs already queued move to their chat's new lane, and the service
// finishes every piece exactly once.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startService, type Service } from '../../src/service.js';
import { startFakeChannelTalk, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { Store } from '../../src/delivery/store/store.js';
import { connect } from '../../src/delivery/store/connect.js';
import { migrateTo } from '../../src/delivery/store/migrations.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { Intake } from '../../src/delivery/intake.js';
import { loadCurations } from '../../src/curation/index.js';
import { planQueued } from '../support/plan-events.js';
import { ROOT, webhookIn } from '../support/fixtures.js';
import { freshPostgres, postgresAvailable } from '../support/databases.js';
import { eventually, tempDir } from '../support/processes.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/db/v9-channels.db');
const SALAD = '95334';
const BAKERY = '77001';
const TABLES = ['events', 'runs', 'messages', 'attempts', 'chats', 'jobs'] as const;

/** What the old code left, read from the fixture itself. */
function before(): { sent: Set<string>; unsent: Map<string, string[]> } {
  const old = new BetterSqlite3(FIXTURE, { readonly: true });
  try {
    const sent = new Set((old.prepare("SELECT request_id FROM messages WHERE state = 'sent'").all() as Array<{ request_id: string }>).map((r) => r.request_id));
    const unsent = new Map<string, string[]>();
    for (const m of old.prepare("SELECT chat_id, request_id FROM messages WHERE state <> 'sent' ORDER BY chat_id, seq").all() as Array<{ chat_id: string; request_id: string }>) {
      unsent.set(m.chat_id, [...(unsent.get(m.chat_id) ?? []), m.request_id]);
    }
    return { sent, unsent };
  } finally {
    old.close();
  }
}

/** The fixture's store as a SQLite file, or its rows in a PostgreSQL database at the same version. */
async function oldStore(kind: 'sqlite' | 'postgres', dir: string): Promise<string> {
  if (kind === 'sqlite') {
    const file = path.join(dir, 'v9.db');
    copyFileSync(FIXTURE, file);
    return `sqlite:${file}`;
  }
  const url = await freshPostgres(postgresAvailable()!);
  const c = await connect(url);
  const db = c.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
  await migrateTo(db as Kysely<unknown>, 'postgres', '0009_user_events');
  const old = new BetterSqlite3(FIXTURE, { readonly: true });
  try {
    for (const table of TABLES) {
      // Serial ids are the database's own; the jobs keep their order.
      const rows = (old.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Array<Record<string, unknown>>).map(({ id, ...rest }) =>
        table === 'jobs' || table === 'attempts' ? rest : { id, ...rest },
      );
      if (rows.length > 0) await db.insertInto(table).values(rows).execute();
    }
  } finally {
    old.close();
    await c.kysely.destroy();
  }
  return url;
}

const kinds: Array<'sqlite' | 'postgres'> = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];

for (const kind of kinds) {
  describe(`a store of two channels from before chats were scoped by channel (${kind})`, () => {
    const dir = tempDir();
    let url: string;
    let fake: FakeChannelTalk | undefined;
    let svc: Service | undefined;
    after(async () => {
      await svc?.stop();
      await fake?.close();
    });

    test('the migration scopes the stored keys and the queued jobs by the channel the rows store', async () => {
      url = await oldStore(kind, dir);
      const store = await Store.open(url, { delayScale: 0 });
      try {
        const events = await store.db.selectFrom('events').select(['dedupe_key', 'channel_id']).orderBy('dedupe_key').execute();
        assert.equal(events.length, 8);
        for (const e of events) assert.ok(e.dedupe_key.startsWith(`${e.channel_id}/`), `${e.dedupe_key} holds its channel ${e.channel_id}`);
        const once = await store.db.selectFrom('runs').select('once_key').orderBy('once_key').execute();
        assert.deepEqual(once.map((r) => r.once_key), [`diet-gift|${SALAD}/v9-gift`, `diet-main|${BAKERY}/v9-b-half`, `diet-main|${SALAD}/v9-half`, `diet-main|${SALAD}/v9-inflight`]);
        const jobs = await store.db.selectFrom('jobs').select(['kind', 'lane', 'state']).where('kind', 'in', ['sendMessage', 'planEvent']).orderBy('id').execute();
        assert.deepEqual(jobs, [
          { kind: 'sendMessage', lane: `chat:${SALAD}/v9-half`, state: 'pending' },
          { kind: 'sendMessage', lane: `chat:${SALAD}/v9-inflight`, state: 'running' },
          { kind: 'sendMessage', lane: `chat:${BAKERY}/v9-b-half`, state: 'pending' },
          { kind: 'planEvent', lane: `chatEvents:${SALAD}/v9-queued`, state: 'pending' },
          { kind: 'planEvent', lane: `chatEvents:${SALAD}/v9-takeover`, state: 'pending' },
          { kind: 'planEvent', lane: `chatEvents:${SALAD}/v9-takeover`, state: 'pending' },
          { kind: 'planEvent', lane: `userEvents:${SALAD}/v9-user-half`, state: 'pending' },
        ]);
        // A delivery after the upgrade queues behind the chat's jobs from before it: one lane.
        const assigned = normalize(webhookIn('user-chat-updated.assigned', { chatId: 'v9-takeover', channelId: SALAD, userId: 'v9-user-takeover' }));
        const out = await new Intake({ store, logger: pino({ level: 'silent' }) }).accept(assigned, { curations: [], byId: () => undefined });
        assert.equal(out.status, 'queued');
        const lanes = await store.db.selectFrom('jobs').select('lane').where('kind', '=', 'planEvent').where('lane', 'like', 'chatEvents:%v9-takeover').execute();
        assert.deepEqual(lanes.map((l) => l.lane), Array.from({ length: 3 }, () => `chatEvents:${SALAD}/v9-takeover`));

        // The queued events are planned in their lanes' order by the real planEvent handler (no sends yet):
        // the opening from before the upgrade, then the manager's message that stops it, then the new assignment.
        const loaded = await loadCurations(path.join(ROOT, 'curations'));
        assert.ok(loaded.ok);
        assert.equal(await planQueued(store, () => loaded.set), 5);
        const takeover = await store.db.selectFrom('events').select(['kind', 'status', 'reason']).where('chat_id', '=', 'v9-takeover').orderBy('received_at').execute();
        assert.deepEqual(takeover, [
          { kind: 'chatOpened', status: 'acted', reason: null },
          { kind: 'managerMessage', status: 'acted', reason: null },
          { kind: 'chatAssigned', status: 'no_match', reason: 'takeover with no running sequence' },
        ]);
        const planned = await store.db.selectFrom('runs').select(['chat_id', 'state']).where('chat_id', 'in', ['v9-queued', 'v9-takeover']).orderBy('chat_id').execute();
        assert.deepEqual(planned, [{ chat_id: 'v9-queued', state: 'pending' }, { chat_id: 'v9-takeover', state: 'cancelled' }]);
        const answer = await store.db.selectFrom('events').select(['status', 'reason']).where('kind', '=', 'profileChanged').executeTakeFirst();
        assert.deepEqual(answer, { status: 'no_match', reason: 'no run waits for an answer of this customer' });
      } finally {
        await store.close();
      }
    });

    test('started on it, the service finishes every piece exactly once, and the old keys still deduplicate', async () => {
      const { sent, unsent } = before();
      fake = await startFakeChannelTalk({
        accessKey: 'salad-key',
        accessSecret: 'salad-secret',
        channelId: SALAD,
        credentials: [{ accessKey: 'bakery-key', accessSecret: 'bakery-secret', channelId: BAKERY }],
      });
      const curations = path.join(ROOT, 'curations');
      writeFileSync(
        path.join(dir, 'channels.yaml'),
        `channels:\n  - name: salad\n    channelId: "${SALAD}"\n    accessKey: salad-key\n    accessSecret: salad-secret\n    webhookTokens: [salad-token]\n    curationsDir: ${curations}\n` +
          `  - name: bakery\n    channelId: "${BAKERY}"\n    accessKey: bakery-key\n    accessSecret: bakery-secret\n    webhookTokens: [bakery-token]\n    curationsDir: ${curations}\n`,
      );
      const config = loadConfig({ CHANNELS_FILE: path.join(dir, 'channels.yaml'), CHANNELTALK_API_URL: fake.url, DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', DELAY_SCALE: '0' }, dir);
      svc = await startService(config, pino({ level: process.env.UPGRADE_LOG ?? 'silent' }));
      const service = svc;
      const db = service.store.db;
      await eventually(async () => {
        const queued = await db.selectFrom('events').select('id').where('status', '=', 'queued').execute();
        const live = await db.selectFrom('runs').select('id').where('state', 'in', ['planning', 'pending', 'sending']).execute();
        return queued.length === 0 && live.length === 0 ? true : undefined;
      }, 30_000, 'every event planned and every run finished');
      await new Promise((r) => setTimeout(r, 300));
      const got = (channelId: string, chatId: string) => fake!.state.chatMessages(channelId, chatId).map((m) => m.requestId);
      // Planned before the upgrade: exactly the unsent messages, once each, in order, in their own channel.
      for (const [channelId, chatId] of [[SALAD, 'v9-half'], [SALAD, 'v9-inflight'], [BAKERY, 'v9-b-half']] as const) {
        assert.deepEqual(got(channelId, chatId), unsent.get(chatId), chatId);
      }
      assert.deepEqual(got(SALAD, 'v9-half').length, 9);
      // Planned after the upgrade: the queued opening's whole sequence; the queued takeover stopped its chat's before any.
      const queued = got(SALAD, 'v9-queued');
      assert.equal(queued.length, 12);
      assert.equal(new Set(queued).size, 12);
      const runs = await db.selectFrom('runs').select(['chat_id', 'channel_id', 'state']).orderBy('chat_id').execute();
      assert.deepEqual(runs.map((r) => [r.chat_id, r.channel_id, r.state]), [
        ['v9-b-half', BAKERY, 'completed'],
        ['v9-gift', SALAD, 'completed'],
        ['v9-half', SALAD, 'completed'],
        ['v9-inflight', SALAD, 'completed'],
        ['v9-queued', SALAD, 'completed'],
        ['v9-takeover', SALAD, 'cancelled'],
      ]);
      assert.deepEqual(got(SALAD, 'v9-takeover'), []);
      assert.deepEqual(fake.state.messages.filter((m) => sent.has(m.requestId ?? '')), [], 'nothing sent before the upgrade is sent again');
      assert.equal(fake.state.chatMessages(SALAD, 'v9-gift').length, 0);

      const post = async (token: string, body: unknown) => {
        const res = await fetch(`${service.url}/webhooks/channeltalk?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        assert.equal(res.status, 200);
        return (await res.json()) as { status: string; duplicate: boolean; runs: string[] };
      };
      // A delivery stored before the upgrade, delivered again: a duplicate (its key took its channel).
      const again = await post('salad-token', webhookIn('user-chat-opened', { chatId: 'v9-half', channelId: SALAD, userId: 'v9-user-half' }));
      assert.equal(again.duplicate, true);
      // The once-per-chat gift ran in this chat before the upgrade: asked again, it does not run twice.
      const gift = await post('salad-token', webhookIn('user-message-keyword', { chatId: 'v9-gift', channelId: SALAD, userId: 'v9-user-gift-2', messageId: 'v9-gift-msg-2' }));
      // Its chat has nothing waiting: planned in the commit that stored it, and held back there.
      assert.equal(gift.status, 'no_match');
      const giftEvent = await eventually(
        async () => (await db.selectFrom('events').select(['status', 'reason']).where('dedupe_key', '=', `${SALAD}/userMessage:v9-gift-msg-2`).where('status', '!=', 'queued').executeTakeFirst()) ?? undefined,
        10_000,
        'the second gift request planned',
      );
      assert.deepEqual(giftEvent, { status: 'no_match', reason: 'diet-gift: already ran in this chat' });
      // The other channel's chat of the same id is its own.
      const bakery = await post('bakery-token', webhookIn('user-chat-opened', { chatId: 'v9-half', channelId: BAKERY, userId: 'v9-user-b-other' }));
      assert.deepEqual([bakery.status, bakery.duplicate, bakery.runs.length], ['acted', false, 1]);
      await eventually(() => (fake!.state.chatMessages(BAKERY, 'v9-half').length >= 12 ? true : undefined), 20_000, "the bakery's own v9-half sequence");
      // The last send is recorded by the fake before its job's settle commits: wait for that too.
      const recurring = new Set(['webhookHealth', 'sweep']);
      await eventually(async () => ((await db.selectFrom('jobs').select('kind').execute()).every((j) => recurring.has(j.kind)) ? true : undefined), 10_000, 'no job left');
      assert.equal(fake.state.chatMessages(BAKERY, 'v9-half').length, 12);
    });
  });
}
