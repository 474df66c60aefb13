// The strict fake (issue 17): it echoes our own messages back as
// message.created.userChat deliveries, as Channel Talk does (personType "bot",
// or "manager" with actAsManager, our requestId on both), and a test can make
// it deliver the system messages Channel Talk sends: log, sticker, phone call
// and a support-bot button click. Each is read by normalize() as the real one.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { api, control, simpleBody, startTestFake } from './helpers.js';
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
  await control(fake, 'POST', '/user-chats', { channelId: '95334', userId: 'u1', chatId: 'echochat1', delivery: 'none' });
});

const entityOf = (b: Record<string, unknown>) => b.entity as Record<string, unknown>;
const ofMessage = (id: string) => () => received.find((b) => entityOf(b).id === id);

void describe('echoes of our own messages (on by default)', () => {
  void test('a bot message comes back as personType bot with our requestId; actAsManager as personType manager', async () => {
    const plain = await api(fake, 'POST', '/open/v5/user-chats/echochat1/messages', { body: simpleBody('r_Q2hhbm5lbFRhbGtFY2hvMA-0') });
    assert.equal(plain.status, 200);
    const asManager = await api(fake, 'POST', '/open/v5/user-chats/echochat1/messages', { body: { ...simpleBody('r_Q2hhbm5lbFRhbGtFY2hvMA-1'), options: ['actAsManager'] } });
    assert.equal(asManager.status, 200);
    const botEcho = await eventually(ofMessage((plain.body.message as { id: string }).id), 5_000, 'the bot echo');
    const managerEcho = await eventually(ofMessage((asManager.body.message as { id: string }).id), 5_000, 'the manager echo');
    assert.equal(botEcho.event, 'push');
    assert.equal(entityOf(botEcho).personType, 'bot');
    assert.equal(entityOf(botEcho).requestId, 'r_Q2hhbm5lbFRhbGtFY2hvMA-0');
    assert.equal(entityOf(managerEcho).personType, 'manager');
    assert.equal(entityOf(managerEcho).requestId, 'r_Q2hhbm5lbFRhbGtFY2hvMA-1');
    assert.equal(normalize(botEcho).kind, 'botMessage', JSON.stringify(normalize(botEcho)));
    assert.equal(normalize(managerEcho).kind, 'ignored', 'our own actAsManager message is not a takeover');
  });

  void test('a repeated requestId is not echoed twice; echoes can be switched off', async () => {
    const a = await api(fake, 'POST', '/open/v5/user-chats/echochat1/messages', { body: simpleBody('r_Q2hhbm5lbFRhbGtFY2hvMA-5') });
    await api(fake, 'POST', '/open/v5/user-chats/echochat1/messages', { body: simpleBody('r_Q2hhbm5lbFRhbGtFY2hvMA-5') });
    await eventually(ofMessage((a.body.message as { id: string }).id), 5_000, 'the echo');
    await control(fake, 'POST', '/webhooks/config', { echoOwnMessages: false });
    const b = await api(fake, 'POST', '/open/v5/user-chats/echochat1/messages', { body: simpleBody('r_Q2hhbm5lbFRhbGtFY2hvMA-6') });
    assert.equal(b.status, 200);
    const echoes = fake.state.webhooks.deliveries.filter((d) => d.scope === 'message.created.userChat');
    assert.deepEqual(echoes.map((d) => d.entityId), [(a.body.message as { id: string }).id]);
  });
});

void describe('system messages, as Channel Talk sends them', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['log (other)', { kind: 'log', action: 'startMarketing' }, 'ignored'],
    ['log close', { kind: 'log', action: 'close' }, 'chatClosed'],
    ['log assign', { kind: 'log', action: 'assign', values: ['228036'] }, 'chatAssigned'],
    ['sticker', { kind: 'sticker' }, 'ignored'],
    ['phone call', { kind: 'meet' }, 'ignored'],
    ['button click', { kind: 'buttonClick', emoji: '🎁', shortcode: ':gift:', label: '선물' }, 'userMessage'],
  ];
  for (const [name, body, kind] of cases) {
    void test(`${name}: delivered as personType user, read as ${kind}`, async () => {
      const r = await control(fake, 'POST', '/user-chats/echochat1/system-messages', body);
      const delivery = await eventually(ofMessage(r.messageId as string), 5_000, name);
      assert.equal(entityOf(delivery).personType, 'user');
      assert.equal(normalize(delivery).kind, kind);
    });
  }

  void test('the button click carries the emoji in plainText and the shortcode in its blocks', async () => {
    const r = await control(fake, 'POST', '/user-chats/echochat1/system-messages', { kind: 'buttonClick', emoji: '🎁', shortcode: ':gift:', label: '선물' });
    const e = entityOf(await eventually(ofMessage(r.messageId as string), 5_000, 'the click'));
    assert.equal(e.plainText, '🎁 선물');
    assert.deepEqual(e.blocks, [{ type: 'text', value: ':gift: 선물' }]);
  });

  void test('log and meet messages carry no text', async () => {
    for (const kind of ['log', 'meet']) {
      const r = await control(fake, 'POST', '/user-chats/echochat1/system-messages', { kind, action: 'close' });
      const e = entityOf(await eventually(ofMessage(r.messageId as string), 5_000, kind));
      assert.equal(e.plainText, undefined);
      assert.equal(e.blocks, undefined);
    }
  });
});
