// Channel Talk says different APIs may have different rate limits, and one
// public connector keeps a separate budget for the chat list (issue 17 item
// 7). So the pacer keeps a budget per endpoint family (and, within a family,
// per priority): a 429 storm on one family never holds another, and live
// sends keep their share. An injected clock and a scripted fetch, so "was not
// delayed" is exact: the pacer slept not at all.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import { ENDPOINT_FAMILIES, familyOf } from '../../src/channeltalk/rate-budgets.js';
import { KEY, SECRET, simpleBody, startTestFake } from '../fake-channeltalk/helpers.js';

const T0 = 1_700_000_000_000;
const BODY = { blocks: [{ type: 'text' as const, value: 'hi' }], requestId: 'rid' };

function clock(start = T0): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

/** Channel Talk as scripted per request ("METHOD /path" → answer); every request is recorded. */
function channelTalk(answer: (call: string) => Response) {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const call = `${init?.method ?? 'GET'} ${url.pathname.replace('/open/v5', '')}`;
    calls.push(call);
    return Promise.resolve(answer(call));
  };
  return { calls, fetch: fetchImpl };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
/** A 429 as an enforced limit answers it: the window spent for 30 s more. */
const throttled = () =>
  json(429, { message: 'too many requests' }, { 'retry-after': '30', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String((T0 + 30_000) / 1000) });
const sent = () => json(200, { message: { id: 'm1' } }, { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '9', 'x-ratelimit-reset': String((T0 + 1_000) / 1000) });

function clientWith(c: ReturnType<typeof clock>, f: typeof fetch): ChannelTalkClient {
  return new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: f, now: c.now, sleep: c.sleep, timeoutMs: 10_000, random: () => 0 });
}

const sendOnce = (client: ChannelTalkClient) => client.sendMessage('chat-1', BODY, { retry: false, timeoutMs: 10_000 });

void describe('a budget per endpoint family', () => {
  void test('a 429 storm on the chat list (GET /user-chats), live or background, does not delay live sends at all', async () => {
    const c = clock();
    const ct = channelTalk((call) => (call === 'GET /user-chats' ? throttled() : sent()));
    const client = clientWith(c, ct.fetch);
    for (let i = 0; i < 5; i++) {
      // Live reads of the list too: what the list learns is the list's own.
      for (const priority of ['live', 'background'] as const) {
        await assert.rejects(client.listUserChats({ state: 'opened' }, { priority, retry: false, timeoutMs: 60_000 }), { reason: 'rate_limited' });
      }
      const [sleptBefore, at] = [c.sleeps.length, c.now()];
      const res = await sendOnce(client);
      assert.equal(res.messageId, 'm1');
      assert.equal(c.sleeps.length, sleptBefore, `send ${i} waited for nothing`);
      assert.equal(c.now(), at);
    }
    assert.ok(c.sleeps.length >= 1, 'the list honoured its own 429s');
    assert.equal(client.rateLimitState('userChats').remaining, 0, 'the chat list budget knows it is spent');
    assert.equal(client.rateLimitState('messages').remaining, 9, 'the messages budget knows only what sends told it');
    assert.equal(client.rateLimitState('messages').phase, 'monitoring');
  });

  void test('a send right after a chat-list 429 waits for nothing', async () => {
    const c = clock();
    const ct = channelTalk((call) => (call === 'GET /user-chats' ? throttled() : sent()));
    const client = clientWith(c, ct.fetch);
    await assert.rejects(client.listUserChats({ state: 'opened' }, { retry: false }), { reason: 'rate_limited' });
    await sendOnce(client);
    assert.deepEqual(c.sleeps, []);
    assert.equal(c.now(), T0);
    assert.deepEqual(ct.calls, ['GET /user-chats', 'POST /user-chats/chat-1/messages']);
  });

  void test('a 429 on users (GET /users/{id}) does not slow messages', async () => {
    const c = clock();
    const ct = channelTalk((call) => (call.startsWith('GET /users/') ? throttled() : sent()));
    const client = clientWith(c, ct.fetch);
    await assert.rejects(client.getUser('u1', { retry: false }), { reason: 'rate_limited' });
    await sendOnce(client);
    await sendOnce(client);
    assert.deepEqual(c.sleeps, [], 'the sends waited for nothing');
    // The users budget still honours its own 429: the next read of a user waits for its reset.
    await assert.rejects(client.getUser('u1', { retry: false, timeoutMs: 60_000 }), { reason: 'rate_limited' });
    assert.equal(c.sleeps.length, 1);
    assert.ok((c.sleeps[0] ?? 0) >= 30_000, `the user read waited ${c.sleeps[0]} ms`);
    assert.equal(client.rateLimitState('users').remaining, 0);
  });

  void test("a family's own 429 still holds that family: the next send waits for the messages reset", async () => {
    const c = clock();
    let n = 0;
    const ct = channelTalk(() => (++n === 1 ? throttled() : sent()));
    const client = clientWith(c, ct.fetch);
    await assert.rejects(sendOnce(client), { reason: 'rate_limited' });
    await client.sendMessage('chat-1', BODY, { retry: false, timeoutMs: 60_000 });
    assert.equal(c.sleeps.length, 1);
    assert.ok((c.sleeps[0] ?? 0) >= 30_000, `the send waited ${c.sleeps[0]} ms`);
  });

  void test('a user-event 429 and a webhook 429 do not slow messages either', async () => {
    const c = clock();
    const ct = channelTalk((call) => (call.includes('/events') || call.startsWith('GET /webhooks') ? throttled() : sent()));
    const client = clientWith(c, ct.fetch);
    await assert.rejects(client.createUserEvent('u1', { name: 'e' }, { retry: false }), { reason: 'rate_limited' });
    await assert.rejects(client.listWebhooks({}, { retry: false }), { reason: 'rate_limited' });
    await sendOnce(client);
    assert.deepEqual(c.sleeps, []);
    assert.equal(client.rateLimitState('events').remaining, 0);
    assert.equal(client.rateLimitState('webhooks').remaining, 0);
  });
});

