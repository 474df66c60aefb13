// A chat id, a user id and a delivery's dedupe key are unique only within a
// channel. With CHANNELS_FILE, another channel's valid token and channel id
// can name any chat id, so every key of a chat (the event's dedupe key, the
// planEvent and send lanes, the chat's lock, what a takeover cancels, the
// once-per-chat key) and of a customer (the cooldown) holds the channel. The
// token check makes the channel trustworthy: a delivery whose channelId is
// not its token's channel is refused (test/e2e/channels.test.ts).
//
// Through the real route (two channels, each with its token), the real
// planEvent handler and settle, and the send jobs claimed as the runner
// claims them, on SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { ROOT, webhookIn } from '../support/fixtures.js';
import { freshDatabases } from '../support/databases.js';
import { planQueued } from '../support/plan-events.js';
import { sendOps } from '../support/sends.js';

const A = { token: 'salad-token', channelId: '95334' };
const B = { token: 'bakery-token', channelId: '77001' };
type Channel = typeof A;
/** A claim's clock far ahead: every send due (an integer, as a lease end in PostgreSQL must be). */
const FAR = Date.now() + 10 * 86_400_000;

interface Answer {
  status: string;
  duplicate: boolean;
  runs: string[];
  reason?: string;
}

/** The fixture's opening turned into its close (the user chat's update to `closed`). */
function closed(ids: Parameters<typeof webhookIn>[1]): Record<string, unknown> {
  const body = webhookIn('user-chat-opened', ids);
  const entity = body.entity as Record<string, unknown>;
  return { ...body, event: 'update', entity: { ...entity, state: 'closed', updatedAt: 1795470399000 } };
}

