// The client's webhook, user-chat list and user-event endpoints against the
// real started fake: the same CallOptions as every other endpoint, answers
// validated (lenient on unknown fields, clear on a wrong shape).
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { control, KEY, SECRET, startTestFake } from '../fake-channeltalk/helpers.js';

let fake: FakeChannelTalk;
before(async () => {
  fake = await startTestFake();
});
after(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.state.reset();
});

const client = (extra: Partial<ConstructorParameters<typeof ChannelTalkClient>[0]> = {}) =>
  new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, sleep: () => Promise.resolve(), ...extra });

const body = { name: 'curation', url: 'https://bot.example/webhooks/channeltalk', scopes: ['userChat.opened' as const], apiVersion: 'v5' };

void describe('webhook endpoints', () => {
  void test('create, list, get, update (whole body, blocked writable); token and lastBlockedAt read back', async () => {
    const c = client();
    const created = await c.createWebhook(body);
    assert.match(created.id, /^wh/);
    assert.match(created.token ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(created.scopes, ['userChat.opened']);
    const list = await c.listWebhooks();
    assert.deepEqual(list.webhooks.map((w) => w.id), [created.id]);
    assert.equal(list.next, undefined);
    await control(fake, 'POST', `/webhooks/${created.id}/block`);
    const blocked = await c.getWebhook(created.id);
    assert.equal(blocked.blocked, true);
    assert.equal(typeof blocked.lastBlockedAt, 'number');
    // The strict fake keeps the block on PATCH {blocked: false}; the answer says so.
    assert.equal((await c.updateWebhook(created.id, { ...body, blocked: false })).blocked, true);
    await control(fake, 'POST', '/webhooks/config', { apiUnblock: true });
    const updated = await c.updateWebhook(created.id, { ...body, scopes: ['userChat.opened', 'message.created.userChat'], blocked: false });
    assert.equal(updated.blocked, false);
    assert.deepEqual(updated.scopes, ['userChat.opened', 'message.created.userChat']);
    assert.equal(updated.token, created.token);
  });

  void test('listWebhooks pages with limit and the numeric next cursor', async () => {
    const c = client();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await c.createWebhook({ ...body, name: `w${i}` })).id);
      await new Promise((r) => setTimeout(r, 3));
    }
    const first = await c.listWebhooks({ limit: 2 });
    assert.equal(first.webhooks.length, 2);
    assert.equal(typeof first.next, 'number');
    const second = await c.listWebhooks({ limit: 2, since: first.next });
    assert.deepEqual([...first.webhooks, ...second.webhooks].map((w) => w.id).sort(), [...ids].sort());
  });

  void test('a webhook that does not exist is a rejection (404); a body the API refuses is 422', async () => {
    const c = client();
    await assert.rejects(c.getWebhook('whnope'), (e: unknown) => e instanceof ChannelTalkRejectedError && e.status === 404);
    await assert.rejects(
      c.createWebhook({ ...body, scopes: ['userChat.opened', 'userChat.opened'] }),
      (e: unknown) => e instanceof ChannelTalkRejectedError && e.status === 422,
    );
  });

  void test('an answer of the wrong shape is a clear error, never a crash deeper in', async () => {
    const odd = (payload: unknown): typeof fetch => () => Promise.resolve(new Response(JSON.stringify(payload), { status: 200 }));
    await assert.rejects(client({ fetch: odd({ webhook: { name: 'x' } }) }).getWebhook('wh1'), /unexpected answer shape from GET \/webhooks\/\{id\}/);
    await assert.rejects(client({ fetch: odd({ webhooks: 'none' }) }).listWebhooks(), /unexpected answer shape from GET \/webhooks/);
    await assert.rejects(client({ fetch: odd({ nothing: true }) }).listUserChats({ state: 'opened' }), /unexpected answer shape from GET \/user-chats/);
    // Unknown fields are kept, not refused.
    const w = await client({ fetch: odd({ webhook: { id: 'wh1', name: 'x', url: 'https://a/b', scopes: ['userChat.opened', 'someday.new'], apiVersion: 'v5', brandNew: 1 } }) }).getWebhook('wh1');
    assert.deepEqual(w.scopes, ['userChat.opened', 'someday.new']);
    assert.equal((w as Record<string, unknown>).brandNew, 1);
  });
});

