// A run is planned either at intake (the delivery carried the profile) or
// later by its planRun job (deferred: the profile had to be fetched). Both
// paths must leave the same run behind, whatever the plan, and drive it to
// the same end. Checked on SQLite and, when available, PostgreSQL.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { intake } from '../support/intake.js';
import { claimPlanning } from '../support/jobs.js';
import { sendOps } from '../support/sends.js';
import { markSentTx } from '../../src/delivery/store/send-outcomes.js';
import { completePlanningTx, finishWriteBackTx } from '../../src/delivery/store/planning-and-write-back.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import type { IntakeItem } from '../../src/delivery/store/start-runs.js';
import { writeBackJson } from '../../src/delivery/store/start-runs.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import type { Plan } from '../../src/curation/plan-types.js';
import { freshDatabases } from '../support/databases.js';
import { planOf } from '../support/plans.js';

const DB_KINDS = await freshDatabases();
const WRITE_BACK = { x: 'profileX' };

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

function item(event: ChatOpenedEvent, runId: string, plan: Plan | null, at: number): IntakeItem {
  return {
    eventId: `e-${event.dedupeKey}`,
    event,
    receivedAt: at,
    takeover: false,
    candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan, writeBack: WRITE_BACK }],
  };
}

/** The plans a curation can produce, with messages and without. */
const SHAPES: Array<{ name: string; plan: (runId: string) => Plan }> = [
  { name: 'a sequence of two messages', plan: (id) => planOf(id, [0, 0]) },
  { name: 'a fallback of one message', plan: (id) => ({ ...planOf(id, [0], 'fallback'), values: {}, reason: 'weight is missing' }) },
  { name: 'a sequence whose messages all render empty', plan: (id) => planOf(id, []) },
  { name: 'a fallback whose messages all render empty', plan: (id) => ({ ...planOf(id, [], 'fallback'), values: {}, reason: 'weight is missing' }) },
  { name: 'a skip (no consent)', plan: (id) => ({ ...planOf(id, [], 'skipped'), values: {}, reason: 'the customer has not consented' }) },
];

