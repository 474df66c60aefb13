// `now` in a curation is the moment the customer asked: the chat's opening or
// the message's time (the event's occurredAt), not the moment a job plans it,
// also for a chat the missed-delivery sweep recovers minutes later.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, plan, type Curation } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import type { ListedUserChat } from '../../src/channeltalk/resources.js';
import { sweepOpenedChats, type SweepDeps } from '../../src/webhook/sweep.js';
import { chatOpened, minimalCuration, tempDir, userMessage } from './helpers.js';

// Monday 2026-12-07 15:50 in Seoul; planned 20 minutes later, at 16:10, past a 16:00 cut-off.
const ASKED = Date.UTC(2026, 11, 7, 6, 50);
const PLANNED = ASKED + 20 * 60_000;

async function clock(): Promise<Curation> {
  const dir = await tempDir({ 'c.yaml': minimalCuration(`compute:\n  at: now\n  h: hour(now)\n  m: minute(now)\nmessages:\n  - text: "{{ h }}:{{ m }}"\n`) });
  const r = await loadCurations(dir);
  assert.ok(r.ok);
  return r.set.byId('mini')!;
}

describe('now is when the customer asked', () => {
  test("a chat opened: its opening time, not the planning job's clock", async () => {
    const p = plan(await clock(), chatOpened({ occurredAt: ASKED }), {}, { runId: 'r', now: PLANNED });
    assert.deepEqual(p.values, { at: ASKED, h: 15, m: 50 });
  });

  test("a customer's message: the message's time", async () => {
    const p = plan(await clock(), userMessage('환불', { occurredAt: ASKED + 60_000 }), {}, { runId: 'r', now: PLANNED });
    assert.deepEqual(p.values, { at: ASKED + 60_000, h: 15, m: 51 });
  });

  test('an event that does not say when (or no event, as in a preview): the clock given to plan()', async () => {
    assert.deepEqual(plan(await clock(), chatOpened({ occurredAt: null }), {}, { runId: 'r', now: PLANNED }).values, { at: PLANNED, h: 16, m: 10 });
    assert.deepEqual(plan(await clock(), null, {}, { runId: 'r', now: PLANNED }).values, { at: PLANNED, h: 16, m: 10 });
  });

  test('a chat the sweep recovers later keeps the time it was opened, even when the list gives only createdAt and a later updatedAt', async () => {
    const chats: ListedUserChat[] = [
      { id: 'c-opened', channelId: '95334', userId: 'u1', state: 'opened', openedAt: ASKED, createdAt: ASKED - 5000, updatedAt: PLANNED - 1000, tags: ['환불결제조회'] },
      { id: 'c-created', channelId: '95334', userId: 'u2', state: 'opened', createdAt: ASKED, updatedAt: PLANNED - 1000, tags: ['환불결제조회'] },
    ];
    const accepted: ChatOpenedEvent[] = [];
    const deps: SweepDeps = {
      client: { listUserChats: () => Promise.resolve({ userChats: chats, users: [], unreadable: 0 }) },
      coveredUntil: null,
      hasEvent: () => Promise.resolve(false),
      accept: (e) => {
        accepted.push(e);
        return Promise.resolve({ duplicate: false, runs: [] });
      },
      normalize,
      now: () => PLANNED,
      pageLimit: 25,
      maxPages: 2,
      overlapMs: 0,
      maxAgeMs: 3_600_000,
    };
    const r = await sweepOpenedChats(deps);
    assert.equal(r.recovered.length, 2, JSON.stringify(r.skipped));
    const c = await clock();
    for (const event of accepted) {
      assert.equal(event.recoveredBy, 'sweep');
      assert.equal(event.occurredAt, ASKED, event.chatId);
      assert.deepEqual(plan(c, event, {}, { runId: 'r', now: PLANNED }).values, { at: ASKED, h: 15, m: 50 }, event.chatId);
    }
  });
});