void describe('every endpoint the client calls belongs to exactly one family', () => {
  const cases: Array<[string, string, (typeof ENDPOINT_FAMILIES)[number]]> = [
    ['POST', '/user-chats/c1/messages', 'messages'],
    ['GET', '/user-chats/c1/messages', 'messages'],
    ['GET', '/user-chats', 'userChats'],
    ['GET', '/user-chats/c1', 'userChats'],
    ['PATCH', '/user-chats/c1/close', 'userChats'],
    ['GET', '/users/u1', 'users'],
    ['PATCH', '/users/u1', 'users'],
    ['PUT', '/users/%40m1', 'users'],
    ['GET', '/users/u1/events', 'events'],
    ['POST', '/users/u1/events', 'events'],
    ['GET', '/webhooks', 'webhooks'],
    ['GET', '/webhooks/w1', 'webhooks'],
    ['POST', '/webhooks', 'webhooks'],
    ['PATCH', '/webhooks/w1', 'webhooks'],
    ['GET', '/channel', 'channel'],
  ];
  for (const [method, path, family] of cases) {
    void test(`${method} ${path} → ${family}`, () => {
      assert.equal(familyOf({ method: method as 'GET', path }), family);
    });
  }

  void test('a path of no known family is refused loudly, not paced under some default', () => {
    assert.throws(() => familyOf({ method: 'GET', path: '/managers' }), /no rate-limit family/);
    assert.throws(() => familyOf({ method: 'GET', path: '/user-chatsX' }), /no rate-limit family/);
  });

  void test('the client calls each endpoint helper through its family (and refuses an unknown path before sending)', async () => {
    const c = clock();
    const ct = channelTalk(() => sent());
    const client = clientWith(c, ct.fetch);
    await assert.rejects(client.request({ method: 'GET', path: '/managers' }), /no rate-limit family/);
    assert.deepEqual(ct.calls, [], 'nothing was sent');
  });
});

void describe('against the strict fake (a window per family, no switch turned on)', () => {
  void test('a 429 storm on the chat list leaves sends their whole limit: none waits, none is refused', async () => {
    const fake = await startTestFake();
    try {
      fake.state.rateLimit.configure(2);
      const client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, retry: false });
      // The storm: list reads as fast as they go, as another process on the same key pair might send them.
      const storm = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`${fake.url}/open/v5/user-chats?state=opened`, { headers: { 'x-access-key': KEY, 'x-access-secret': SECRET } }).then(async (r) => {
            await r.text();
            return r.status;
          }),
        ),
      );
      assert.ok(storm.filter((st) => st === 429).length >= 2, `the chat list was throttled: ${storm.join(',')}`);
      // The client's own list read meets the storm (or the next window): whatever it learns is the list's.
      await client.listUserChats({ state: 'opened' }).catch((e: unknown) => {
        if (!(e instanceof ChannelTalkUnavailableError)) throw e;
      });
      await client.sendMessage('chat-1', simpleBody('storm-1'));
      await client.sendMessage('chat-1', simpleBody('storm-2'));
      const messages = client.rateLimitBudgets().find((b) => b.family === 'messages' && b.priority === 'live');
      assert.equal(messages?.stats.rateLimitWaits, 0, 'no send waited for the pacer');
      assert.equal(fake.state.received().messages.length, 2);
      assert.ok(fake.state.rejected.every((r) => r.path === '/open/v5/user-chats'), JSON.stringify(fake.state.rejected.map((r) => r.path)));
    } finally {
      await fake.close();
    }
  });
});
