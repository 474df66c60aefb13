// The sweep trusts no sort order of GET /user-chats (issue 17 item 6): the
// fake lists by last activity, as the record suggests, so chats opened long
// ago but active now come first. The sweep reads past them within its page
// budget, carries its cursor to the next sweep when the budget runs out, and
// stops on a cursor that repeats.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sweepOpenedChats, type SweepDeps } from '../../src/webhook/sweep.js';
import { control } from '../fake-channeltalk/helpers.js';
import { DIET_SOURCE, DIET_TAG, CHANNEL_ID, startSweepWorld, type SweepWorld } from './sweep-harness.js';

let world: SweepWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(): Promise<SweepWorld> {
  world = await startSweepWorld();
  return world;
}

/** Chats opened two hours ago whose customers wrote just now: first in a list ordered by last activity. */
async function openOldButActive(w: SweepWorld, n: number, now: number): Promise<void> {
  const users = Array.from({ length: n }, (_, i) => `oldu${i}`);
  await w.addUsers(users);
  for (const [i, userId] of users.entries()) {
    await control(w.fake, 'POST', '/user-chats', {
      channelId: CHANNEL_ID,
      userId,
      chatId: `old${i}`,
      tags: [DIET_TAG],
      source: DIET_SOURCE,
      openedAt: now - 2 * 3_600_000 - i * 1000,
      lastActivityAt: now - i,
      delivery: 'none',
    });
  }
}

describe('the sweep whatever the order of the chat list', () => {
  test('30 dropped chats behind 200 old-but-active ones: each recovered exactly once', async () => {
    const w = await start();
    const now = Date.now();
    const fresh = Array.from({ length: 30 }, (_, i) => `newu${i}`);
    await w.addUsers(fresh);
    // Opened a minute ago, their deliveries never sent.
    for (const [i, userId] of fresh.entries()) await w.openChat({ chatId: `new${i}`, userId, openedAt: now - 60_000 - i * 1000, delivery: 'drop' });
    await openOldButActive(w, 200, now);
    const dropped = w.fake.state.received().deliveries.filter((d) => d.outcome === 'dropped');
    assert.equal(dropped.length, 30, 'the 30 deliveries were dropped');

    // A sweep ran five minutes ago, so the covered point is recent and every old chat is before it.
    const deps = w.deps({ coveredUntil: now - 5 * 60_000, pageLimit: 25, maxPages: 40, now: () => now });
    const first = await sweepOpenedChats(deps);
    assert.equal(first.error, undefined);
    assert.equal(first.pages, 10, 'all 230 chats read, 25 a page');
    assert.deepEqual(first.recovered.map((r) => r.chatId).sort(), fresh.map((_, i) => `new${i}`).sort());
    assert.equal(first.complete, true);
    assert.equal(first.cursor, null);
    const second = await sweepOpenedChats({ ...deps, coveredUntil: first.coveredUntil });
    assert.deepEqual(second.recovered, [], 'a second sweep recovers nothing');
    for (let i = 0; i < 30; i++) {
      assert.equal((await w.eventsOf(`new${i}`)).length, 1, `new${i}: one event`);
      assert.equal((await w.runsOf(`new${i}`)).length, 1, `new${i}: one run`);
    }
    assert.equal((await w.eventsOf('old0')).length, 0, 'old chats are not started');
  });

  test('a budget that runs out carries the cursor to the next sweep, which goes on from there', async () => {
    const w = await start();
    const now = Date.now();
    const users = Array.from({ length: 12 }, (_, i) => `bu${i}`);
    await w.addUsers(users);
    for (const [i, userId] of users.entries()) await w.openChat({ chatId: `bc${i}`, userId, openedAt: now - 60_000 - i * 1000, delivery: 'none' });
    const deps = w.deps({ coveredUntil: now - 10 * 60_000, pageLimit: 2, maxPages: 3, now: () => now });
    const first = await sweepOpenedChats(deps);
    assert.equal(first.pages, 3);
    assert.equal(first.complete, false);
    assert.equal(first.recovered.length, 6);
    assert.equal(typeof first.cursor, 'string', 'the position to go on from');
    assert.equal(first.coveredUntil, now - 10 * 60_000, 'nothing new covered');
    const second = await sweepOpenedChats({ ...deps, cursor: first.cursor });
    assert.equal(second.pages, 3);
    assert.equal(second.recovered.length, 6, 'the other six, none again');
    assert.equal(second.cursor, null, 'it reached the end of the list');
    assert.equal(second.complete, false, 'a pass spread over sweeps covers nothing new: a chat may have moved up meanwhile');
    const all = [...first.recovered, ...second.recovered].map((r) => r.chatId).sort();
    assert.deepEqual(all, users.map((_, i) => `bc${i}`).sort());
    const third = await sweepOpenedChats({ ...deps, cursor: second.cursor });
    assert.deepEqual(third.recovered, []);
    assert.equal(third.complete, false, 'it needs 6 pages but has 3');
  });

  test('a cursor that repeats stops the sweep', async () => {
    const w = await start();
    const users = Array.from({ length: 4 }, (_, i) => `ru${i}`);
    await w.addUsers(users);
    for (const [i, userId] of users.entries()) await w.openChat({ chatId: `rc${i}`, userId, delivery: 'none' });
    let calls = 0;
    // Channel Talk answering the same cursor again: without a check the sweep would read the same page to its budget.
    const looping: SweepDeps['client'] = {
      listUserChats: async (q, o) => {
        calls++;
        const page = await w.channel.client.listUserChats({ ...q, since: undefined }, o);
        return { ...page, next: 'same-cursor' };
      },
    };
    const r = await sweepOpenedChats(w.deps({ client: looping, pageLimit: 2, maxPages: 40 }));
    assert.equal(calls, 2, 'the second answer repeated the cursor the first gave');
    assert.equal(r.repeatedCursor, true);
    assert.equal(r.complete, false);
    assert.equal(r.cursor, null, 'no position is carried: the next sweep starts from the top');
    assert.equal(r.recovered.length, 2);
  });
});
