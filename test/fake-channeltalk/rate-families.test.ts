// The fake keeps a rate budget per endpoint family by default, as the public
// record shows (Channel Talk: "different APIs may have different rate limiting
// constraints"; a public connector budgets the chat list on its own). One
// budget for every endpoint stays available as the opt-in `shared` switch.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { api, control, simpleBody, startTestFake } from './helpers.js';

let fake: FakeChannelTalk;
before(async () => {
  fake = await startTestFake();
});
after(async () => {
  await fake.close();
});
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
  await control(fake, 'POST', '/users', { users: [{ id: 'u1' }] });
});

/** Waits for the top of a fresh wall-clock second, so the requests that follow share the fake's window. */
const freshSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));

/** One request of each family, in this order. */
const oneOfEach = [
  ['POST', '/open/v5/user-chats/c1/messages', simpleBody('fam-1')],
  ['GET', '/open/v5/user-chats', undefined],
  ['GET', '/open/v5/users/u1', undefined],
  ['GET', '/open/v5/users/u1/events', undefined],
  ['GET', '/open/v5/webhooks', undefined],
  ['GET', '/open/v5/channel', undefined],
] as const;

async function statuses(reqs: ReadonlyArray<readonly [string, string, unknown]>): Promise<number[]> {
  const out: number[] = [];
  for (const [method, path, body] of reqs) out.push((await api(fake, method, path, body === undefined ? {} : { body })).status);
  return out;
}

void describe('the fake rate limit, per endpoint family', () => {
  void test('by default each family has its own budget: a spent chat list leaves the others their whole limit', async () => {
    await control(fake, 'POST', '/rate-limit', { perSecond: 1 });
    await freshSecond();
    const first = await statuses(oneOfEach);
    const again = await statuses([['GET', '/open/v5/user-chats', undefined], ['POST', '/open/v5/user-chats/c1/messages', simpleBody('fam-2')]]);
    // A second in which the test lost time would split the burst; only a shared window would refuse one of the first six.
    assert.deepEqual(first, [200, 200, 200, 200, 200, 200], 'one request per family per second: none refused');
    assert.deepEqual(again, [429, 429], 'each family still has its limit of one');
    const r = await api(fake, 'GET', '/open/v5/channel');
    assert.equal(r.headers.get('x-ratelimit-limit'), '1');
  });

  void test('a chat-list storm does not spend the messages budget', async () => {
    await control(fake, 'POST', '/rate-limit', { perSecond: 2 });
    await freshSecond();
    const list = await statuses(Array.from({ length: 5 }, () => ['GET', '/open/v5/user-chats', undefined] as const));
    const send = await api(fake, 'POST', '/open/v5/user-chats/c1/messages', { body: simpleBody('fam-3') });
    assert.deepEqual(list, [200, 200, 429, 429, 429]);
    assert.equal(send.status, 200);
    assert.equal(send.headers.get('x-ratelimit-remaining'), '1', 'the send counted against its own budget only');
  });

  void test('shared: true opts into one budget for every endpoint', async () => {
    await control(fake, 'POST', '/rate-limit', { perSecond: 2, shared: true });
    await freshSecond();
    const got = await statuses(oneOfEach.slice(0, 3));
    assert.deepEqual(got, [200, 200, 429]);
  });

  void test('reset goes back to per-family budgets', async () => {
    await control(fake, 'POST', '/rate-limit', { perSecond: 1, shared: true });
    await control(fake, 'POST', '/reset');
    await control(fake, 'POST', '/users', { users: [{ id: 'u1' }] });
    await control(fake, 'POST', '/rate-limit', { perSecond: 1 });
    await freshSecond();
    assert.deepEqual(await statuses(oneOfEach.slice(0, 2)), [200, 200]);
  });

  void test('an unknown shape of the switch is refused', async () => {
    const res = await fetch(`${fake.url}/_fake/rate-limit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ perSecond: 1, shared: 'yes' }) });
    assert.equal(res.status, 400);
  });
});