void describe('listUserChats', () => {
  void test('newest first, paged by the next cursor, with the users of the page', async () => {
    await control(fake, 'POST', '/users', { users: [{ id: 'u1', profile: { weight: 70 } }] });
    for (let i = 1; i <= 5; i++) await control(fake, 'POST', '/user-chats', { channelId: '95334', userId: 'u1', chatId: `c${i}`, openedAt: 1_000 + i, delivery: 'none' });
    const c = client();
    const p1 = await c.listUserChats({ state: 'opened', sortOrder: 'desc', limit: 2 });
    assert.deepEqual(p1.userChats.map((x) => x.id), ['c5', 'c4']);
    assert.equal(p1.userChats[0]?.openedAt, 1_005);
    assert.deepEqual(p1.users.map((u) => u.id), ['u1']);
    assert.deepEqual(p1.users[0]?.profile, { weight: 70 });
    assert.equal(typeof p1.next, 'string');
    const p2 = await c.listUserChats({ state: 'opened', sortOrder: 'desc', limit: 2, since: p1.next });
    assert.deepEqual(p2.userChats.map((x) => x.id), ['c3', 'c2']);
  });

  void test('a listed chat that is not readable is counted, not fatal', async () => {
    const payload = { userChats: [{ id: 'ok1', openedAt: 5 }, 'junk', { openedAt: 3 }], users: [{ nope: 1 }], next: 'n' };
    const c = client({ fetch: () => Promise.resolve(new Response(JSON.stringify(payload), { status: 200 })) });
    const page = await c.listUserChats({ state: 'opened' });
    assert.deepEqual(page.userChats.map((x) => x.id), ['ok1']);
    assert.equal(page.unreadable, 2);
    assert.deepEqual(page.users, []);
    assert.equal(page.next, 'n');
  });
});

void describe('createUserEvent', () => {
  void test('records a user event with its property', async () => {
    await control(fake, 'POST', '/users', { users: [{ id: 'u1', profile: {} }] });
    const ev = await client().createUserEvent('u1', { name: 'curationCompleted', property: { curation: 'diet-main' } });
    assert.equal(ev.name, 'curationCompleted');
    const recorded = fake.state.received().userEvents;
    assert.equal(recorded.length, 1);
    assert.deepEqual(recorded[0]?.property, { curation: 'diet-main' });
  });
});

void describe('the same CallOptions', () => {
  void test('retry: false is one attempt on each new endpoint; a signal cancels each', async () => {
    let calls = 0;
    const failing: typeof fetch = () => {
      calls++;
      return Promise.resolve(new Response('', { status: 503 }));
    };
    const c = client({ fetch: failing });
    const each: Array<[string, (o: { retry?: boolean; signal?: AbortSignal }) => Promise<unknown>]> = [
      ['listWebhooks', (o) => c.listWebhooks({}, o)],
      ['getWebhook', (o) => c.getWebhook('wh1', o)],
      ['createWebhook', (o) => c.createWebhook(body, o)],
      ['updateWebhook', (o) => c.updateWebhook('wh1', body, o)],
      ['listUserChats', (o) => c.listUserChats({ state: 'opened' }, o)],
      ['createUserEvent', (o) => c.createUserEvent('u1', { name: 'x' }, o)],
    ];
    for (const [name, run] of each) {
      calls = 0;
      await assert.rejects(run({ retry: false }), ChannelTalkUnavailableError, name);
      assert.equal(calls, 1, name);
      await assert.rejects(run({ retry: false, signal: AbortSignal.abort(new Error('stop')) }), /stop/, name);
    }
  });
});
