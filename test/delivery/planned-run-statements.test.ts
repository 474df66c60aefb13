// A run started with its plan in a chat nothing else holds (issue 21): its
// first message is inserted due, with its send job, after one small read
// (whether the chat is free), instead of the messages waiting and the chat's
// full next-message read and an update making the first one due. What it
// decides is the same as before: anything that may go first (a live message,
// even of a cancelled run; another pending or planning run) leaves the new
// run's messages waiting for the chat's queue to decide.
// SQLite and, when available, PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import { cancelChat, startRuns } from '../../src/delivery/store/start-runs.js';
import { transitionMessages } from '../../src/delivery/store/transitions.js';
import { sendMessageKey } from '../../src/delivery/job-kinds.js';
import { freshDatabases } from '../support/databases.js';
import { intake, openedItem as item, STATEMENT_TEST_CHANNEL as CHANNEL } from '../support/intake.js';
import { planOf } from '../support/plans.js';
import { StatementLog } from '../support/statement-log.js';

const DB_KINDS = await freshDatabases();

for (const kind of DB_KINDS) {
  describe(`a run planned at its start on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    const messagesOf = async (runId: string) =>
      (await store.db.selectFrom('messages').select(['seq', 'state', 'due_at']).where('run_id', '=', runId).orderBy('seq').execute()).map((m) => ({
        seq: m.seq,
        state: m.state,
        due_at: m.due_at === null ? null : Number(m.due_at),
      }));
    const sendJobAt = async (runId: string, seq: number) => {
      const job = await store.db.selectFrom('jobs').select('run_at').where('key', '=', sendMessageKey(runId, seq)).executeTakeFirst();
      return job === undefined ? null : Number(job.run_at);
    };

    test('in a free chat: its first message is due with its send job, the rest wait, in five statements and one read (six on PostgreSQL, with the chat\'s lock)', async () => {
      const chatId = `free-${kind.name}`;
      const runId = `rf-${kind.name}`;
      const it = item(chatId, 1, runId, planOf(runId, [400, 0, 250]), 1_000);
      await store.record({ eventId: it.eventId, event: it.event, receivedAt: it.receivedAt, candidates: [{ runId, curationId: 'c1' }], takeover: false });
      const log = new StatementLog();
      const out = await store.db.transaction().execute((trx) => startRuns(trx.withPlugin(log), it, store.timing));
      assert.equal(out.status, 'acted');
      assert.deepEqual(await messagesOf(runId), [
        { seq: 0, state: 'pending', due_at: 1_400 },
        { seq: 1, state: 'waiting', due_at: null },
        { seq: 2, state: 'waiting', due_at: null },
      ]);
      assert.equal(await sendJobAt(runId, 0), 1_400, 'the first message has its send job, due with it');
      assert.equal(await sendJobAt(runId, 1), null);
      // The event taken from `queued` to `acted` (its status read and its end in one statement), the chat's lock
      // (PostgreSQL only: SQLite has one writer), the run, whether the chat is free, the messages, the send job.
      const locks = kind.name === 'sqlite' ? 0 : 1;
      assert.equal(log.statements(), 5 + locks, `statements: ${log.statements()}`);
      assert.equal(log.reads(), 1, `reads: ${log.reads()}`);
      assert.equal(log.compiled, 2 + locks, `the chat's lock, the run and its messages are compiled once, not built each time: ${log.compiled}`);
      const event = await store.db.selectFrom('events').select(['status', 'reason', 'reason_words', 'event_json']).where('id', '=', it.eventId).executeTakeFirstOrThrow();
      assert.deepEqual(event, { status: 'acted', reason: null, reason_words: null, event_json: null });
      const lockRows = await store.db.selectFrom('chats').select('chat_id').where('chat_id', 'like', `%${chatId}`).execute();
      assert.equal(lockRows.length, locks, 'a lock row only where the lock is a row lock');
    });

    test('an event no longer queued starts nothing and is left as it is; one that is gone too', async () => {
      const chatId = `twice-${kind.name}`;
      const runId = `rt-${kind.name}`;
      const it = item(chatId, 1, runId, planOf(runId, [0]), 1_500);
      const first = await intake(store, it);
      assert.equal(first.status, 'acted');
      const again = await store.db.transaction().execute((trx) => startRuns(trx, { ...it, candidates: [{ ...it.candidates[0]!, runId: `${runId}-2` }] }, store.timing));
      assert.deepEqual({ status: again.status, reason: again.reason, runs: again.runs }, { status: 'ignored', reason: 'already started', runs: [] });
      const event = await store.db.selectFrom('events').select(['status', 'reason']).where('id', '=', it.eventId).executeTakeFirstOrThrow();
      assert.deepEqual(event, { status: 'acted', reason: null });
      assert.equal((await store.db.selectFrom('runs').select('id').where('id', '=', `${runId}-2`).execute()).length, 0);
      const gone = await store.db.transaction().execute((trx) => startRuns(trx, { ...it, eventId: `gone-${kind.name}` }, store.timing));
      assert.deepEqual({ status: gone.status, reason: gone.reason, runs: gone.runs }, { status: 'ignored', reason: 'the event is gone', runs: [] });
    });

    test('an event whose runs do not start ends `no_match` with the reason, in one more statement', async () => {
      const chatId = `nomatch-${kind.name}`;
      const runId = `rn-${kind.name}`;
      const it = { ...item(chatId, 1, runId, planOf(runId, [0]), 1_700), candidates: [] };
      await store.record({ eventId: it.eventId, event: it.event, receivedAt: it.receivedAt, candidates: [], takeover: false });
      await store.db.updateTable('events').set({ status: 'queued' }).where('id', '=', it.eventId).execute();
      const out = await store.db.transaction().execute((trx) => startRuns(trx, it, store.timing));
      assert.equal(out.status, 'no_match');
      const event = await store.db.selectFrom('events').select(['status', 'reason', 'event_json']).where('id', '=', it.eventId).executeTakeFirstOrThrow();
      assert.deepEqual(event, { status: 'no_match', reason: 'no curation matched', event_json: null });
    });

    test('a chat whose runs have all ended is free', async () => {
      const chatId = `ended-${kind.name}`;
      const [a, b] = [`rea-${kind.name}`, `reb-${kind.name}`];
      await intake(store, item(chatId, 1, a, planOf(a, [0]), 2_000));
      await store.db.transaction().execute((trx) => cancelChat(trx, { channelId: CHANNEL, chatId }, 'test takeover', 2_001, [], store.timing));
      assert.deepEqual(await messagesOf(a), [{ seq: 0, state: 'cancelled', due_at: null }]);
      await intake(store, item(chatId, 2, b, planOf(b, [100, 0]), 2_002));
      assert.deepEqual(await messagesOf(b), [
        { seq: 0, state: 'pending', due_at: 2_102 },
        { seq: 1, state: 'waiting', due_at: null },
      ]);
      assert.equal(await sendJobAt(b, 0), 2_102);
    });

    test("a cancelled run's message still in flight holds the chat: the new run waits", async () => {
      const chatId = `inflight-${kind.name}`;
      const [a, b] = [`ria-${kind.name}`, `rib-${kind.name}`];
      await intake(store, item(chatId, 1, a, planOf(a, [0]), 3_000));
      await store.db.transaction().execute(async (trx) => {
        await transitionMessages(trx, { runId: a, seq: 0 }, 'claim', { claimed_by: 'i', claim_until: 9_000 });
        await cancelChat(trx, { channelId: CHANNEL, chatId }, 'test takeover', 3_001, [], store.timing);
      });
      assert.equal((await messagesOf(a))[0]?.state, 'sending', 'a message in flight finishes');
      await intake(store, item(chatId, 2, b, planOf(b, [0]), 3_002));
      assert.deepEqual(await messagesOf(b), [{ seq: 0, state: 'waiting', due_at: null }]);
      assert.equal(await sendJobAt(b, 0), null);
    });

    test('another pending run goes first, and an older one still planning holds the chat', async () => {
      const pendingChat = `pending-${kind.name}`;
      const [a, b] = [`rpa-${kind.name}`, `rpb-${kind.name}`];
      await intake(store, item(pendingChat, 1, a, planOf(a, [0]), 4_000));
      await intake(store, item(pendingChat, 2, b, planOf(b, [0]), 4_001));
      assert.deepEqual((await messagesOf(a))[0], { seq: 0, state: 'pending', due_at: 4_000 });
      assert.deepEqual(await messagesOf(b), [{ seq: 0, state: 'waiting', due_at: null }]);

      const planningChat = `planning-${kind.name}`;
      const [p, q] = [`rpp-${kind.name}`, `rpq-${kind.name}`];
      await intake(store, item(planningChat, 1, p, null, 5_000));
      await intake(store, item(planningChat, 2, q, planOf(q, [0]), 5_001));
      assert.deepEqual(await messagesOf(q), [{ seq: 0, state: 'waiting', due_at: null }]);
      assert.equal(await sendJobAt(q, 0), null);
    });

    test('a first message whose wait parks the run: it parks, as before', async () => {
      const chatId = `park-${kind.name}`;
      const runId = `rpk-${kind.name}`;
      const wait = store.timing.parkAfterMs + 1_000;
      await intake(store, item(chatId, 1, runId, planOf(runId, [wait, 0]), 6_000));
      const run = await store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirstOrThrow();
      assert.equal(run.state, 'parked');
      assert.deepEqual(await messagesOf(runId), [
        { seq: 0, state: 'waiting', due_at: 6_000 + wait },
        { seq: 1, state: 'waiting', due_at: null },
      ]);
      assert.equal(await sendJobAt(runId, 0), null);
    });
  });
}
