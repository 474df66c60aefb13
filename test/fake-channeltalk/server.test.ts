// The fake Channel Talk over raw HTTP: it must refuse what the real API
// refuses, or tests against it would pass on bodies production rejects.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { KEY, SECRET, api, control, simpleBody, startTestFake } from './helpers.js';

let fake: FakeChannelTalk;
before(async () => {
  fake = await startTestFake({ credentials: [{ accessKey: 'k2', accessSecret: 's2', channelId: '777' }] });
});
after(async () => {
  await fake.close();
});
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
});

const post = (chat: string, body: unknown, query = ''): ReturnType<typeof api> =>
  api(fake, 'POST', `/open/v5/user-chats/${chat}/messages${query}`, { body });

void describe('auth', () => {
  for (const [name, key, secret] of [
    ['no headers', null, null],
    ['wrong key', 'nope', SECRET],
    ['wrong secret', KEY, 'nope'],
    ['key of one channel, secret of another', KEY, 's2'],
  ] as const) {
    void test(`401 for ${name}`, async () => {
      const r = await api(fake, 'GET', '/open/v5/channel', { key, secret });
      assert.equal(r.status, 401);
      assert.equal(r.body.code, 'unauthorized');
    });
  }

  void test('the key pair decides the channel', async () => {
    const a = await api(fake, 'GET', '/open/v5/channel');
    const b = await api(fake, 'GET', '/open/v5/channel', { key: 'k2', secret: 's2' });
    assert.equal((a.body.channel as { id: string }).id, '95334');
    assert.equal((b.body.channel as { id: string }).id, '777');
    await api(fake, 'POST', '/open/v5/user-chats/c1/messages', { key: 'k2', secret: 's2', body: simpleBody('r') });
    assert.equal(fake.state.messages[0]?.channelId, '777');
  });
});

void describe('POST messages validation (422 like the real API)', () => {
  const bad: Array<[string, unknown]> = [
    [
      '3 buttons',
      {
        blocks: [{ type: 'text', value: 'x' }],
        buttons: [1, 2, 3].map((n) => ({ title: `b${n}`, action: { type: 'web', attributes: { url: 'https://x.io' } } })),
      },
    ],
    ['button without action', { blocks: [{ type: 'text', value: 'x' }], buttons: [{ title: 'go', url: 'https://x.io' }] }],
    ['missing blocks and plainText', { requestId: 'r' }],
    ['unknown option', { blocks: [{ type: 'text', value: 'x' }], options: ['loud'] }],
    ['raw <', { blocks: [{ type: 'text', value: 'a < b' }] }],
    ['raw < in a bullet', { blocks: [{ type: 'bullets', blocks: [{ type: 'text', value: '<script>' }] }] }],
    ['unknown block type', { blocks: [{ type: 'image', value: 'x' }] }],
    ['bad color', { blocks: [{ type: 'text', value: 'x' }], buttons: [{ title: 't', colorVariant: 'blue', action: { type: 'web', attributes: { url: 'https://x.io' } } }] }],
  ];
  for (const [name, body] of bad) {
    void test(`422 for ${name}`, async () => {
      const r = await post('c1', body);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.code, 'unprocessable_entity');
      assert.ok(Array.isArray(r.body.errors) && r.body.errors.length > 0);
      assert.equal(fake.state.messages.length, 0);
    });
  }

  void test('422 for an empty botName', async () => {
    const r = await post('c1', simpleBody('r'), '?botName=');
    assert.equal(r.status, 422);
  });

  void test('rejections are listed in /_fake/received', async () => {
    await post('c1', { blocks: [{ type: 'text', value: '<x>' }] });
    await api(fake, 'GET', '/open/v5/channel', { secret: 'bad' });
    const received = await control(fake, 'GET', '/received');
    const rejected = received.rejected as Array<{ status: number; path: string; reason: string }>;
    assert.deepEqual(
      rejected.map((r) => [r.status, r.path]),
      [
        [422, '/open/v5/user-chats/c1/messages'],
        [401, '/open/v5/channel'],
      ],
    );
    assert.match(rejected[0]?.reason ?? '', /unsupported tag/);
    assert.deepEqual(received.requests, { '422': 1, '401': 1 });
  });
});

