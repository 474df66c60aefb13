import { chatTiming } from '../../src/delivery/chat-timing.js';
import { takeOverBeforeSendTx } from '../../src/delivery/store/chat-check-ops.js';
import { intake } from '../support/intake.js';
import { claimPlanning } from '../support/jobs.js';
import { sendOps } from '../support/sends.js';
import { completePlanningTx, failPlanningTx } from '../../src/delivery/store/planning-and-write-back.js';
import { lockChat } from '../../src/delivery/store/chat-queue.js';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import type { IntakeItem } from '../../src/delivery/store/start-runs.js';
import type { ChatOpenedEvent, Event } from '../../src/channeltalk/event.js';
import { freshDatabases, type TestDb } from '../support/databases.js';
import { planOf } from '../support/plans.js';

const DB_KINDS = await freshDatabases();

function opened(chatId: string, n = 0): ChatOpenedEvent {
  return {
    kind: 'chatOpened',
    dedupeKey: `chatOpened:${chatId}${n ? `:${n}` : ''}`,
    channelId: '95334',
    chatId,
    userId: `user-${chatId}`,
    chatTags: [],
    supportBotId: null,
    profile: { name: 'A' },
    language: 'ko',
    occurredAt: null,
  };
}

function item(event: Event, runs: Array<{ runId: string; curationId?: string; delays: number[]; oncePerChat?: boolean; cooldownMs?: number }>, at = 1_000): IntakeItem {
  return {
    eventId: `e-${event.dedupeKey}`,
    event,
    receivedAt: at,
    takeover: event.kind === 'managerMessage' || event.kind === 'chatClosed',
    candidates: runs.map((r) => ({
      runId: r.runId,
      curationId: r.curationId ?? 'c',
      oncePerChat: r.oncePerChat ?? false,
      cooldownMs: r.cooldownMs ?? null,
      plan: planOf(r.runId, r.delays),
    })),
  };
}

