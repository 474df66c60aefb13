// The sweep against the strict fake, whose chat list is ordered by last
// activity (no switch turned on): 30 chats whose deliveries were never sent
// sit behind 200 chats opened two hours ago that customers wrote in just now.
// The service's interval sweep reads past the old ones and every dropped
// chat gets its sequence exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadCurations, plan } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { runIdFor, storedDedupeKey } from '../../src/delivery/ids.js';
import { ROOT, webhook } from '../support/fixtures.js';
import { eventually, serviceEnv, startFake, startService, WEBHOOK_TOKEN, type FakeProc, type ServiceProc } from '../support/processes.js';

const CHANNEL = '95334';
const NEW = 30;
const OLD = 200;

describe('end to end: a sweep finds dropped chats behind old-but-active ones', () => {
  let fake: FakeProc;
  let svc: ServiceProc;
  const fixture = webhook('user-chat-opened');
  const entity = fixture.entity as Record<string, unknown>;
  const profile = ((fixture.refers as Record<string, unknown>).user as { profile: Record<string, unknown> }).profile;
  const newIds = Array.from({ length: NEW }, (_, i) => `ordnew${String(i).padStart(3, '0')}`);
  const userOf = (i: number) => `orduser${String(i).padStart(3, '0')}`;

  before(async () => {
    fake = await startFake();
    svc = await startService(serviceEnv(fake, { SWEEP_INTERVAL_SECONDS: '30' }));
    await fake.control('/_fake/users', { users: newIds.map((_, i) => ({ id: userOf(i), name: `Customer ${i}`, profile, language: 'ko' })) });
    await fake.control('/_fake/webhooks', {
      channelId: CHANNEL,
      url: `${svc.url}/webhooks/channeltalk`,
      scopes: ['userChat.opened', 'message.created.userChat'],
      token: WEBHOOK_TOKEN,
    });
  });
  after(async () => {
    await svc?.stop();
    await fake?.stop();
  });

  test('30 dropped chats behind 200 old-but-active ones: each gets its sequence exactly once', async () => {
    // The sweep on start has run over an empty list: the next one, an interval later, is the one that must find them.
    await eventually(() => svc.lines.some((l) => l.includes('webhook sweep finished')), 30_000, 'the sweep on start');
    for (const [i, chatId] of newIds.entries()) {
      await fake.control('/_fake/user-chats', { channelId: CHANNEL, userId: userOf(i), chatId, tags: entity.tags, source: entity.source, delivery: 'drop' });
    }
    const now = Date.now();
    for (let i = 0; i < OLD; i++) {
      await fake.control('/_fake/user-chats', {
        channelId: CHANNEL,
        userId: `oldcustomer${i}`,
        chatId: `ordold${String(i).padStart(3, '0')}`,
        tags: entity.tags,
        source: entity.source,
        openedAt: now - 2 * 3_600_000 - i * 1000,
        lastActivityAt: now + 1000 - i,
        delivery: 'none',
      });
    }
    const deliveries = (await fake.received()).deliveries as Array<{ outcome: unknown }>;
    assert.equal(deliveries.filter((d) => d.outcome === 'dropped').length, NEW, 'no delivery of the 30 reached the service');

    const loaded = await loadCurations(path.join(ROOT, 'curations'));
    assert.ok(loaded.ok);
    const curation = loaded.set.byId('diet-main');
    assert.ok(curation);
    const expected = new Map(
      newIds.map((chatId, i) => {
        const event = normalize({ ...fixture, entity: { ...entity, id: chatId, userId: userOf(i) }, refers: { user: { id: userOf(i), profile } } });
        const p = plan(curation, event, event.profile, { runId: runIdFor('diet-main', storedDedupeKey(event)), now: Date.now() });
        return [chatId, p.messages.map((m) => m.body.requestId)];
      }),
    );
    const got = await eventually(
      async () => {
        const r = await fake.received();
        return newIds.every((c) => r.messages.filter((m) => m.chatId === c).length >= (expected.get(c)?.length ?? 1)) ? r : undefined;
      },
      90_000,
      'every dropped chat to receive its sequence',
    );
    for (const chatId of newIds) {
      assert.deepEqual(got.messages.filter((m) => m.chatId === chatId).map((m) => m.requestId), expected.get(chatId), `${chatId}: its sequence, once, in order`);
    }
    assert.ok(got.messages.every((m) => !m.chatId.startsWith('ordold')), 'the old chats got nothing');
    assert.equal(got.duplicateRequestIds, 0);
    const recovered = svc.lines.filter((l) => l.includes('webhook sweep recovered a chat'));
    assert.equal(recovered.length, NEW, 'each dropped chat recovered once');
  });
});