void describe('POST messages acceptance and idempotency', () => {
  void test('accepted message: response shape and record', async () => {
    const body = { blocks: [{ type: 'text', value: 'Hi <b>there</b>' }], requestId: 'run-1-0' };
    const r = await post('c1', body, '?botName=Coach');
    assert.equal(r.status, 200);
    const message = r.body.message as Record<string, unknown>;
    assert.equal(message.chatId, 'c1');
    assert.equal(message.channelId, '95334');
    assert.equal(message.personType, 'bot');
    assert.equal(message.requestId, 'run-1-0');
    assert.equal(message.plainText, 'Hi there');
    assert.deepEqual(message.blocks, body.blocks);
    assert.deepEqual(r.body.bot, { id: 'fake-bot-Coach', name: 'Coach' });
    const rec = fake.state.messages[0];
    assert.equal(rec?.id, message.id);
    assert.equal(rec?.botName, 'Coach');
    assert.deepEqual(rec?.body, body);
    assert.equal(typeof rec?.receivedAt, 'number');
  });

  void test('same requestId in the same chat: one message, original answered, duplicate counted', async () => {
    const first = await post('c1', simpleBody('rid', 'one'));
    const second = await post('c1', simpleBody('rid', 'changed text'));
    assert.equal(second.status, 200);
    assert.equal((second.body.message as { id: string }).id, (first.body.message as { id: string }).id);
    assert.equal((second.body.message as { plainText: string }).plainText, 'one');
    assert.equal(fake.state.messages.length, 1);
    assert.equal(fake.state.duplicateRequestIds, 1);
    await post('c2', simpleBody('rid'));
    assert.equal(fake.state.messages.length, 2, 'requestIds are per chat');
  });

  void test('/_fake/received lists messages in arrival order across chats', async () => {
    for (const [chat, rid] of [
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
      ['c', '4'],
    ]) {
      await post(chat ?? '', simpleBody(rid ?? ''));
    }
    const received = await control(fake, 'GET', '/received');
    const messages = received.messages as Array<{ chatId: string; requestId: string; seq: number; receivedAt: number }>;
    assert.deepEqual(
      messages.map((m) => `${m.chatId}:${m.requestId}`),
      ['a:1', 'b:2', 'a:3', 'c:4'],
    );
    assert.deepEqual(
      messages.map((m) => m.seq),
      [1, 2, 3, 4],
    );
    for (let i = 1; i < messages.length; i++) assert.ok((messages[i]?.receivedAt ?? 0) >= (messages[i - 1]?.receivedAt ?? 0));
    const onlyA = await control(fake, 'GET', '/received?chatId=a');
    assert.equal((onlyA.messages as unknown[]).length, 2);
  });
});

void describe('GET messages', () => {
  void test('order, limit and cursor', async () => {
    for (let i = 1; i <= 5; i++) await post('c1', simpleBody(`r${i}`, `m${i}`));
    const texts = (b: Record<string, unknown>): string[] => (b.messages as Array<{ plainText: string }>).map((m) => m.plainText);
    const desc = await api(fake, 'GET', '/open/v5/user-chats/c1/messages?limit=2');
    assert.deepEqual(texts(desc.body), ['m5', 'm4']);
    assert.equal(typeof desc.body.next, 'string');
    const more = await api(fake, 'GET', `/open/v5/user-chats/c1/messages?limit=2&since=${String(desc.body.next)}`);
    assert.deepEqual(texts(more.body), ['m3', 'm2']);
    const asc = await api(fake, 'GET', '/open/v5/user-chats/c1/messages?sortOrder=asc');
    assert.deepEqual(texts(asc.body), ['m1', 'm2', 'm3', 'm4', 'm5']);
    assert.equal(asc.body.next, undefined);
    assert.ok(Array.isArray(asc.body.bots));
  });

  for (const q of ['limit=0', 'limit=501', 'limit=abc', 'sortOrder=up']) {
    void test(`422 for ${q}`, async () => {
      const r = await api(fake, 'GET', `/open/v5/user-chats/c1/messages?${q}`);
      assert.equal(r.status, 422);
    });
  }
});

