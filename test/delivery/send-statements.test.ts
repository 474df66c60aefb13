// A sent message's settle writes its message once (issue 21): the move to
// `sent`, its attempt counted and the next waiting message's delay read are
// one statement, and the next message's activation one more. Its effects are
// the same as ever: the attempt counted once, the next message due after its
// delay with its job. A message that did not move still counts the attempt.
// SQLite and, when available, PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { Store } from '../../src/delivery/store/store.js';
import { markInFlightTx, markRetryTx, markSentTx, type AttemptRecord, type ClaimedMessage } from '../../src/delivery/store/send-outcomes.js';
import { transitionMessages, transitionRun } from '../../src/delivery/store/transitions.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import type { IntakeItem } from '../../src/delivery/store/start-runs.js';
import { freshDatabases } from '../support/databases.js';
import { intake } from '../support/intake.js';
import { sendOps } from '../support/sends.js';
import { planOf } from '../support/plans.js';
import { sendMessageKey } from '../../src/delivery/job-kinds.js';
import { StatementLog } from '../support/statement-log.js';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely';

const DB_KINDS = await freshDatabases();

/** Counts the statements Kysely builds (a statement run from text compiled beforehand is handed to no plugin's transformQuery). */
class BuildCount implements KyselyPlugin {
  built = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    this.built++;
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

function opened(chatId: string): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

function item(chatId: string, runId: string, delays: number[], at: number): IntakeItem {
  return { eventId: `e-${chatId}`, event: opened(chatId), receivedAt: at, takeover: false, candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: planOf(runId, delays) }] };
}

const attemptOf = (m: ClaimedMessage, startedAt: number): AttemptRecord => ({
  runId: m.run_id,
  seq: m.seq,
  requestId: m.request_id,
  startedAt,
  status: 200,
  latencyMs: 12,
  errorKind: null,
  reason: null,
  instance: 'i',
});

