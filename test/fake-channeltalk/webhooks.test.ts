// The fake's webhooks and user chats: managed through /open/v5/webhooks like
// the real ones, called on chat opened with ?token=, blocked after failures
// in a row, deliveries dropped on purpose, chats listed newest first with a
// paging cursor.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { api, control, startTestFake } from './helpers.js';

let fake: FakeChannelTalk;
let receiver: FastifyInstance;
let receiverUrl: string;
let received: Array<{ token: unknown; body: Record<string, unknown> }> = [];
let answerWith = 200;

before(async () => {
  fake = await startTestFake();
  receiver = Fastify();
  receiver.post('/hook', async (req, reply) => {
    received.push({ token: (req.query as Record<string, unknown>).token, body: req.body as Record<string, unknown> });
    return reply.code(answerWith).send({ ok: answerWith < 400 });
  });
  await receiver.listen({ port: 0, host: '127.0.0.1' });
  const addr = receiver.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  receiverUrl = `http://127.0.0.1:${addr.port}/hook`;
});
after(async () => {
  await fake.close();
  await receiver.close();
});
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
  received = [];
  answerWith = 200;
});

const webhookBody = (url = receiverUrl) => ({ name: 'curation', url, scopes: ['userChat.opened', 'message.created.userChat'], apiVersion: 'v5' });
async function register(): Promise<{ id: string; token: string }> {
  const r = await api(fake, 'POST', '/open/v5/webhooks', { body: webhookBody() });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.webhook as { id: string; token: string };
}
const openChat = (extra: Record<string, unknown> = {}) =>
  control(fake, 'POST', '/user-chats', { channelId: '95334', userId: 'u1', tags: ['식단큐레이션받기'], ...extra });

void describe('webhooks resource', () => {
  void test('create, list, get, patch, delete; token and lastBlockedAt are read-only', async () => {
    const w = await register();
    assert.match(w.token, /^[0-9a-f]{32}$/);
    const list = await api(fake, 'GET', '/open/v5/webhooks');
    assert.deepEqual((list.body.webhooks as Array<{ id: string }>).map((x) => x.id), [w.id]);
    const patched = await api(fake, 'PATCH', `/open/v5/webhooks/${w.id}`, { body: { ...webhookBody(), scopes: ['userChat.opened'], token: 'mine' } });
    assert.equal(patched.status, 200);
    assert.deepEqual((patched.body.webhook as { scopes: string[] }).scopes, ['userChat.opened']);
    assert.equal((patched.body.webhook as { token: string }).token, w.token, 'token cannot be set');
    assert.equal((await api(fake, 'DELETE', `/open/v5/webhooks/${w.id}`)).status, 200);
    assert.equal((await api(fake, 'GET', `/open/v5/webhooks/${w.id}`)).status, 404);
  });

  void test('refuses what webhook.Webhook refuses', async () => {
    for (const body of [
      { url: receiverUrl, scopes: [], apiVersion: 'v5' },
      { ...webhookBody(), scopes: ['userChat.opened', 'userChat.opened'] },
      { ...webhookBody(), scopes: ['userChat.closed'] },
      { name: 'x', url: receiverUrl, scopes: [] },
      { ...webhookBody(), keywords: [] },
    ]) {
      const r = await api(fake, 'POST', '/open/v5/webhooks', { body });
      assert.equal(r.status, 422, JSON.stringify(body));
    }
    const w = await register();
    assert.equal((await api(fake, 'PATCH', `/open/v5/webhooks/${w.id}`, { body: { blocked: false } })).status, 422, 'PATCH takes the whole webhook.Webhook');
  });

  void test('a chat opened is delivered with ?token= and the userChat.opened shape', async () => {
    const w = await register();
    await control(fake, 'POST', '/users', { users: [{ id: 'u1', profile: { weight: 70 } }] });
    const r = await openChat();
    const chat = r.userChat as { id: string };
    assert.equal(received.length, 1);
    assert.equal(received[0]?.token, w.token);
    const body = received[0]?.body as { type: string; entity: { id: string; state: string }; refers: { user: { profile: unknown } } };
    assert.equal(body.type, 'userChat');
    assert.equal(body.entity.id, chat.id);
    assert.equal(body.entity.state, 'opened');
    assert.deepEqual(body.refers.user.profile, { weight: 70 });
  });

  void test('strict: PATCH blocked:false answers with the webhook still blocked; the desk unblocks; POST /webhooks can be made to answer 500', async () => {
    const w = await register();
    await control(fake, 'POST', `/webhooks/${w.id}/block`);
    const patched = await api(fake, 'PATCH', `/open/v5/webhooks/${w.id}`, { body: { ...webhookBody(), blocked: false } });
    assert.equal(patched.status, 200);
    assert.equal((patched.body.webhook as { blocked: boolean }).blocked, true, 'the answer shows the block stays');
    assert.equal(((await api(fake, 'GET', `/open/v5/webhooks/${w.id}`)).body.webhook as { blocked: boolean }).blocked, true);
    await control(fake, 'POST', `/webhooks/${w.id}/unblock`);
    assert.equal(((await api(fake, 'GET', `/open/v5/webhooks/${w.id}`)).body.webhook as { blocked: boolean }).blocked, false, 'the desk unblock works');
    await control(fake, 'POST', '/webhooks/config', { createFails: true });
    assert.equal((await api(fake, 'POST', '/open/v5/webhooks', { body: webhookBody() })).status, 500);
  });

  void test('blocked after failures in a row; with the apiUnblock switch, unblocking by PATCH blocked:false delivers again', async () => {
    const w = await register();
    await control(fake, 'POST', '/webhooks/config', { blockAfter: 3, apiUnblock: true });
    answerWith = 500;
    for (let i = 0; i < 4; i++) await openChat();
    assert.equal(received.length, 3, 'the fourth chat found the webhook blocked');
    const got = (await api(fake, 'GET', `/open/v5/webhooks/${w.id}`)).body.webhook as { blocked: boolean; lastBlockedAt?: number };
    assert.equal(got.blocked, true);
    assert.equal(typeof got.lastBlockedAt, 'number');
    answerWith = 200;
    await api(fake, 'PATCH', `/open/v5/webhooks/${w.id}`, { body: { ...webhookBody(), blocked: false } });
    await openChat();
    assert.equal(received.length, 4);
  });

  void test('a success resets the count of failures in a row', async () => {
    await register();
    await control(fake, 'POST', '/webhooks/config', { blockAfter: 2 });
    answerWith = 500;
    await openChat();
    answerWith = 200;
    await openChat();
    answerWith = 500;
    await openChat();
    const list = (await api(fake, 'GET', '/open/v5/webhooks')).body.webhooks as Array<{ blocked: boolean }>;
    assert.equal(list[0]?.blocked, false);
  });

  void test('drops: a ratio drops about that share, repeatably with a seed', async () => {
    await register();
    await control(fake, 'POST', '/webhooks/config', { dropRatio: 0.3, seed: 42 });
    for (let i = 0; i < 50; i++) await openChat();
    const snap = fake.state.received();
    const dropped = snap.deliveries.filter((d) => d.outcome === 'dropped').length;
    assert.equal(dropped + received.length, 50);
    assert.ok(dropped > 5 && dropped < 25, `dropped ${dropped} of 50`);
    assert.equal(fake.state.userChats.size, 50, 'a dropped delivery still opened the chat');
  });
});

