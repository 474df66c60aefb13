// Missed deliveries are recovered: the fake Channel Talk drops 30% of the
// chat-opened deliveries on the floor; the service's sweep job (a recurring
// job on the engine) finds the chats no stored event covers, and after the
// next sweep every chat has received its sequence exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadCurations, plan } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { runIdFor, storedDedupeKey } from '../../src/delivery/ids.js';
import { ROOT, webhook } from '../support/fixtures.js';
import { eventually, serviceEnv, startFake, startService, WEBHOOK_TOKEN, type FakeProc, type ServiceProc } from '../support/processes.js';

const CHATS = 20;
const CHANNEL = '95334';

interface Delivery {
  scope: string;
  entityId: string;
  outcome: number | null | 'dropped';
}

describe('end to end: a sweep recovers the chat-opened deliveries Channel Talk never sent', () => {
  let fake: FakeProc;
  let svc: ServiceProc;
  const fixture = webhook('user-chat-opened');
  const entity = fixture.entity as Record<string, unknown>;
  const profile = ((fixture.refers as Record<string, unknown>).user as { profile: Record<string, unknown> }).profile;
  const chatIds = Array.from({ length: CHATS }, (_, i) => `sweepchat${String(i).padStart(3, '0')}`);
  const userOf = (i: number) => `sweepuser${String(i).padStart(3, '0')}`;

  before(async () => {
    fake = await startFake();
    // The shortest sweep interval the configuration allows; the first sweep runs at start.
    svc = await startService(serviceEnv(fake, { SWEEP_INTERVAL_SECONDS: '30' }));
    await fake.control('/_fake/users', { users: chatIds.map((_, i) => ({ id: userOf(i), name: `Customer ${i}`, profile, language: 'ko' })) });
    await fake.control('/_fake/webhooks', {
      channelId: CHANNEL,
      url: `${svc.url}/webhooks/channeltalk`,
      scopes: ['userChat.opened', 'message.created.userChat'],
      token: WEBHOOK_TOKEN,
    });
    await fake.control('/_fake/webhooks/config', { dropRatio: 0.3, seed: 20261201 });
  });
  after(async () => {
    await svc?.stop();
    await fake?.stop();
  });

  test('30% of the deliveries dropped: after the next sweep every chat got its sequence exactly once', async () => {
    for (const [i, chatId] of chatIds.entries()) {
      await fake.control('/_fake/user-chats', { channelId: CHANNEL, userId: userOf(i), chatId, tags: entity.tags, source: entity.source });
    }
    // The chat-opened deliveries: the strict fake also echoes every message the service sends.
    const deliveries = ((await fake.received()).deliveries as Delivery[]).filter((d) => d.scope === 'userChat.opened');
    const dropped = deliveries.filter((d) => d.outcome === 'dropped').map((d) => d.entityId);
    assert.equal(deliveries.length, CHATS);
    assert.ok(dropped.length >= 3, `the fake dropped ${dropped.length} of ${CHATS}: too few to show recovery`);
    assert.ok(deliveries.filter((d) => d.outcome !== 'dropped').every((d) => d.outcome === 200), 'every delivered one was accepted');

    // What each chat must get: the plan of its chat-opened delivery (the same for every chat but its ids).
    const loaded = await loadCurations(path.join(ROOT, 'curations'));
    assert.ok(loaded.ok);
    const curation = loaded.set.byId('diet-main');
    assert.ok(curation);
    const expected = new Map(
      chatIds.map((chatId, i) => {
        const event = normalize({ ...fixture, entity: { ...entity, id: chatId, userId: userOf(i) }, refers: { user: { id: userOf(i), profile } } });
        const p = plan(curation, event, event.profile, { runId: runIdFor('diet-main', storedDedupeKey(event)), now: Date.now() });
        return [chatId, p.messages.map((m) => m.body.requestId)];
      }),
    );

    const got = await eventually(
      async () => {
        const r = await fake.received();
        const done = chatIds.every((c) => r.messages.filter((m) => m.chatId === c).length >= (expected.get(c)?.length ?? 1));
        return done ? r : undefined;
      },
      75_000,
      'every chat, the dropped ones included, to receive its sequence',
    );
    for (const chatId of chatIds) {
      const mine = got.messages.filter((m) => m.chatId === chatId).map((m) => m.requestId);
      assert.deepEqual(mine, expected.get(chatId), `chat ${chatId}${dropped.includes(chatId) ? ' (delivery dropped)' : ''}: exactly its sequence, once, in order`);
    }
    assert.equal(got.duplicateRequestIds, 0);
    assert.deepEqual(got.rejected, []);

    // The dropped deliveries arrive late (Channel Talk's own retry, if any): they start nothing.
    for (const chatId of dropped) {
      const i = chatIds.indexOf(chatId);
      const late = await svc.postWebhook({ ...fixture, entity: { ...entity, id: chatId, userId: userOf(i) }, refers: { user: { id: userOf(i), profile } } });
      assert.equal(late.status, 200);
      assert.equal(late.json.duplicate, true, `the late delivery of ${chatId} is a duplicate of the recovered event`);
    }
    await new Promise((r) => setTimeout(r, 500));
    const final = await fake.received();
    assert.equal(final.messages.length, got.messages.length, 'nothing more was sent');

    // The log says what the sweep recovered, by chat id.
    const recoveredLines = svc.lines.filter((l) => l.includes('webhook sweep recovered a chat'));
    for (const chatId of dropped) assert.ok(recoveredLines.some((l) => l.includes(chatId)), `the log names the recovered chat ${chatId}`);
  });
});
