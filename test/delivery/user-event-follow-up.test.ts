// A run's user event: stored with its plan (runs.user_event_json) and
// enqueued as one userEvent job by the transaction that completes the run,
// whichever path planned it. A fallback, a cancelled run or a curation
// without userEvent enqueues none. SQLite and, when available, PostgreSQL.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { sendOps } from '../support/sends.js';
import { markSentTx } from '../../src/delivery/store/send-outcomes.js';
import { completePlanningTx } from '../../src/delivery/store/planning-and-write-back.js';
import { intake } from '../support/intake.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import type { IntakeItem } from '../../src/delivery/store/start-runs.js';
import type { ChatOpenedEvent, Event } from '../../src/channeltalk/event.js';
import type { Plan, PlannedUserEvent } from '../../src/curation/plan-types.js';
import { freshDatabases } from '../support/databases.js';
import { claimPlanning } from '../support/jobs.js';
import { planOf } from '../support/plans.js';

const DB_KINDS = await freshDatabases();
const EVENT: PlannedUserEvent = { name: 'curationCompleted', property: { productIndex: 3, goal: 'losing' } };

function opened(chatId: string, n = 0): ChatOpenedEvent {
  return {
    kind: 'chatOpened',
    dedupeKey: `chatOpened:${chatId}:${n}`,
    channelId: '95334',
    chatId,
    userId: `user-${chatId}`,
    chatTags: [],
    supportBotId: null,
    profile: null,
    language: 'ko',
    occurredAt: null,
  };
}

function item(event: Event, runId: string, plan: Plan | null, at: number): IntakeItem {
  return { eventId: `e-${event.dedupeKey}`, event, receivedAt: at, takeover: false, candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan }] };
}

const withEvent = (p: Plan): Plan => ({ ...p, userEvent: EVENT });