for (const kind of DB_KINDS) {
  describe(`both planning paths on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    async function runRow(runId: string) {
      const r = await store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
      const messages = await store.db.selectFrom('messages').select(['seq', 'state']).where('run_id', '=', runId).orderBy('seq').execute();
      return {
        state: r.state,
        outcome: r.outcome,
        finished: r.finished_at !== null,
        writeBack: r.writeback_state,
        messages: messages.map((m) => m.state),
      };
    }

    async function planAtIntake(chatId: string, plan: (id: string) => Plan): Promise<string> {
      const runId = `r-${chatId}`;
      await intake(store, item(opened(chatId), runId, plan(runId), 1_000));
      return runId;
    }

    async function planDeferred(chatId: string, plan: (id: string) => Plan): Promise<string> {
      const runId = `r-${chatId}`;
      await intake(store, item(opened(chatId), runId, null, 1_000));
      const claimed = (await claimPlanning(store, 1_000, 50, 'i', 30_000)).filter((r) => r.id === runId);
      assert.equal(claimed.length, 1, 'the deferred run is claimed for planning');
      const p = plan(runId);
      assert.equal(await store.db.transaction().execute((trx) => completePlanningTx(trx, runId, p, { name: 'A' }, 1_000, chatTiming(1), writeBackJson(WRITE_BACK, p.values))), true);
      return runId;
    }

    /** Sends everything due, in every chat (a claim takes what is due, whichever chat it belongs to). */
    async function sendAll(): Promise<void> {
      for (let t = 2_000; t < 2_020; t++) {
        for (const m of await sendOps(store).claimDue(t, 100, 'i', 30_000)) await sendOps(store).markSent(m, t, null, 1);
      }
    }

    for (const [i, shape] of SHAPES.entries()) {
      test(`${shape.name}: planned at intake or deferred, the run is the same when planned and when it ends`, async () => {
        const now = await planAtIntake(`now-${kind.name}-${i}`, shape.plan);
        const later = await planDeferred(`later-${kind.name}-${i}`, shape.plan);
        assert.deepEqual(await runRow(later), await runRow(now), 'the same run right after planning');
        await sendAll();
        const end = await runRow(now);
        assert.deepEqual(await runRow(later), end, 'the same run once everything is sent');
        assert.equal(end.finished, true, 'the run has finished');
      });
    }

    test('a zero-message fallback ends as `fallback` on either path (the console counts it with the fallbacks)', async () => {
      const empty = SHAPES[3]!.plan;
      assert.equal((await runRow(await planAtIntake(`fb-now-${kind.name}`, empty))).state, 'fallback');
      assert.equal((await runRow(await planDeferred(`fb-later-${kind.name}`, empty))).state, 'fallback');
    });

    test('a zero-message sequence is completed and writes its values back, on either path', async () => {
      const empty = SHAPES[2]!.plan;
      for (const runId of [await planAtIntake(`wb-now-${kind.name}`, empty), await planDeferred(`wb-later-${kind.name}`, empty)]) {
        const r = await runRow(runId);
        assert.equal(r.state, 'completed', runId);
        assert.equal(r.writeBack, 'pending', `${runId}: its write-back is due`);
      }
    });

    for (const i of [2, 3, 4]) {
      const shape = SHAPES[i]!;
      test(`a deferred run planned to ${shape.name} lets the next run of its chat start`, async () => {
        const chatId = `next-${kind.name}-${i}`;
        const first = `r-${chatId}-1`;
        await intake(store, item(opened(chatId, 1), first, null, 1_000));
        await intake(store, item(opened(chatId, 2), `r-${chatId}-2`, planOf(`r-${chatId}-2`, [0]), 1_001));
        assert.equal((await sendOps(store).claimDue(1_500, 10, 'i', 30_000)).filter((m) => m.chat_id === chatId).length, 0, 'waits behind planning');
        await claimPlanning(store, 1_500, 50, 'i', 30_000);
        await store.db.transaction().execute((trx) => completePlanningTx(trx, first, shape.plan(first), { name: 'A' }, 1_500, chatTiming(1)));
        const due = (await sendOps(store).claimDue(1_500, 10, 'i', 30_000)).filter((m) => m.chat_id === chatId);
        assert.deepEqual(due.map((m) => m.run_id), [`r-${chatId}-2`]);
      });
    }

    test('a late report of a send for a finished run (a lease that expired mid-send) changes nothing', async () => {
      const chatId = `late-${kind.name}`;
      const runId = await planAtIntake(chatId, (id) => planOf(id, [0]));
      const ops = sendOps(store);
      const [m] = (await ops.claimDue(2_000, 10, 'slow', 1_000)).filter((x) => x.chat_id === chatId);
      assert.ok(m);
      await ops.reclaimExpired(3_001);
      const [again] = (await ops.claimDue(3_001, 10, 'other', 30_000)).filter((x) => x.chat_id === chatId);
      assert.ok(again);
      assert.equal(await ops.markSent(again, 3_100, 'ct-2', 1), 'completed');
      await store.db.transaction().execute((trx) => finishWriteBackTx(trx, runId, { done: true }));
      const before = await store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
      // The first instance's send returns at last: the engine drops its outcome (the job is no longer its own) ...
      let wrote = false;
      assert.equal(await ops.settleOf(m, { kind: 'done', write: () => Promise.resolve(void (wrote = true)) }, 3_200), 'lost');
      assert.equal(wrote, false);
      // ... and the store, told anyway, changes nothing.
      assert.equal(await store.db.transaction().execute((trx) => markSentTx(trx, m, 3_200, 'ct-1', chatTiming(1))), 'stopped');
      const afterwards = await store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
      assert.equal(afterwards.state, 'completed');
      assert.equal(afterwards.writeback_state, 'done', 'the profile is not written a second time');
      assert.equal(afterwards.finished_at, before.finished_at, 'the run keeps its end');
    });
  });
}
