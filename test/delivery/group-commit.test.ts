// Group commit with several lanes (PostgreSQL mode): deliveries commit side
// by side, yet each chat's events act in the order they arrived (their
// planEvent jobs share the chat's lane), so the first sequence of a chat is
// always the first one to send.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { GroupCommitter } from '../../src/delivery/store/group-commit.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { startRuns, type IntakeItem } from '../../src/delivery/store/start-runs.js';
import { Store } from '../../src/delivery/store/store.js';
import { freshDatabases } from '../support/databases.js';
import { planOf } from '../support/plans.js';

const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});

for (const db of await freshDatabases()) {
  describe(`group commit with 4 lanes on ${db.name}`, () => {
    test("every delivery commits once, and a chat's events in arrival order", async () => {
      const store = await Store.open(db.url, { delayScale: 0 });
      stores.push(store);
      const committer = new GroupCommitter(store.db, store.dialect, store.timing, 4);
      const chats = Array.from({ length: 12 }, (_, i) => `lane-chat-${i}`);
      const items = chats.flatMap((chatId) =>
        [0, 1, 2].map((k): IntakeItem => {
          const runId = `r-${chatId}-${k}`;
          const event: ChatOpenedEvent = { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}:${k}`, channelId: '1', chatId, userId: null, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
          return { eventId: `e-${chatId}-${k}`, event, receivedAt: 1_000 + k, takeover: false, candidates: [{ runId, curationId: `c${k}`, oncePerChat: false, cooldownMs: null, plan: planOf(runId, [0, 0]) }] };
        }),
      );
      // All at once, interleaved across chats, plus a repeat of each: the repeats start nothing.
      const outcomes = await Promise.all([...items, ...items].map((it) => committer.submit(it)));
      await committer.drain();
      assert.equal(outcomes.filter((o) => !o.duplicate && o.runs.length === 1).length, items.length);
      assert.equal(outcomes.filter((o) => o.duplicate).length, items.length);
      // The job engine's part, as its runner does it: claim what the lanes allow, start the runs, settle.
      const ops = new JobOps(store.db, store.dialect);
      const byEvent = new Map(items.map((it) => [it.eventId, it]));
      const order: string[] = [];
      for (let round = 0; round < 10; round++) {
        const claimed = await ops.claim(10_000, 100, 'test', new Map([['planEvent', 30_000]]));
        if (claimed.length === 0) break;
        for (const job of claimed) {
          const { eventId } = JSON.parse(job.payload_json) as { eventId: string };
          order.push(eventId);
          await store.db.transaction().execute(async (trx) => {
            await startRuns(trx, byEvent.get(eventId)!, chatTiming(0));
            await ops.remove(trx, job.id, 'test');
          });
        }
      }
      assert.equal(order.length, items.length, 'every event acted on once');
      for (const chatId of chats) assert.deepEqual(order.filter((id) => id.startsWith(`e-${chatId}-`)), [0, 1, 2].map((k) => `e-${chatId}-${k}`), `${chatId}: in arrival order`);
      for (const chatId of chats) {
        const live = await store.db.selectFrom('messages').select(['run_id', 'seq', 'state']).where('chat_id', '=', chatId).where('state', 'in', ['pending', 'sending']).execute();
        assert.deepEqual(live, [{ run_id: `r-${chatId}-0`, seq: 0, state: 'pending' }], `${chatId}: the first arrival's first message is the one live`);
      }
    });
  });
}
