// The fake keeps a rate budget per endpoint family by default, as the public
// record shows (Channel Talk: "different APIs may have different rate limiting
// constraints"; a public connector budgets the chat list on its own). One
// budget for every endpoint stays available as the opt-in `shared` switch.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { FixedWindowLimiter, fakeFamilyOf } from '../../src/fake-channeltalk/rate-limit.js';
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
    // One request per family: each is the first of its own window, whatever second it falls in.
    assert.deepEqual(await statuses(oneOfEach), [200, 200, 200, 200, 200, 200], 'none refused');
    const r = await api(fake, 'GET', '/open/v5/channel');
    assert.equal(r.headers.get('x-ratelimit-limit'), '1');
  });

  void test('a chat-list storm does not spend the messages budget', async () => {
    await control(fake, 'POST', '/rate-limit', { perSecond: 2 });
    await freshSecond();
    const list = await statuses(Array.from({ length: 5 }, () => ['GET', '/open/v5/user-chats', undefined] as const));
    const send = await api(fake, 'POST', '/open/v5/user-chats/c1/messages', { body: simpleBody('fam-3') });
    assert.ok(list.filter((st) => st === 429).length >= 1, `the list was throttled: ${list.join(',')}`);
    assert.equal(send.status, 200);
    assert.equal(send.headers.get('x-ratelimit-remaining'), '1', 'the send counted against its own budget only');
  });

  void test('shared: true opts into one budget for every endpoint', async () => {
    await control(fake, 'POST', '/rate-limit', { perSecond: 1, shared: true });
    await freshSecond();
    // Six requests of six families at one per second: only a shared window refuses any (unless they took six seconds).
    const got = await statuses(oneOfEach);
    assert.ok(got.filter((st) => st === 429).length >= 1, got.join(','));
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

void describe('the fake limiter on its own (a fixed clock)', () => {
  const T = 1_700_000_000_000;

  void test('per family by default: each family counts against its own window', () => {
    const l = new FixedWindowLimiter();
    l.configure(1);
    const at = (path: string) => l.check('ch', path, T)?.allowed;
    assert.equal(at('/user-chats'), true);
    assert.equal(at('/user-chats'), false, 'the chat list is spent');
    assert.equal(at('/user-chats/c1'), false, 'one chat is the same family as the list');
    assert.equal(at('/user-chats/c1/messages'), true, 'messages have their own window');
    assert.equal(at('/users/u1'), true);
    assert.equal(at('/users/u1/events'), true);
    assert.equal(at('/webhooks'), true);
    assert.equal(at('/channel'), true);
    assert.equal(at('/user-chats/c1/messages'), false);
    assert.equal(l.check('other', '/user-chats', T)?.allowed, true, 'and per channel');
    assert.equal(l.check('ch', '/user-chats', T + 1000)?.allowed, true, 'the next window');
  });

  void test('shared: one window for every endpoint of a channel', () => {
    const l = new FixedWindowLimiter();
    l.configure(2, 'enforced', { shared: true });
    assert.deepEqual(['/user-chats', '/users/u1', '/user-chats/c1/messages'].map((p) => l.check('ch', p, T)?.allowed), [true, true, false]);
    l.configure(2);
    assert.equal(l.sharedBudget, false, 'configure without the switch goes back to per family');
  });

  void test('the families of the paths the client calls', () => {
    assert.deepEqual(
      ['/user-chats/c1/messages', '/user-chats', '/user-chats/c1', '/user-chats/c1/close', '/users/u1', '/users/u1/events', '/webhooks/w1', '/channel', '/managers'].map(fakeFamilyOf),
      ['messages', 'userChats', 'userChats', 'userChats', 'users', 'events', 'webhooks', 'channel', 'unknown'],
    );
  });
});