void describe('users and chats', () => {
  void test('seeded users: GET, PATCH merges profile, validation', async () => {
    await control(fake, 'POST', '/users', { users: [{ id: 'u1', name: 'Kim', profile: { weight: 70, goal: 'cut' }, language: 'ko' }] });
    const got = await api(fake, 'GET', '/open/v5/users/u1');
    assert.equal(got.status, 200);
    assert.deepEqual((got.body.user as { profile: unknown }).profile, { weight: 70, goal: 'cut' });
    assert.ok('online' in got.body);

    const patched = await api(fake, 'PATCH', '/open/v5/users/u1', { body: { profile: { goal: 'bulk', mobileNumber: '+821012345678' } } });
    assert.equal(patched.status, 200);
    assert.deepEqual((patched.body.user as { profile: unknown }).profile, { weight: 70, goal: 'bulk', mobileNumber: '+821012345678' });
    assert.deepEqual(
      fake.state.profilePatches.map((p) => [p.userId, p.profile]),
      [['u1', { goal: 'bulk', mobileNumber: '+821012345678' }]],
    );

    assert.equal((await api(fake, 'PATCH', '/open/v5/users/u1', { body: { profile: { mobileNumber: '010-1234-5678' } } })).status, 422);
    assert.equal((await api(fake, 'PATCH', '/open/v5/users/u1', { body: { name: 'x' } })).status, 422);
    assert.equal((await api(fake, 'PATCH', '/open/v5/users/u1', { body: { profile: ['a'] } })).status, 422);
    assert.equal((await api(fake, 'GET', '/open/v5/users/nobody')).status, 404);
  });

  void test('close requires botName; records it; chat shows closed', async () => {
    const without = await api(fake, 'PATCH', '/open/v5/user-chats/c1/close');
    assert.equal(without.status, 422);
    assert.equal(fake.state.closes.length, 0);
    // A bodiless PATCH that still says content-type: application/json (as the client sends) is fine.
    const res = await fetch(`${fake.url}/open/v5/user-chats/c1/close?botName=Coach`, {
      method: 'PATCH',
      headers: { 'x-access-key': KEY, 'x-access-secret': SECRET, 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      fake.state.closes.map((c) => [c.chatId, c.botName]),
      [['c1', 'Coach']],
    );
    const chat = await api(fake, 'GET', '/open/v5/user-chats/c1');
    assert.equal((chat.body.userChat as { state: string }).state, 'closed');
  });

  void test('unknown /open/v5 path is 404 (after auth)', async () => {
    assert.equal((await api(fake, 'GET', '/open/v5/nothing-here')).status, 404);
  });
});

void describe('faults', () => {
  void test('429 fault carries rate-limit headers and Retry-After; counted', async () => {
    await control(fake, 'POST', '/faults', { next: ['429'] });
    const r = await post('c1', simpleBody('r'));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(Number(r.headers.get('x-ratelimit-reset')) > Date.now() / 1000);
    assert.ok(r.headers.get('x-ratelimit-limit'));
    assert.equal(r.headers.get('retry-after'), '1');
    assert.equal(fake.state.messages.length, 0, '429 never commits');
    assert.equal((await control(fake, 'GET', '/received')).rateLimited, 1);
  });

  void test("'drop' before commit: no answer, nothing recorded", async () => {
    await control(fake, 'POST', '/faults', { next: ['drop'], failAfterCommitRate: 0 });
    await assert.rejects(post('c1', simpleBody('r')));
    assert.equal(fake.state.messages.length, 0);
    assert.equal(fake.state.requests.dropped, 1);
  });

  void test("'drop' after commit: no answer, but the message was posted", async () => {
    await control(fake, 'POST', '/faults', { next: ['drop'], failAfterCommitRate: 1 });
    await assert.rejects(post('c1', simpleBody('r')));
    assert.equal(fake.state.messages.length, 1);
  });

  void test("'500' after commit answers 500 but recorded", async () => {
    await control(fake, 'POST', '/faults', { next: ['500', 'ok'], failAfterCommitRate: 1 });
    assert.equal((await post('c1', simpleBody('r'))).status, 500);
    assert.equal((await post('c1', simpleBody('r'))).status, 200);
    assert.equal(fake.state.messages.length, 1);
    assert.equal(fake.state.duplicateRequestIds, 1);
  });

  void test("'timeout' stalls for stallMs, then answers 504 (before commit)", async () => {
    await control(fake, 'POST', '/faults', { next: ['timeout'], stallMs: 150, failAfterCommitRate: 0 });
    const t0 = Date.now();
    const r = await post('c1', simpleBody('r'));
    assert.ok(Date.now() - t0 >= 140);
    assert.equal(r.status, 504);
  });

  void test('faults leave the control API alone', async () => {
    await control(fake, 'POST', '/faults', { failRate: 1, mix: ['500'] });
    const health = await control(fake, 'GET', '/healthz');
    assert.equal(health.ok, true);
    assert.equal((await api(fake, 'GET', '/open/v5/channel')).status, 500);
  });

  void test('seeded random faults are reproducible', async () => {
    const run = async (): Promise<number[]> => {
      await control(fake, 'POST', '/reset');
      await control(fake, 'POST', '/faults', { failRate: 0.5, mix: ['500', '503'], seed: 42 });
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await api(fake, 'GET', '/open/v5/channel')).status);
      return out;
    };
    const a = await run();
    assert.deepEqual(await run(), a);
    assert.ok(a.some((s) => s !== 200) && a.some((s) => s === 200), a.join(','));
  });

  void test('bad fault config is a 400', async () => {
    const res = await fetch(`${fake.url}/_fake/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failRate: 2 }),
    });
    assert.equal(res.status, 400);
  });
});

void describe('rate limit mode', () => {
  void test('every response carries the headers; over the limit is 429', async () => {
    await control(fake, 'POST', '/rate-limit', { perSecond: 3 });
    // Start at the top of a fresh second so the 4 requests share a window.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await api(fake, 'GET', '/open/v5/channel'));
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 429],
    );
    assert.deepEqual(
      answers.map((a) => a.headers.get('x-ratelimit-remaining')),
      ['2', '1', '0', '0'],
    );
    for (const a of answers) {
      assert.equal(a.headers.get('x-ratelimit-limit'), '3');
      assert.equal(a.headers.get('x-ratelimit-reset'), String(Math.floor(Date.now() / 1000) + 1));
    }
    assert.equal((await control(fake, 'GET', '/received')).rateLimited, 1);
    await control(fake, 'POST', '/rate-limit', { perSecond: null });
    assert.equal((await api(fake, 'GET', '/open/v5/channel')).headers.get('x-ratelimit-limit'), null);
  });

  void test('limits are per channel', async () => {
    await control(fake, 'POST', '/rate-limit', { perSecond: 1 });
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    assert.equal((await api(fake, 'GET', '/open/v5/channel')).status, 200);
    assert.equal((await api(fake, 'GET', '/open/v5/channel', { key: 'k2', secret: 's2' })).status, 200);
  });
});

void test('close() does not wait for a stalled request', async () => {
  const other = await startTestFake();
  other.state.faults.configure({ next: ['timeout'], stallMs: 60_000 });
  const pending = fetch(`${other.url}/open/v5/channel`, { headers: { 'x-access-key': KEY, 'x-access-secret': SECRET } }).then(
    () => 'answered',
    () => 'failed',
  );
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  await other.close();
  assert.ok(Date.now() - t0 < 2_000);
  assert.equal(await pending, 'failed');
});