void describe('GET /user-chats', () => {
  void test('newest first by openedAt, paged with next as the since cursor', async () => {
    for (let i = 1; i <= 7; i++) await openChat({ chatId: `c${i}`, openedAt: 1_000 + i, delivery: 'none' });
    await control(fake, 'POST', '/user-chats', { channelId: '777', userId: 'u9', chatId: 'other', delivery: 'none' });
    const seen: string[] = [];
    let since: string | undefined;
    for (;;) {
      const r = await api(fake, 'GET', `/open/v5/user-chats?state=opened&sortOrder=desc&limit=3${since ? `&since=${since}` : ''}`);
      assert.equal(r.status, 200);
      seen.push(...(r.body.userChats as Array<{ id: string }>).map((c) => c.id));
      if (typeof r.body.next !== 'string') break;
      since = r.body.next;
    }
    assert.deepEqual(seen, ['c7', 'c6', 'c5', 'c4', 'c3', 'c2', 'c1']);
  });

  void test('by default most recently active first; the openedAt order is a switch', async () => {
    for (let i = 1; i <= 3; i++) await openChat({ chatId: `a${i}`, openedAt: 1_000 + i, delivery: 'none' });
    // The customer of the oldest chat writes now: it moves to the top.
    await control(fake, 'POST', '/user-chats/a1/messages', { text: '안녕하세요', delivery: 'none' });
    const ids = async () => ((await api(fake, 'GET', '/open/v5/user-chats?state=opened&sortOrder=desc')).body.userChats as Array<{ id: string }>).map((c) => c.id);
    assert.deepEqual(await ids(), ['a1', 'a3', 'a2']);
    assert.equal((await control(fake, 'POST', '/user-chats/config', { order: 'openedAt' })).order, 'openedAt');
    assert.deepEqual(await ids(), ['a3', 'a2', 'a1']);
    await assert.rejects(control(fake, 'POST', '/user-chats/config', { order: 'sideways' }), /HTTP 400/);
  });

  void test('state filter, and a closed chat leaves the opened list', async () => {
    await openChat({ chatId: 'c1', delivery: 'none' });
    await openChat({ chatId: 'c2', delivery: 'none' });
    await api(fake, 'PATCH', '/open/v5/user-chats/c1/close?botName=Coach');
    const opened = await api(fake, 'GET', '/open/v5/user-chats?state=opened');
    assert.deepEqual((opened.body.userChats as Array<{ id: string }>).map((c) => c.id), ['c2']);
    const closed = await api(fake, 'GET', '/open/v5/user-chats?state=closed');
    assert.deepEqual((closed.body.userChats as Array<{ id: string }>).map((c) => c.id), ['c1']);
  });

  void test('bad parameters are 422', async () => {
    for (const q of ['state=assigned', 'limit=0', 'limit=501', 'since=notacursor', 'sortOrder=sideways']) {
      assert.equal((await api(fake, 'GET', `/open/v5/user-chats?${q}`)).status, 422, q);
    }
  });
});
