// Tags added to a user chat in the strict fake (issue 19 item 6). No webhook
// scope delivers a chat's tags. A tag a support bot or a Workflow adds leaves
// a bot's log message (`log.action: addTags`), delivered on
// message.created.userChat; for a tag a manager adds in the desk the record
// documents no delivery, so the fake delivers none unless asked (`deliverLog`).
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { api, control, startTestFake } from './helpers.js';
import { eventually } from '../support/processes.js';

let fake: FakeChannelTalk;
let receiver: FastifyInstance;
let receiverUrl: string;
let received: Array<Record<string, unknown>> = [];

before(async () => {
  fake = await startTestFake();
  receiver = Fastify();
  receiver.post('/hook', (req, reply) => {
    received.push(req.body as Record<string, unknown>);
    void reply.send({ ok: true });
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
  const r = await api(fake, 'POST', '/open/v5/webhooks', { body: { name: 'curation', url: receiverUrl, scopes: ['userChat.opened', 'message.created.userChat'], apiVersion: 'v5' } });
  assert.equal(r.status, 200);
  await control(fake, 'POST', '/user-chats', {
    channelId: '95334',
    userId: 'u1',
    chatId: 'tagchat1',
    tags: ['상담중'],
    source: { workflow: { id: '58120', revisionId: '210334', sectionPath: ['p9x1Qe'] } },
    delivery: 'none',
  });
});

async function addTags(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}/_fake/user-chats/tagchat1/tags`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const chatTags = async () => ((await api(fake, 'GET', '/open/v5/user-chats/tagchat1')).body.userChat as { tags: string[] }).tags;

void describe('tags added by a Workflow or a support bot: a bot log message', () => {
  void test('one message.created.userChat delivery, shaped like the description, read as chatTagged', async () => {
    const answer = await addTags({ tags: ['환불결제조회'], by: 'workflow', triggerId: '58120' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal((answer.body.deliveries as unknown[]).length, 1);
    const body = await eventually(() => received[0], 5_000, 'the log message');
    assert.equal(body.event, 'push');
    assert.equal(body.type, 'message');
    const entity = body.entity as Record<string, unknown>;
    assert.equal(entity.personType, 'bot');
    assert.equal(entity.chatId, 'tagchat1');
    assert.equal(entity.plainText, undefined, 'a log message has no text');
    assert.deepEqual(entity.log, { action: 'addTags', values: ['환불결제조회'], triggerType: 'workflow', triggerId: '58120' });
    assert.deepEqual((body.refers as { userChat: { tags: string[] } }).userChat.tags, ['상담중', '환불결제조회']);
    const e = normalize(body);
    assert.equal(e.kind, 'chatTagged');
    if (e.kind === 'chatTagged') {
      assert.deepEqual(e.tags, ['환불결제조회']);
      assert.deepEqual(e.workflow, { id: '58120', sectionPath: ['p9x1Qe'] });
      assert.equal(e.messageId, answer.body.messageId);
    }
    assert.deepEqual(await chatTags(), ['상담중', '환불결제조회']);
  });

  void test('a support bot names itself as the trigger; a tag the chat already has is not added again', async () => {
    await addTags({ tags: ['상담중', 'VIP'], by: 'supportBot', triggerId: '43684' });
    const body = await eventually(() => received[0], 5_000, 'the log message');
    assert.deepEqual((body.entity as { log: unknown }).log, { action: 'addTags', values: ['VIP'], triggerType: 'supportBot', triggerId: '43684' });
    assert.deepEqual(await chatTags(), ['상담중', 'VIP']);
  });

  void test('nothing new to add: no log message', async () => {
    const answer = await addTags({ tags: ['상담중'], by: 'workflow', triggerId: '58120' });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.deliveries, []);
  });
});

void describe('tags a manager adds in the desk', () => {
  void test('strict (default): the chat carries the tag and nothing is delivered, as no source documents a delivery', async () => {
    const answer = await addTags({ tags: ['환불결제조회'], by: 'manager' });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.deliveries, []);
    assert.deepEqual(await chatTags(), ['상담중', '환불결제조회']);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(received, []);
  });

  void test("deliverLog (opt-in): the other reading, a manager's log message, which is a manager's message, not chatTagged", async () => {
    const answer = await addTags({ tags: ['환불결제조회'], by: 'manager', deliverLog: true });
    assert.equal((answer.body.deliveries as unknown[]).length, 1);
    const body = await eventually(() => received[0], 5_000, 'the log message');
    const entity = body.entity as Record<string, unknown>;
    assert.equal(entity.personType, 'manager');
    assert.deepEqual(entity.log, { action: 'addTags', values: ['환불결제조회'], triggerType: 'manager', triggerId: '228036' });
    assert.equal(normalize(body).kind, 'managerMessage');
  });
});

void describe('refused', () => {
  void test('more than a chat holds (8 tags), an unknown chat, deliverLog for a bot, a bad body', async () => {
    const many = await addTags({ tags: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], by: 'workflow', triggerId: '58120' });
    assert.equal(many.status, 400);
    assert.match(String(many.body.message), /at most 8 tags/);
    assert.deepEqual(await chatTags(), ['상담중'], 'nothing was added');
    const res = await fetch(`${fake.url}/_fake/user-chats/nochat/tags`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['x'], by: 'manager' }) });
    assert.equal(res.status, 404);
    assert.equal((await addTags({ tags: ['x'], by: 'workflow', triggerId: '58120', deliverLog: false })).status, 400);
    assert.equal((await addTags({ tags: [], by: 'workflow', triggerId: '58120' })).status, 400);
    assert.equal((await addTags({ tags: ['x'], by: 'someone' })).status, 400);
    assert.equal((await addTags({ tags: ['x'], by: 'workflow' })).status, 400, 'a bot or a Workflow names itself');
    assert.deepEqual(received, []);
  });
});