for (const kind of DB_KINDS) {
  describe(`user event follow-up on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    const jobsOf = (runId: string) =>
      store.db.selectFrom('jobs').select(['kind', 'key', 'payload_json', 'state', 'run_at', 'created_at']).where('kind', '=', 'userEvent').where('payload_json', 'like', `%"${runId}"%`).execute();
    const storedEvent = async (runId: string) =>
      (await store.db.selectFrom('runs').select('user_event_json').where('id', '=', runId).executeTakeFirstOrThrow()).user_event_json;

    /** Sends the chat's messages one by one, returning what markSent said of each. */
    async function sendChat(chatId: string, from: number): Promise<string[]> {
      const out: string[] = [];
      for (let t = from; t < from + 20; t++) {
        for (const m of (await sendOps(store).claimDue(t, 100, 'i', 30_000)).filter((x) => x.chat_id === chatId)) out.push(await sendOps(store).markSent(m, t, null, 1));
      }
      return out;
    }

    test('planned at intake: the event waits on the run, and the send that completes it enqueues one job', async () => {
      const runId = `r-intake-${kind.name}`;
      await intake(store, item(opened(`intake-${kind.name}`), runId, withEvent(planOf(runId, [0, 0])), 1_000));
      assert.deepEqual(JSON.parse((await storedEvent(runId))!), EVENT, 'the planned body is stored with the run');
      assert.equal((await jobsOf(runId)).length, 0, 'nothing is sent before the run completes');

      const [m0] = (await sendOps(store).claimDue(1_000, 10, 'i', 30_000)).filter((m) => m.run_id === runId);
      assert.equal(await sendOps(store).markSent(m0!, 1_001, null, 1), 'next');
      assert.equal((await jobsOf(runId)).length, 0, 'still nothing after the first of two messages');
      assert.deepEqual(await sendChat(`intake-${kind.name}`, 1_002), ['completed']);
      const jobs = await jobsOf(runId);
      assert.equal(jobs.length, 1, 'one job, committed with the completion');
      assert.deepEqual({ ...jobs[0], payload_json: JSON.parse(jobs[0]!.payload_json) as unknown, run_at: Number(jobs[0]!.run_at), created_at: Number(jobs[0]!.created_at) }, {
        kind: 'userEvent',
        key: `userEvent:${runId}`,
        payload_json: { runId },
        state: 'pending',
        run_at: 1_002,
        created_at: 1_002,
      });

      // A late report of the same send (an expired lease, another instance) completes nothing twice.
      assert.equal(await store.db.transaction().execute((trx) => markSentTx(trx, m0!, 1_010, null, chatTiming(1))), 'stopped');
      assert.equal((await jobsOf(runId)).length, 1);
    });

    test('deferred planning: the event is stored by completePlanning, and a plan that completes at once enqueues it', async () => {
      const runId = `r-deferred-${kind.name}`;
      await intake(store, item(opened(`deferred-${kind.name}`), runId, null, 1_000));
      assert.equal(await storedEvent(runId), null);
      assert.equal((await claimPlanning(store, 1_000, 50, 'i', 30_000)).filter((r) => r.id === runId).length, 1);
      // Every message rendered empty: the sequence completes in the planning transaction itself.
      assert.equal(await store.db.transaction().execute((trx) => completePlanningTx(trx, runId, withEvent(planOf(runId, [])), { name: 'A' }, 1_100, chatTiming(1))), true);
      assert.deepEqual(JSON.parse((await storedEvent(runId))!), EVENT);
      assert.equal((await jobsOf(runId)).length, 1);
    });

    test('a deferred run with messages enqueues its event when the last one is sent', async () => {
      const runId = `r-deferred-msgs-${kind.name}`;
      const chatId = `deferred-msgs-${kind.name}`;
      await intake(store, item(opened(chatId), runId, null, 1_000));
      await claimPlanning(store, 1_000, 50, 'i', 30_000);
      assert.equal(await store.db.transaction().execute((trx) => completePlanningTx(trx, runId, withEvent(planOf(runId, [0])), { name: 'A' }, 1_100, chatTiming(1))), true);
      assert.equal((await jobsOf(runId)).length, 0);
      assert.deepEqual(await sendChat(chatId, 1_100), ['completed']);
      assert.equal((await jobsOf(runId)).length, 1);
    });

    test('a fallback stores and enqueues no event, even where the plan carries one', async () => {
      const runId = `r-fallback-${kind.name}`;
      const fallback = withEvent({ ...planOf(runId, [0], 'fallback'), values: {}, reason: 'weight is missing' });
      await intake(store, item(opened(`fallback-${kind.name}`), runId, fallback, 1_000));
      assert.equal(await storedEvent(runId), null);
      assert.deepEqual(await sendChat(`fallback-${kind.name}`, 1_000), ['fallback']);
      assert.equal((await jobsOf(runId)).length, 0);
    });

    test('a run a human took over sends no event', async () => {
      const chatId = `cancel-${kind.name}`;
      const runId = `r-cancel-${kind.name}`;
      await intake(store, item(opened(chatId), runId, withEvent(planOf(runId, [0, 0])), 1_000));
      const [m0] = (await sendOps(store).claimDue(1_000, 10, 'i', 30_000)).filter((m) => m.run_id === runId);
      const manager: Event = { ...opened(chatId), kind: 'managerMessage', dedupeKey: `managerMessage:${chatId}`, messageId: `mm-${chatId}`, personId: 'p' };
      await intake(store, { eventId: `e-mm-${chatId}`, event: manager, receivedAt: 1_001, candidates: [], takeover: true });
      // The message in flight finishes; the run stays cancelled.
      assert.equal(await sendOps(store).markSent(m0!, 1_002, null, 1), 'stopped');
      assert.equal((await store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirstOrThrow()).state, 'cancelled');
      assert.equal((await jobsOf(runId)).length, 0);
    });

    test('a curation without userEvent enqueues nothing when its run completes', async () => {
      const runId = `r-none-${kind.name}`;
      await intake(store, item(opened(`none-${kind.name}`), runId, planOf(runId, [0]), 1_000));
      assert.deepEqual(await sendChat(`none-${kind.name}`, 1_000), ['completed']);
      assert.equal(await storedEvent(runId), null);
      assert.equal((await jobsOf(runId)).length, 0);
    });
  });
}