for (const kind of DB_KINDS) {
  describe(`a sent message's statements on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    const messageRow = (runId: string, seq: number) =>
      store.db.selectFrom('messages').select(['state', 'attempts', 'first_attempt_at', 'due_at']).where('run_id', '=', runId).where('seq', '=', seq).executeTakeFirstOrThrow();
    const sendJobs = (runId: string) => store.db.selectFrom('jobs').select(['key', 'run_at']).where('kind', '=', 'sendMessage').where('payload_json', 'like', `%"${runId}"%`).execute();

    test("a claim's in-flight mark is compiled once per number of messages: the same claim again builds no statement, and moves only the live ones", async () => {
      const runs = [0, 1, 2, 3].map((i) => `r-flight${i}-${kind.name}`);
      for (const [i, runId] of runs.entries()) await intake(store, item(`flight${i}-${kind.name}`, runId, [0, 0], 5_000));
      // The first claim of two builds its statement (or finds it built by an earlier test); the second, of two other messages, must not.
      await store.db.transaction().execute((trx) => markInFlightTx(trx, runs.slice(0, 2).map((runId) => ({ runId, seq: 0, leaseEnd: 9_000 })), 'owner-a'));
      // Cancel one of the next two: a claim takes only what is live.
      await store.db.transaction().execute((trx) => transitionMessages(trx, { runId: runs[3]!, seq: 0 }, 'stop', {}));
      const count = new BuildCount();
      const marked = await store.db.transaction().execute((trx) => markInFlightTx(trx.withPlugin(count), runs.slice(2).map((runId) => ({ runId, seq: 0, leaseEnd: 9_500 })), 'owner-b'));
      assert.equal(count.built, 0, `statements built for a claim of the same size: ${count.built}`);
      assert.deepEqual(
        marked.map((m) => ({ run_id: m.run_id, seq: m.seq, state: m.state, claimed_by: m.claimed_by, claim_until: Number(m.claim_until), body: typeof m.body_json })),
        [{ run_id: runs[2], seq: 0, state: 'sending', claimed_by: 'owner-b', claim_until: 9_500, body: 'string' }],
      );
      assert.equal((await messageRow(runs[3]!, 0)).state, 'cancelled');
      assert.equal((await messageRow(runs[2]!, 1)).state, 'waiting', 'the next message is not touched');
    });

    test('the sent message is written by one statement, the next one made due by one more', async () => {
      const runId = `r-next-${kind.name}`;
      await intake(store, item(`next-${kind.name}`, runId, [0, 700, 0], 1_000));
      const [m0] = (await sendOps(store).claimDue(1_000, 10, 'i', 30_000)).filter((m) => m.run_id === runId);
      await store.db.deleteFrom('jobs').where('key', '=', sendMessageKey(runId, 0)).execute();

      const log = new StatementLog();
      const after = await store.db.transaction().execute((trx) => markSentTx(trx.withPlugin(log), m0!, 1_050, 'ct-0', chatTiming(1), attemptOf(m0!, 1_010)));
      assert.equal(after, 'next');
      assert.equal(log.onMessages(), 2, 'statements on messages: the sent one (counted, with the next delay read) and the next one made due');

      const sent = await messageRow(runId, 0);
      assert.deepEqual({ state: sent.state, attempts: Number(sent.attempts), first_attempt_at: Number(sent.first_attempt_at) }, { state: 'sent', attempts: 1, first_attempt_at: 1_010 });
      const next = await messageRow(runId, 1);
      assert.deepEqual({ state: next.state, due_at: Number(next.due_at) }, { state: 'pending', due_at: 1_750 }, 'due its delay after the actual send');
      assert.deepEqual((await sendJobs(runId)).map((j) => ({ key: j.key, run_at: Number(j.run_at) })), [{ key: sendMessageKey(runId, 1), run_at: 1_750 }]);
      assert.equal((await messageRow(runId, 2)).state, 'waiting');
    });

    test("the last message completes its run: no next delay, and the first attempt's time is kept", async () => {
      const runId = `r-last-${kind.name}`;
      await intake(store, item(`last-${kind.name}`, runId, [0], 2_000));
      const [m0] = (await sendOps(store).claimDue(2_000, 10, 'i', 30_000)).filter((m) => m.run_id === runId);
      await store.db.updateTable('messages').set({ attempts: 1, first_attempt_at: 1_990 }).where('run_id', '=', runId).execute();
      assert.equal(await sendOps(store).markSent(m0!, 2_050, 'ct-0', 1, attemptOf(m0!, 2_010)), 'completed');
      const sent = await messageRow(runId, 0);
      assert.deepEqual({ state: sent.state, attempts: Number(sent.attempts), first_attempt_at: Number(sent.first_attempt_at) }, { state: 'sent', attempts: 2, first_attempt_at: 1_990 });
    });

    test('an attempt on a message that no longer moves is still counted, and nothing else changes', async () => {
      const runId = `r-gone-${kind.name}`;
      await intake(store, item(`gone-${kind.name}`, runId, [0, 0], 3_000));
      const [m0] = (await sendOps(store).claimDue(3_000, 10, 'i', 30_000)).filter((m) => m.run_id === runId);
      // Its run ended meanwhile: the claimed message was abandoned by another path.
      await store.db.transaction().execute(async (trx) => {
        await transitionMessages(trx, { runId, seq: 0 }, 'abandon', { claimed_by: null, claim_until: null });
        await transitionRun(trx, runId, { kind: 'takeover' }, 3_050);
      });
      await store.db.transaction().execute((trx) => markRetryTx(trx, m0!, 3_500, 'timeout', 3_100, chatTiming(1), attemptOf(m0!, 3_010)));
      const row = await messageRow(runId, 0);
      assert.deepEqual({ state: row.state, attempts: Number(row.attempts), first_attempt_at: Number(row.first_attempt_at) }, { state: 'cancelled', attempts: 1, first_attempt_at: 3_010 });
      const attempts = await store.db.selectFrom('attempts').select('request_id').where('run_id', '=', runId).execute();
      assert.equal(attempts.length, 1);
    });
  });
}