for (const kind of DB_KINDS) {
  describe(`store on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    test('the same delivery, concurrently and again later, starts one run', async () => {
      const ev = opened('dup-chat');
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => intake(store, item(ev, [{ runId: 'r-dup', delays: [0] }]))));
      assert.equal(outcomes.filter((o) => !o.duplicate).length, 1);
      assert.equal(outcomes.filter((o) => o.runs.length === 1).length, 1);
      const again = await intake(store, item(ev, [{ runId: 'r-dup', delays: [0] }]));
      assert.equal(again.duplicate, true);
      const runs = await store.db.selectFrom('runs').selectAll().where('chat_id', '=', 'dup-chat').execute();
      assert.equal(runs.length, 1);
    });

    test('once per chat: a second event in the same chat does not start the curation again', async () => {
      const a = await intake(store, item(opened('once-chat', 1), [{ runId: 'r-once-1', delays: [0], oncePerChat: true }]));
      const b = await intake(store, item(opened('once-chat', 2), [{ runId: 'r-once-2', delays: [0], oncePerChat: true }]));
      assert.equal(a.runs.length, 1);
      assert.equal(b.runs.length, 0);
      assert.equal(b.status, 'no_match');
      assert.match(b.reason ?? '', /already ran in this chat/);
    });

    test('cooldown per customer', async () => {
      const a = await intake(store, item(opened('cool-1'), [{ runId: 'r-cool-1', curationId: 'cool', delays: [0], cooldownMs: 60_000 }], 10_000));
      const b = await intake(store, { ...item(opened('cool-2'), [{ runId: 'r-cool-2', curationId: 'cool', delays: [0], cooldownMs: 60_000 }], 20_000), event: { ...opened('cool-2'), userId: 'user-cool-1' } });
      assert.equal(a.runs.length, 1);
      assert.equal(b.runs.length, 0);
      assert.match(b.reason ?? '', /cooldown/);
    });

    test('per-chat order: only the head is due; the next is paced from the actual send', async () => {
      await intake(store, item(opened('order-chat'), [{ runId: 'r-order', delays: [100, 2000, 500] }], 5_000));
      const ops = sendOps(store);
      assert.equal((await ops.claimDue(5_099, 10, 'i1', 30_000)).filter((m) => m.chat_id === 'order-chat').length, 0, 'not due before its delay');
      const first = (await ops.claimDue(5_100, 10, 'i1', 30_000)).filter((m) => m.chat_id === 'order-chat');
      assert.deepEqual(first.map((m) => m.seq), [0]);
      // Nothing else of this chat is claimable while the head is in flight.
      assert.equal((await ops.claimDue(99_999, 10, 'i2', 30_000)).filter((m) => m.chat_id === 'order-chat').length, 0);
      assert.equal(await ops.markSent(first[0]!, 7_000, 'ct-1', 1), 'next');
      const second = await store.db.selectFrom('messages').selectAll().where('run_id', '=', 'r-order').where('seq', '=', 1).executeTakeFirstOrThrow();
      assert.equal(second.state, 'pending');
      assert.equal(second.due_at, 9_000, 'due 2000 ms after the actual send at 7000');
      const [m1] = (await ops.claimDue(9_000, 10, 'i1', 30_000)).filter((m) => m.chat_id === 'order-chat');
      assert.equal(m1?.seq, 1);
      await ops.markSent(m1, 9_010, 'ct-2', 1);
      const [m2] = (await ops.claimDue(9_510, 10, 'i1', 30_000)).filter((m) => m.chat_id === 'order-chat');
      assert.equal(await ops.markSent(m2!, 9_600, 'ct-3', 1), 'completed');
      const run = await store.db.selectFrom('runs').selectAll().where('id', '=', 'r-order').executeTakeFirstOrThrow();
      assert.equal(run.state, 'completed');
    });

    test('a second run in the same chat waits until the first one finishes', async () => {
      await intake(store, item(opened('queue-chat', 1), [{ runId: 'r-q1', delays: [0, 0] }], 1_000));
      await intake(store, item(opened('queue-chat', 2), [{ runId: 'r-q2', delays: [0] }], 1_001));
      const ops = sendOps(store);
      const sent: string[] = [];
      for (let t = 2_000; t < 2_010; t++) {
        const due = (await ops.claimDue(t, 10, 'i', 30_000)).filter((m) => m.chat_id === 'queue-chat');
        assert.ok(due.length <= 1, 'never two live messages in one chat');
        for (const m of due) {
          sent.push(`${m.run_id}/${m.seq}`);
          await ops.markSent(m, t, null, 1);
        }
      }
      assert.deepEqual(sent, ['r-q1/0', 'r-q1/1', 'r-q2/0']);
    });

    test('a permanent failure skips the rest of the run and lets the chat move on', async () => {
      await intake(store, item(opened('fail-chat', 1), [{ runId: 'r-f1', delays: [0, 0, 0] }], 1_000));
      await intake(store, item(opened('fail-chat', 2), [{ runId: 'r-f2', delays: [0] }], 1_001));
      const ops = sendOps(store);
      const [m0] = (await ops.claimDue(2_000, 10, 'i', 30_000)).filter((m) => m.chat_id === 'fail-chat');
      await ops.markFailed(m0!, 'Channel Talk refused it with 422', 2_000, 1);
      const msgs = await store.db.selectFrom('messages').select(['seq', 'state', 'reason']).where('run_id', '=', 'r-f1').orderBy('seq').execute();
      assert.deepEqual(msgs.map((m) => m.state), ['failed', 'skipped', 'skipped']);
      assert.match(msgs[1]!.reason ?? '', /message 0 failed/);
      const run = await store.db.selectFrom('runs').selectAll().where('id', '=', 'r-f1').executeTakeFirstOrThrow();
      assert.equal(run.state, 'failed');
      const next = (await ops.claimDue(2_001, 10, 'i', 30_000)).filter((m) => m.chat_id === 'fail-chat');
      assert.deepEqual(next.map((m) => m.run_id), ['r-f2']);
    });

    test('takeover cancels what is not yet sent; an in-flight send finishes and nothing follows', async () => {
      await intake(store, item(opened('take-chat'), [{ runId: 'r-take', delays: [0, 0, 0] }], 1_000));
      const ops = sendOps(store);
      const [m0] = (await ops.claimDue(1_000, 10, 'i', 30_000)).filter((m) => m.chat_id === 'take-chat');
      const manager: Event = { ...opened('take-chat'), kind: 'managerMessage', dedupeKey: 'managerMessage:mm1', messageId: 'mm1', personId: 'p' };
      const out = await intake(store, { eventId: 'e-mm1', event: manager, receivedAt: 1_500, candidates: [], takeover: true });
      assert.equal(out.cancelledRuns, 1);
      assert.equal(await ops.markSent(m0!, 1_600, null, 1), 'stopped');
      const msgs = await store.db.selectFrom('messages').select(['seq', 'state']).where('run_id', '=', 'r-take').orderBy('seq').execute();
      assert.deepEqual(msgs.map((m) => m.state), ['sent', 'cancelled', 'cancelled']);
      const run = await store.db.selectFrom('runs').selectAll().where('id', '=', 'r-take').executeTakeFirstOrThrow();
      assert.equal(run.state, 'cancelled');
      assert.match(run.reason ?? '', /takeover/);
    });

    test("a curation whose file does not cancel on this event keeps running through a takeover", async () => {
      await intake(store, item(opened('keep-chat', 1), [{ runId: 'r-keep-a', curationId: 'stops', delays: [0, 0] }], 1_000));
      await intake(store, item(opened('keep-chat', 2), [{ runId: 'r-keep-b', curationId: 'keeps', delays: [0] }], 1_001));
      const closed: Event = { ...opened('keep-chat'), kind: 'chatClosed', dedupeKey: 'chatClosed:keep-chat:1' };
      const out = await intake(store, { eventId: 'e-keep-close', event: closed, receivedAt: 1_500, candidates: [], takeover: true, keepCurations: ['keeps'] });
      assert.equal(out.cancelledRuns, 1);
      const states = await store.db.selectFrom('runs').select(['id', 'state']).where('chat_id', '=', 'keep-chat').orderBy('id').execute();
      assert.deepEqual(states, [{ id: 'r-keep-a', state: 'cancelled' }, { id: 'r-keep-b', state: 'pending' }]);
      // The kept run was waiting behind the cancelled one; it is due now.
      const due = (await sendOps(store).claimDue(1_500, 10, 'i', 30_000)).filter((m) => m.chat_id === 'keep-chat');
      assert.deepEqual(due.map((m) => m.run_id), ['r-keep-b']);
    });

    test('a chat read before a send stops its run: the claimed message is cancelled and a kept run behind it is due', async () => {
      await intake(store, item(opened('read-chat', 1), [{ runId: 'r-read-a', curationId: 'stops', delays: [0, 0] }], 1_000));
      await intake(store, item(opened('read-chat', 2), [{ runId: 'r-read-b', curationId: 'keeps', delays: [0] }], 1_001));
      const ops = sendOps(store);
      const [m0] = (await ops.claimDue(1_000, 10, 'i', 30_000)).filter((m) => m.chat_id === 'read-chat');
      assert.equal(m0?.run_id, 'r-read-a');
      const reason = 'human takeover: chat assigned (read before message 1)';
      // As the send handler settles it: the job done, the takeover its write.
      let stopped: boolean | undefined;
      await ops.settleOf(m0, { kind: 'done', write: async (trx) => void (stopped = await takeOverBeforeSendTx(trx, m0, reason, 1_500, ['keeps'], chatTiming(1))) }, 1_500);
      assert.equal(stopped, true);
      const msgs = await store.db.selectFrom('messages').select(['run_id', 'seq', 'state']).where('chat_id', '=', 'read-chat').orderBy('run_id').orderBy('seq').execute();
      assert.deepEqual(msgs.map((m) => `${m.run_id}/${m.seq} ${m.state}`), ['r-read-a/0 cancelled', 'r-read-a/1 cancelled', 'r-read-b/0 pending']);
      const due = (await ops.claimDue(1_500, 10, 'i', 30_000)).filter((m) => m.chat_id === 'read-chat');
      assert.deepEqual(due.map((m) => m.run_id), ['r-read-b']);
    });

    test('a chat read that finds its run already stopped by a takeover event still frees the chat', async () => {
      await intake(store, item(opened('race-chat', 1), [{ runId: 'r-race-a', curationId: 'stops', delays: [0, 0] }], 1_000));
      await intake(store, item(opened('race-chat', 2), [{ runId: 'r-race-b', curationId: 'keeps', delays: [0] }], 1_001));
      const ops = sendOps(store);
      const [m0] = (await ops.claimDue(1_000, 10, 'i', 30_000)).filter((m) => m.chat_id === 'race-chat');
      const closed: Event = { ...opened('race-chat'), kind: 'chatClosed', dedupeKey: 'chatClosed:race-chat:1' };
      await intake(store, { eventId: 'e-race-close', event: closed, receivedAt: 1_400, candidates: [], takeover: true, keepCurations: ['keeps'] });
      let stopped: boolean | undefined;
      const m = m0!;
      await ops.settleOf(m, { kind: 'done', write: async (trx) => void (stopped = await takeOverBeforeSendTx(trx, m, 'human takeover: chat closed (read before message 1)', 1_500, ['keeps'], chatTiming(1))) }, 1_500);
      assert.equal(stopped, false, 'the event stopped it, not the read');
      const after = await store.db.selectFrom('messages').select('state').where('run_id', '=', 'r-race-a').where('seq', '=', 0).executeTakeFirstOrThrow();
      assert.equal(after.state, 'cancelled', 'no message is left in flight without a job');
      const due = (await ops.claimDue(1_500, 10, 'i', 30_000)).filter((x) => x.chat_id === 'race-chat');
      assert.deepEqual(due.map((x) => x.run_id), ['r-race-b']);
    });

    test('a run still fetching its profile keeps its place in the chat', async () => {
      const first = item(opened('plan-chat', 1), [{ runId: 'r-plan-1', delays: [0, 0] }], 1_000);
      first.candidates[0]!.plan = null;
      await intake(store, first);
      await intake(store, item(opened('plan-chat', 2), [{ runId: 'r-plan-2', delays: [0] }], 1_001));
      const ops = sendOps(store);
      assert.equal((await ops.claimDue(2_000, 10, 'i', 30_000)).filter((m) => m.chat_id === 'plan-chat').length, 0, 'the later run waits');
      const [planning] = (await claimPlanning(store, 2_000, 10, 'i', 30_000)).filter((r) => r.chat_id === 'plan-chat');
      assert.equal(planning?.id, 'r-plan-1');
      await store.db.transaction().execute((trx) => completePlanningTx(trx, 'r-plan-1', planOf('r-plan-1', [0, 0]), { name: 'A' }, 2_000, chatTiming(1)));
      const sent: string[] = [];
      for (let t = 2_000; t < 2_010; t++) {
        for (const m of (await ops.claimDue(t, 10, 'i', 30_000)).filter((x) => x.chat_id === 'plan-chat')) {
          sent.push(`${m.run_id}/${m.seq}`);
          await ops.markSent(m, t, null, 1);
        }
      }
      assert.deepEqual(sent, ['r-plan-1/0', 'r-plan-1/1', 'r-plan-2/0']);
    });

    test('a run whose planning fails for good lets the chat move on', async () => {
      const first = item(opened('planfail-chat', 1), [{ runId: 'r-pf-1', delays: [0] }], 1_000);
      first.candidates[0]!.plan = null;
      await intake(store, first);
      await intake(store, item(opened('planfail-chat', 2), [{ runId: 'r-pf-2', delays: [0] }], 1_001));
      await store.db.transaction().execute((trx) => failPlanningTx(trx, 'r-pf-1', 'curation gone', null, 2_000, chatTiming(1)));
      const due = (await sendOps(store).claimDue(2_000, 10, 'i', 30_000)).filter((m) => m.chat_id === 'planfail-chat');
      assert.deepEqual(due.map((m) => m.run_id), ['r-pf-2']);
    });

    test('a transient failure is rescheduled; an expired claim is taken over', async () => {
      await intake(store, item(opened('retry-chat'), [{ runId: 'r-retry', delays: [0] }], 1_000));
      const ops = sendOps(store);
      const [m] = (await ops.claimDue(1_000, 10, 'i', 30_000)).filter((x) => x.chat_id === 'retry-chat');
      await ops.markRetry(m!, 5_000, 'server_error 500', 1_000, 1);
      assert.equal((await ops.claimDue(4_999, 10, 'i', 30_000)).filter((x) => x.chat_id === 'retry-chat').length, 0);
      const [again] = (await ops.claimDue(5_000, 10, 'crashing', 1_000)).filter((x) => x.chat_id === 'retry-chat');
      assert.ok(again);
      assert.equal(await ops.reclaimExpired(5_500), 0, 'claim still valid');
      assert.ok((await ops.reclaimExpired(6_001)) >= 1);
      const [taken] = (await ops.claimDue(6_001, 10, 'other', 30_000)).filter((x) => x.chat_id === 'retry-chat');
      assert.equal(taken?.claimed_by, 'other');
      assert.equal(taken?.request_id, 'r-retry-0', 'same requestId on every attempt');
    });

    test('retention prunes finished runs and old events, never live ones', async () => {
      await intake(store, item(opened('old-done'), [{ runId: 'r-old-done', delays: [0] }], 100));
      await intake(store, item(opened('old-live'), [{ runId: 'r-old-live', delays: [0, 0] }], 100));
      const ops = sendOps(store);
      for (const m of (await ops.claimDue(200, 100, 'i', 30_000)).filter((x) => x.chat_id.startsWith('old-'))) await ops.markSent(m, 200, null, 1);
      const r = await store.prune(500);
      assert.ok(r.runs >= 1);
      const left = await store.db.selectFrom('runs').select('id').where('id', 'in', ['r-old-done', 'r-old-live']).execute();
      assert.deepEqual(left.map((x) => x.id), ['r-old-live']);
      assert.equal((await store.db.selectFrom('messages').select('seq').where('run_id', '=', 'r-old-done').execute()).length, 0);
      const events = await store.db.selectFrom('events').select('dedupe_key').where('dedupe_key', 'in', ['chatOpened:old-done', 'chatOpened:old-live']).execute();
      assert.deepEqual(events.map((e) => e.dedupe_key), ['chatOpened:old-live']);
    });

    if (kind.name === 'postgres') {
      test("the chat lock holds another transaction off until commit, and leaves the chat's row as it was", async () => {
        await store.db.transaction().execute((trx) => lockChat(trx, 'lock-chat', 1_000));
        let release = () => {};
        const held = new Promise<void>((r) => (release = r));
        let locked = () => {};
        const isLocked = new Promise<void>((r) => (locked = r));
        const first = store.db.transaction().execute(async (trx) => {
          await lockChat(trx, 'lock-chat', 2_000);
          locked();
          await held;
        });
        await isLocked;
        const second = await store.db
          .transaction()
          .execute(async (trx) => {
            await sql`SET LOCAL lock_timeout = '300ms'`.execute(trx);
            await lockChat(trx, 'lock-chat', 3_000);
            return 'not blocked';
          })
          .catch((e: unknown) => (e instanceof Error ? e.message : String(e)));
        release();
        await first;
        assert.match(second, /lock/, 'the second transaction waited for the first one\'s lock');
        const row = await store.db.selectFrom('chats').selectAll().where('chat_id', '=', 'lock-chat').executeTakeFirstOrThrow();
        assert.equal(row.updated_at, 1_000, 'the row is not rewritten');
      });

      test('concurrent claimers never get the same message (SKIP LOCKED)', async () => {
        for (let i = 0; i < 40; i++) await intake(store, item(opened(`pg-claim-${i}`), [{ runId: `r-pgc-${i}`, delays: [0] }], 1_000));
        const claims = await Promise.all(Array.from({ length: 4 }, (_, i) => sendOps(store).claimDue(1_000, 15, `inst-${i}`, 30_000)));
        const ids = claims.flat().filter((m) => m.chat_id.startsWith('pg-claim-')).map((m) => m.run_id);
        assert.equal(new Set(ids).size, ids.length, 'no message claimed twice');
        assert.equal(ids.length, 40);
      });
    }
  });
}

describe('databases under test', () => {
  test('PostgreSQL is tested whenever CI runs', () => {
    const kinds = DB_KINDS.map((d: TestDb) => d.name);
    if (process.env.CI === 'true') assert.ok(kinds.includes('postgres'));
    assert.ok(kinds.includes('sqlite'));
  });
});
