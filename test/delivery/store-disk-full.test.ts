// A full disk (SQLite's SQLITE_FULL, here forced with PRAGMA max_page_count):
// SQLite ends the transaction by itself, so the ROLLBACK that follows fails
// with "no transaction is active". The error that reaches the caller must be
// the real one, and nothing may be half-written.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { intake } from '../support/intake.js';
import { sendOps } from '../support/sends.js';
import { markRetryTx } from '../../src/delivery/store/send-outcomes.js';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { sql } from 'kysely';
import { Store } from '../../src/delivery/store/store.js';
import type { IntakeItem } from '../../src/delivery/store/start-runs.js';
import { planOf } from '../support/plans.js';
import { tempDir } from '../support/processes.js';

let store: Store;
before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir(), 'full.db')}`, { delayScale: 1 });
});
after(async () => {
  await store.close();
});

/** Caps the file at its current size: the next page SQLite needs fails with SQLITE_FULL. */
async function fillDisk(): Promise<void> {
  const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(store.db);
  await sql.raw(`PRAGMA max_page_count = ${rows[0]!.page_count}`).execute(store.db);
}

function bigItem(chatId: string): IntakeItem {
  const runId = `r-${chatId}`;
  // One row too big for the pages already there (the event the webhook stores
  // keeps its profile until planned). A single-row statement has no
  // statement journal, so SQLite rolls back the whole transaction on SQLITE_FULL.
  const plan = planOf(runId, [0]);
  plan.messages[0]!.body.blocks = [{ type: 'text', value: 'x'.repeat(20_000) }];
  const profile = { note: 'x'.repeat(20_000) };
  return {
    eventId: `e-${chatId}`,
    event: { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId: null, chatTags: [], supportBotId: null, profile, language: 'ko', occurredAt: null },
    receivedAt: 1_000,
    takeover: false,
    candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan }],
  };
}

test('intake on a full disk fails with "database or disk is full", and commits in full once there is room', async () => {
  await fillDisk();
  await assert.rejects(intake(store, bigItem('full-chat')), (e: Error & { code?: string }) => {
    assert.doesNotMatch(e.message, /cannot rollback/);
    assert.match(e.message, /database or disk is full/);
    assert.equal(e.code, 'SQLITE_FULL');
    return true;
  });
  assert.equal((await store.db.selectFrom('events').select('id').where('id', '=', 'e-full-chat').execute()).length, 0, 'nothing half-written');
  await sql.raw('PRAGMA max_page_count = 1073741823').execute(store.db);
  const out = await intake(store, bigItem('full-chat'));
  assert.equal(out.duplicate, false);
  assert.equal((await store.db.selectFrom('messages').select('seq').where('run_id', '=', 'r-full-chat').execute()).length, 1);
});

test("a dispatcher transaction on a full disk fails with the real cause too", async () => {
  await intake(store, bigItem('full-send'));
  const [m] = (await sendOps(store).claimDue(1_000, 10, 'i', 30_000)).filter((x) => x.chat_id === 'full-send');
  assert.ok(m);
  await fillDisk();
  try {
    // Each attempt row is new data; enough of them need a new page.
    const attempt = { runId: m.run_id, seq: m.seq, requestId: m.request_id, startedAt: 1_000, status: 500, latencyMs: 1, errorKind: 'unavailable', reason: 'x'.repeat(3000), instance: 'i' };
    let failure: unknown = null;
    for (let i = 0; i < 20 && failure === null; i++) {
      await store.db.transaction().execute((trx) => markRetryTx(trx, m, 2_000, 'server_error 500', 1_000, chatTiming(1), attempt)).catch((e: unknown) => (failure = e));
    }
    assert.ok(failure instanceof Error, 'the disk filled up');
    assert.doesNotMatch(failure.message, /cannot rollback/);
    assert.match(failure.message, /database or disk is full/);
  } finally {
    await sql.raw('PRAGMA max_page_count = 1073741823').execute(store.db);
  }
});
