// activateNextInChat asks the chat once per pass (issue 21): the next
// waiting message, whether a message of the chat is live and whether an
// older run still plans come in one read, where there were three. What it
// decides is the same: nothing while a message is live or an older run plans,
// otherwise the oldest pending run's next message is due with its job.
// SQLite and, when available, PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { Store } from '../../src/delivery/store/store.js';
import { activateNextInChat } from '../../src/delivery/store/chat-queue.js';
import { transitionMessages } from '../../src/delivery/store/transitions.js';
import { sendMessageKey } from '../../src/delivery/job-kinds.js';
import { freshDatabases } from '../support/databases.js';
import { intake, openedItem as item, STATEMENT_TEST_CHANNEL as CHANNEL } from '../support/intake.js';
import { planOf } from '../support/plans.js';
import { StatementLog } from '../support/statement-log.js';

const DB_KINDS = await freshDatabases();

for (const kind of DB_KINDS) {
  describe(`the chat's next message on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    const stateOf = async (runId: string, seq: number) =>
      (await store.db.selectFrom('messages').select('state').where('run_id', '=', runId).where('seq', '=', seq).executeTakeFirstOrThrow()).state;
    /** activateNextInChat in a transaction of its own; returns its reads. */
    async function activate(chatId: string, now: number): Promise<number> {
      const log = new StatementLog();
      await store.db.transaction().execute((trx) => activateNextInChat(trx.withPlugin(log), { channelId: CHANNEL, chatId }, now, chatTiming(1)));
      return log.reads();
    }

    test('a live message holds the chat; once it is sent, the next run goes: one read each time', async () => {
      const chatId = `live-${kind.name}`;
      const [a, b] = [`ra-${kind.name}`, `rb-${kind.name}`];
      await intake(store, item(chatId, 1, a, planOf(a, [0]), 1_000));
      await intake(store, item(chatId, 2, b, planOf(b, [400, 0]), 1_001));
      assert.deepEqual([await stateOf(a, 0), await stateOf(b, 0)], ['pending', 'waiting']);

      assert.equal(await activate(chatId, 1_002), 1);
      assert.equal(await stateOf(b, 0), 'waiting', 'the live message goes first');

      // The live one leaves (sent), with no queue move of its own: the next call finds the chat free.
      await store.db.transaction().execute(async (trx) => {
        await transitionMessages(trx, { runId: a, seq: 0 }, 'claim', { claimed_by: 'i', claim_until: 9_000 });
        await transitionMessages(trx, { runId: a, seq: 0 }, 'sent', { sent_at: 1_010, claimed_by: null, claim_until: null });
      });
      assert.equal(await activate(chatId, 1_020), 1);
      const m = await store.db.selectFrom('messages').select(['state', 'due_at']).where('run_id', '=', b).where('seq', '=', 0).executeTakeFirstOrThrow();
      assert.deepEqual({ state: m.state, due_at: Number(m.due_at) }, { state: 'pending', due_at: 1_420 }, 'due its delay after now');
      const job = await store.db.selectFrom('jobs').select('run_at').where('key', '=', sendMessageKey(b, 0)).executeTakeFirstOrThrow();
      assert.equal(Number(job.run_at), 1_420);
      assert.equal(await stateOf(b, 1), 'waiting');
    });

    test('an older run still planning holds a younger planned run: one read', async () => {
      const chatId = `planning-${kind.name}`;
      const [p, q] = [`rp-${kind.name}`, `rq-${kind.name}`];
      await intake(store, item(chatId, 1, p, null, 2_000));
      await intake(store, item(chatId, 2, q, planOf(q, [0]), 2_001));
      assert.equal(await activate(chatId, 2_002), 1);
      assert.equal(await stateOf(q, 0), 'waiting', 'the older run goes first once planned');
    });
  });
}