for (const db of await freshDatabases()) {
  describe(`chats are scoped by channel (${db.name})`, () => {
    let store: Store;
    let app: FastifyInstance;
    let registry: ChannelRegistry;
    const logger = pino({ level: 'silent' });

    before(async () => {
      store = await Store.open(db.url, { delayScale: 0 });
      const curationsDir = path.join(ROOT, 'curations');
      const opened = await ChannelRegistry.open(
        [
          { name: 'salad', channelId: A.channelId, accessKey: 'k', accessSecret: 's', webhookTokens: [A.token], botName: undefined, curationsDir },
          { name: 'bakery', channelId: B.channelId, accessKey: 'k2', accessSecret: 's2', webhookTokens: [B.token], botName: undefined, curationsDir },
        ],
        { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
      );
      assert.ok(opened.ok);
      registry = opened.registry;
      app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels: registry });
    });
    after(async () => {
      await app?.close();
      await store?.close();
    });

    async function deliver(ch: Channel, body: unknown): Promise<Answer> {
      const res = await app.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${ch.token}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Answer>();
    }

    const runsOf = (chatId: string) =>
      store.db.selectFrom('runs').select(['id', 'channel_id', 'curation_id', 'state', 'reason']).where('chat_id', '=', chatId).orderBy('channel_id').execute();

    /** Sends every due message, as the runner would, until none is left; returns the sent messages' channel per request id. */
    async function sendAll(): Promise<Array<{ channel: string | null; chat: string; requestId: string }>> {
      const sends = sendOps(store);
      const sent: Array<{ channel: string | null; chat: string; requestId: string }> = [];
      for (let round = 0; round < 500; round++) {
        const due = await sends.claimDue(FAR, 50, 'test', 60_000);
        if (due.length === 0) return sent;
        for (const m of due) {
          await sends.markSent(m, Date.now(), null, 0);
          sent.push({ channel: m.channel_id, chat: m.chat_id, requestId: m.request_id });
        }
      }
      throw new Error('sends kept coming');
    }

    test("another channel's close, assignment or manager message does not stop a chat's running sequence", async () => {
      const chat = 'scope-takeover';
      const opened = await deliver(A, webhookIn('user-chat-opened', { chatId: chat, channelId: A.channelId, userId: 'scope-u1' }));
      assert.equal(opened.status, 'acted', 'started in the commit that stored it');
      await planQueued(store, registry);
      // Channel B's own token, with B's channel id (so the token check lets it in), names A's chat id.
      const ids = { chatId: chat, channelId: B.channelId, userId: 'scope-u1' };
      for (const body of [closed(ids), webhookIn('user-chat-updated.assigned', ids), webhookIn('manager-message', { ...ids, messageId: 'scope-b-manager-1' })]) {
        assert.equal((await deliver(B, body)).status, 'no_match', "a takeover in B's channel finds nothing of B's running");
      }
      await planQueued(store, registry);
      const [run] = await runsOf(chat);
      assert.equal(run?.channel_id, A.channelId);
      assert.notEqual(run?.state, 'cancelled', `A's run was stopped by B's deliveries: ${run?.reason ?? ''}`);
      const bEvents = await store.db.selectFrom('events').select(['kind', 'status', 'reason']).where('chat_id', '=', chat).where('channel_id', '=', B.channelId).execute();
      assert.deepEqual(bEvents.map((e) => [e.status, e.reason]), Array.from({ length: 3 }, () => ['no_match', 'takeover with no running sequence']));
      const sent = (await sendAll()).filter((m) => m.chat === chat);
      assert.equal(sent.length, 12, "every message of A's sequence is sent");
      assert.ok(sent.every((m) => m.channel === A.channelId));
      const messages = await store.db.selectFrom('messages').select('state').where('run_id', '=', run.id).execute();
      assert.deepEqual([...new Set(messages.map((m) => m.state))], ['sent']);

      // A's own manager message still stops A's next sequence: the scope narrows takeovers, it does not drop them.
      const again = 'scope-takeover-own';
      await deliver(A, webhookIn('user-chat-opened', { chatId: again, channelId: A.channelId, userId: 'scope-u1b' }));
      await planQueued(store, registry);
      await deliver(A, webhookIn('manager-message', { chatId: again, channelId: A.channelId, userId: 'scope-u1b', messageId: 'scope-a-manager-1' }));
      await planQueued(store, registry);
      assert.deepEqual((await runsOf(again)).map((r) => r.state), ['cancelled']);
    });

    test("another channel's opening of a chat id first does not make the real one a duplicate: both run, each in its channel", async () => {
      const chat = 'scope-open';
      // The same customer id too: a user id is only unique within its channel, so B's run puts A's customer in no cooldown.
      const b = await deliver(B, webhookIn('user-chat-opened', { chatId: chat, channelId: B.channelId, userId: 'scope-u2' }));
      assert.equal(b.status, 'acted');
      const a = await deliver(A, webhookIn('user-chat-opened', { chatId: chat, channelId: A.channelId, userId: 'scope-u2' }));
      assert.equal(a.duplicate, false, "A's real delivery was answered as a duplicate");
      assert.equal(a.status, 'acted');
      assert.equal(a.runs.length, 1);
      assert.notDeepEqual(a.runs, b.runs, 'each channel has its own run id');
      // Within a channel the dedupe key holds: A's delivery again is a duplicate.
      const again = await deliver(A, webhookIn('user-chat-opened', { chatId: chat, channelId: A.channelId, userId: 'scope-u2' }));
      assert.equal(again.duplicate, true);
      await planQueued(store, registry);
      const runs = await runsOf(chat);
      assert.deepEqual(runs.map((r) => [r.channel_id, r.curation_id, r.state]), [
        [B.channelId, 'diet-main', 'pending'],
        [A.channelId, 'diet-main', 'pending'],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
      const sent = (await sendAll()).filter((m) => m.chat === chat);
      for (const ch of [A, B]) assert.equal(sent.filter((m) => m.channel === ch.channelId).length, 12, `channel ${ch.channelId}'s sequence`);
      assert.equal(new Set(sent.map((m) => m.requestId)).size, 24, 'every request id is its own');
    });

    test("one channel's chat is not serialized behind another channel's chat of the same id", async () => {
      const chat = 'scope-lane';
      // B's sequence in chat `scope-lane`, then A's gift (another curation) in A's chat of that id.
      await deliver(B, webhookIn('user-chat-opened', { chatId: chat, channelId: B.channelId, userId: 'scope-u3-b' }));
      await planQueued(store, registry);
      const gift = await deliver(A, webhookIn('user-message-keyword', { chatId: chat, channelId: A.channelId, userId: 'scope-u3-a', messageId: 'scope-lane-msg-1' }));
      assert.equal(gift.status, 'acted');
      await planQueued(store, registry);
      const runs = await runsOf(chat);
      assert.deepEqual(runs.map((r) => [r.channel_id, r.curation_id]), [[B.channelId, 'diet-main'], [A.channelId, 'diet-gift']].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
      // One claim takes the first message of each: their send jobs are in different lanes.
      const sends = sendOps(store);
      const claimed = await sends.claimDue(FAR, 10, 'test', 60_000);
      assert.deepEqual(claimed.filter((m) => m.chat_id === chat).map((m) => [m.channel_id, m.seq]).sort(), [[A.channelId, 0], [B.channelId, 0]].sort());
      for (const m of claimed) await sends.markSent(m, Date.now(), null, 0);
      await sendAll();
    });

    test("a customer's cooldown is their channel's: the same user id in another channel starts its own sequence", async () => {
      await deliver(B, webhookIn('user-chat-opened', { chatId: 'scope-cool-b', channelId: B.channelId, userId: 'scope-u4' }));
      await planQueued(store, registry);
      await deliver(A, webhookIn('user-chat-opened', { chatId: 'scope-cool-a', channelId: A.channelId, userId: 'scope-u4' }));
      await planQueued(store, registry);
      const [a] = await runsOf('scope-cool-a');
      assert.equal(a?.state, 'pending', 'A started its sequence');
      const event = await store.db.selectFrom('events').select(['status', 'reason']).where('chat_id', '=', 'scope-cool-a').executeTakeFirst();
      assert.deepEqual(event, { status: 'acted', reason: null });
      // Within a channel the cooldown holds: the same customer's next chat in A starts nothing.
      await deliver(A, webhookIn('user-chat-opened', { chatId: 'scope-cool-a2', channelId: A.channelId, userId: 'scope-u4' }));
      await planQueued(store, registry);
      const second = await store.db.selectFrom('events').select(['status', 'reason', 'reason_words']).where('chat_id', '=', 'scope-cool-a2').executeTakeFirst();
      // The English, and the same as words for the console (the curation by id).
      assert.deepEqual(second, { status: 'no_match', reason: 'diet-main: customer is in cooldown', reason_words: '[{"code":"cooldown","params":{"curation":"diet-main"}}]' });
      await sendAll();
    });
  });
}
