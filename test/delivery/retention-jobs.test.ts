// Failed jobs are pruned with the same retention as runs and events: a
// failed job of a run goes with its run (its key keeps blocking a duplicate
// exactly as long as the run is kept), any other failed job once its last
// attempt is older than the cutoff. Waiting and running jobs are never
// pruned. SQLite and, when available, PostgreSQL.
import { intake } from '../support/intake.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import { enqueueJob, JobOps } from '../../src/delivery/store/job-ops.js';
import { writeBackJob } from '../../src/delivery/job-kinds.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { freshDatabases } from '../support/databases.js';
import { planOf } from '../support/plans.js';

const DB_KINDS = await freshDatabases();

function opened(chatId: string): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

for (const kind of DB_KINDS) {
  describe(`pruning failed jobs on ${kind.name}`, () => {
    let store: Store;
    let ops: JobOps;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
      ops = new JobOps(store.db, store.dialect);
    });
    after(async () => {
      await store.close();
    });

    /** A run that completed at `at` (no message to send) with a write-back, whose writeBack job then failed for good. */
    async function runWithFailedWriteBack(chatId: string, at: number): Promise<string> {
      const runId = `r-${chatId}`;
      await intake(store, {
        eventId: `e-${chatId}`,
        event: opened(chatId),
        receivedAt: at,
        takeover: false,
        candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: planOf(runId, []), writeBack: { x: 'profileX' } }],
      });
      const res = await store.db.updateTable('jobs').set({ state: 'failed', last_error: 'Channel Talk refused it with 422' }).where('key', '=', `writeBack:${runId}`).executeTakeFirst();
      assert.equal(Number(res.numUpdatedRows), 1, 'the write-back job exists');
      return runId;
    }

    const stateOf = async (key: string) => (await store.db.selectFrom('jobs').select('state').where('key', '=', key).executeTakeFirst())?.state ?? null;

    test('a failed job of a run is kept while its run is, blocking a duplicate, and pruned with it', async () => {
      const old = await runWithFailedWriteBack(`old-${kind.name}`, 100);
      const kept = await runWithFailedWriteBack(`kept-${kind.name}`, 900);
      const r = await store.prune(500);
      assert.ok(r.jobs >= 1, `jobs pruned: ${r.jobs}`);
      assert.equal(await stateOf(`writeBack:${old}`), null, 'gone with its run');
      assert.equal((await store.db.selectFrom('runs').select('id').where('id', '=', old).execute()).length, 0);
      assert.equal(await stateOf(`writeBack:${kept}`), 'failed', 'its run is kept, so is it');
      assert.equal(await store.db.transaction().execute((trx) => enqueueJob(trx, writeBackJob(kept, 1_000), 1_000)), false, 'its key still blocks a duplicate');
    });

    test('a failed job of no run is pruned once its last attempt is older than the cutoff; waiting ones never', async () => {
      for (const [key, state, at] of [
        [`webhookHealth:old-failed-${kind.name}`, 'failed', 100],
        [`webhookHealth:new-failed-${kind.name}`, 'failed', 900],
        [`webhookHealth:old-pending-${kind.name}`, 'pending', 100],
      ] as const) {
        assert.equal(await ops.enqueue({ kind: 'webhookHealth', key, payload: { channel: 'x' }, runAt: at, createdAt: at }, at), true);
        if (state === 'failed') await store.db.updateTable('jobs').set({ state: 'failed', last_error: 'bad payload' }).where('key', '=', key).execute();
      }
      // A running job with an old due time: its lease is live, it is not history.
      await ops.enqueue({ kind: 'webhookHealth', key: `webhookHealth:old-running-${kind.name}`, payload: { channel: 'x' }, runAt: 100, createdAt: 100 }, 100);
      await store.db.updateTable('jobs').set({ state: 'running', locked_by: 'i', locked_until: 10_000 }).where('key', '=', `webhookHealth:old-running-${kind.name}`).execute();

      await store.prune(500);
      assert.equal(await stateOf(`webhookHealth:old-failed-${kind.name}`), null);
      assert.equal(await stateOf(`webhookHealth:new-failed-${kind.name}`), 'failed');
      assert.equal(await stateOf(`webhookHealth:old-pending-${kind.name}`), 'pending');
      assert.equal(await stateOf(`webhookHealth:old-running-${kind.name}`), 'running');
    });

    test('a failed job of a run still live stays, however old its last attempt', async () => {
      // A deferred run whose planRun job failed on a bad payload: the run never finished, so it is not pruned, nor is its job.
      const runId = `r-live-${kind.name}`;
      await intake(store, { eventId: `e-live-${kind.name}`, event: opened(`live-${kind.name}`), receivedAt: 100, takeover: false, candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: null }] });
      await store.db.updateTable('jobs').set({ state: 'failed', last_error: 'bad payload' }).where('key', '=', `planRun:${runId}`).execute();
      await store.prune(500);
      assert.equal(await stateOf(`planRun:${runId}`), 'failed');
    });
  });
}
