// The missed-delivery sweep against the fake Channel Talk delivering to the
// real webhook app over a real SQLite store: with 30% of deliveries dropped,
// every chat ends with exactly one chatOpened event and one run; a second
// sweep recovers nothing; a late delivery after the sweep starts nothing.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { sweepOpenedChats, type SweepDeps } from '../../src/webhook/sweep.js';
import { ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import { loadCatalogue, renderWords } from '../../src/server/console/messages.js';
import { chatOpenedDelivery } from '../../src/fake-channeltalk/user-chats.js';
import { control } from '../fake-channeltalk/helpers.js';
import { CHANNEL_ID, startSweepWorld, type SweepWorld } from './sweep-harness.js';

let world: SweepWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function start(): Promise<SweepWorld> {
  world = await startSweepWorld();
  return world;
}

describe('sweepOpenedChats', () => {
  test('20 chats, 30% of deliveries dropped: every chat gets exactly one chatOpened event and one run; a second sweep recovers nothing', async () => {
    const w = await start();
    const users = Array.from({ length: 20 }, (_, i) => `swu${i}`);
    await w.addUsers(users);
    await control(w.fake, 'POST', '/webhooks/config', { dropRatio: 0.3, seed: 7 });
    for (const [i, userId] of users.entries()) await w.openChat({ chatId: `swc${i}`, userId });
    const deliveries = w.fake.state.received().deliveries.filter((d) => d.scope === 'userChat.opened');
    const dropped = deliveries.filter((d) => d.outcome === 'dropped').map((d) => d.entityId).sort();
    assert.equal(deliveries.length, 20);
    assert.ok(dropped.length >= 2 && dropped.length <= 12, `the seed drops some: ${dropped.length}`);
    assert.ok(deliveries.filter((d) => d.outcome !== 'dropped').every((d) => d.outcome === 200), 'the app took every delivery that came');

    const pauses: number[] = [];
    const first = await sweepOpenedChats(w.deps({ pause: () => Promise.resolve(void pauses.push(1)) }));
    assert.equal(first.error, undefined);
    assert.equal(first.complete, true);
    assert.equal(first.scanned, 20);
    assert.equal(first.pages, 4, '20 chats, 5 a page');
    assert.equal(pauses.length, 3, 'a pause between two pages');
    assert.deepEqual(first.recovered.map((r) => r.chatId).sort(), dropped, 'exactly the dropped chats are recovered');
    assert.ok(first.recovered.every((r) => r.runs.length === 1), 'each recovered chat started its run');
    assert.equal(first.coveredUntil, first.startedAt);

    for (let i = 0; i < 20; i++) {
      const chatId = `swc${i}`;
      const events = await w.eventsOf(chatId);
      assert.deepEqual(events, [{ kind: 'chatOpened', dedupe_key: `${CHANNEL_ID}/chatOpened:${chatId}` }], chatId);
      const runs = await w.runsOf(chatId);
      assert.equal(runs.length, 1, chatId);
      assert.equal(runs[0]?.curation_id, 'diet-main');
    }

    const second = await sweepOpenedChats(w.deps({ coveredUntil: first.coveredUntil }));
    assert.deepEqual(second.recovered, []);
    assert.equal(second.complete, true);
    const runs = await w.store.db.selectFrom('runs').select('id').execute();
    assert.equal(runs.length, 20, 'no second run anywhere');
  });

  test('a delivery that arrives late, after the sweep recovered its chat, starts nothing', async () => {
    const w = await start();
    await w.addUsers(['lateu']);
    await w.openChat({ chatId: 'latec', userId: 'lateu', delivery: 'drop' });
    const swept = await sweepOpenedChats(w.deps());
    assert.deepEqual(swept.recovered.map((r) => r.chatId), ['latec']);
    const chat = w.fake.state.userChats.get('latec');
    assert.ok(chat);
    const res = await fetch(`${w.appUrl}/webhooks/channeltalk?token=${w.webhookToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatOpenedDelivery(chat, w.fake.state.users.get('lateu'))),
    });
    assert.equal(res.status, 200);
    const json = (await res.json()) as { duplicate: boolean; runs: string[] };
    assert.equal(json.duplicate, true);
    assert.deepEqual(json.runs, []);
    assert.equal((await w.eventsOf('latec')).length, 1);
    assert.equal((await w.runsOf('latec')).length, 1);
    const stored = await w.store.db.selectFrom('events').select('summary_json').where('chat_id', '=', 'latec').executeTakeFirstOrThrow();
    assert.equal((JSON.parse(stored.summary_json) as { recoveredBy?: string }).recoveredBy, 'sweep', 'the stored event says the sweep recovered it');
    assert.deepEqual(swept.recovered[0]?.runs, (await w.runsOf('latec')).map((r) => r.id), 'the sweep reports the run it started');
  });

  test("a recovered chat is stored with the moment it opened, not the sweep's: a curation's now is when the customer asked", async () => {
    const w = await start();
    await w.addUsers(['whenu']);
    const openedAt = Date.now() - 7 * 60_000;
    await w.openChat({ chatId: 'whenc', userId: 'whenu', openedAt, delivery: 'drop' });
    const swept = await sweepOpenedChats(w.deps());
    assert.deepEqual(swept.recovered.map((r) => r.chatId), ['whenc']);
    const stored = await w.store.db.selectFrom('events').select('summary_json').where('chat_id', '=', 'whenc').executeTakeFirstOrThrow();
    assert.equal((JSON.parse(stored.summary_json) as { occurredAt?: number }).occurredAt, openedAt);
  });

  test('a chat whose delivery came while the sweep was at it counts as late, not recovered', async () => {
    const w = await start();
    await w.addUsers(['raceu']);
    await w.openChat({ chatId: 'racec', userId: 'raceu', delivery: 'none' });
    // hasEvent answered no, then the delivery committed first.
    const swept = await sweepOpenedChats(
      w.deps({
        hasEvent: async () => {
          const chat = w.fake.state.userChats.get('racec')!;
          await fetch(`${w.appUrl}/webhooks/channeltalk?token=${w.webhookToken}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chatOpenedDelivery(chat, w.fake.state.users.get('raceu'))) });
          return false;
        },
      }),
    );
    assert.deepEqual(swept.recovered, []);
    assert.equal(swept.late, 1);
    assert.equal((await w.runsOf('racec')).length, 1);
  });

  test('chats opened before the covered point minus the overlap are not looked at; paging goes on to the end of the list', async () => {
    const w = await start();
    const now = Date.now();
    const covered = now - 5 * 60_000;
    const users = Array.from({ length: 13 }, (_, i) => `pgu${i}`);
    await w.addUsers(users);
    // 10 chats opened long before the covered point, 3 after it, none delivered.
    for (let i = 0; i < 10; i++) await w.openChat({ chatId: `old${i}`, userId: users[i]!, openedAt: covered - 10 * 60_000 - i * 1000, delivery: 'none' });
    // One just inside the overlap: looked at again, and recovered since nothing covers it.
    await w.openChat({ chatId: 'overlap', userId: users[10]!, openedAt: covered - 60_000, delivery: 'none' });
    for (let i = 0; i < 2; i++) await w.openChat({ chatId: `new${i}`, userId: users[11 + i]!, openedAt: now - i * 1000, delivery: 'none' });
    const r = await sweepOpenedChats(w.deps({ coveredUntil: covered, pageLimit: 2, now: () => now }));
    assert.equal(r.stopAt, covered - 120_000);
    assert.deepEqual(r.recovered.map((x) => x.chatId).sort(), ['new0', 'new1', 'overlap']);
    assert.equal(r.pages, 7, 'no order is trusted: all 13 chats read, 2 a page');
    assert.equal(r.complete, true);
    assert.equal(r.coveredUntil, now);
    assert.equal((await w.eventsOf('old0')).length, 0, 'covered chats are not looked at');
  });

  test('without a covered point, chats older than the maximum age are left alone', async () => {
    const w = await start();
    const now = Date.now();
    await w.addUsers(['ageu1', 'ageu2']);
    await w.openChat({ chatId: 'ancient', userId: 'ageu1', openedAt: now - 2 * 3_600_000, delivery: 'none' });
    await w.openChat({ chatId: 'recent', userId: 'ageu2', openedAt: now - 60_000, delivery: 'none' });
    const r = await sweepOpenedChats(w.deps({ now: () => now, maxAgeMs: 3_600_000 }));
    assert.deepEqual(r.recovered.map((x) => x.chatId), ['recent']);
    assert.equal(r.complete, true);
  });

  test('a sweep that reaches its page limit is incomplete and covers nothing new', async () => {
    const w = await start();
    const users = Array.from({ length: 6 }, (_, i) => `mpu${i}`);
    await w.addUsers(users);
    for (const [i, u] of users.entries()) await w.openChat({ chatId: `mpc${i}`, userId: u, delivery: 'none' });
    const r = await sweepOpenedChats(w.deps({ coveredUntil: 12345, pageLimit: 2, maxPages: 2, now: () => Date.now(), maxAgeMs: Number.MAX_SAFE_INTEGER }));
    assert.equal(r.pages, 2);
    assert.equal(r.complete, false);
    assert.equal(r.coveredUntil, 12345);
    assert.equal(r.recovered.length, 4, 'what it did read is recovered');
  });

  test('Channel Talk failing midway: what was read is kept, the error is said, nothing new is covered', async () => {
    const w = await start();
    const users = ['efu0', 'efu1', 'efu2', 'efu3'];
    await w.addUsers(users);
    for (const [i, u] of users.entries()) await w.openChat({ chatId: `efc${i}`, userId: u, delivery: 'none' });
    let calls = 0;
    const flaky: SweepDeps['client'] = {
      listUserChats: (q, o) => {
        if (++calls === 2) return Promise.reject(new ChannelTalkUnavailableError({ reason: 'server_error', status: 503, method: 'GET', path: '/user-chats' }));
        return w.channel.client.listUserChats(q, o);
      },
    };
    const r = await sweepOpenedChats(w.deps({ client: flaky, pageLimit: 2, coveredUntil: 777 }));
    assert.equal(r.recovered.length, 2);
    assert.match(r.error ?? '', /Channel Talk unavailable for GET \/user-chats: server_error HTTP 503/);
    // The overview's sweep card words it from the catalogue: the same English, and Korean.
    assert.ok(r.errorWords);
    assert.equal(renderWords(loadCatalogue('en'), r.errorWords), r.error);
    assert.equal(renderWords(loadCatalogue('ko'), r.errorWords), '채널톡에 GET /user-chats 요청을 보내지 못했습니다: 서버 오류 (HTTP 503)');
    assert.equal(r.complete, false);
    assert.equal(r.coveredUntil, 777);
  });

  test('a chat a manager already answered is not started late; nothing is stored for it', async () => {
    const w = await start();
    await w.addUsers(['tku']);
    await w.openChat({ chatId: 'tkc', userId: 'tku', delivery: 'none' });
    const r = await sweepOpenedChats(w.deps({ takenOver: (chat) => Promise.resolve(chat.id === 'tkc') }));
    assert.deepEqual(r.recovered, []);
    assert.deepEqual(r.skipped, [{ chatId: 'tkc', reason: 'a manager has already written in the chat' }]);
    assert.equal((await w.eventsOf('tkc')).length, 0);
  });

  test('a recovered chat that matches no curation is stored as a chat opened, with no run (as its delivery would have been)', async () => {
    const w = await start();
    await w.addUsers(['ntu']);
    await w.openChat({ chatId: 'ntc', userId: 'ntu', delivery: 'none', tags: [] });
    const r = await sweepOpenedChats(w.deps());
    assert.deepEqual(r.recovered, [{ chatId: 'ntc', runs: [] }]);
    assert.deepEqual((await w.eventsOf('ntc')).map((e) => e.kind), ['chatOpened']);
  });

  test('the list calls are background calls, and under a rate limit the sweep draws no 429', async () => {
    const w = await start();
    const users = Array.from({ length: 8 }, (_, i) => `rlu${i}`);
    await w.addUsers(users);
    for (const [i, u] of users.entries()) await w.openChat({ chatId: `rlc${i}`, userId: u, delivery: 'none' });
    await control(w.fake, 'POST', '/rate-limit', { perSecond: 4 });
    const priorities: Array<string | undefined> = [];
    const watching: SweepDeps['client'] = {
      listUserChats: (q, o) => {
        priorities.push(o?.priority);
        return w.channel.client.listUserChats(q, o);
      },
    };
    const r = await sweepOpenedChats(w.deps({ client: watching, pageLimit: 1 }));
    assert.equal(r.recovered.length, 8);
    assert.ok(priorities.length >= 8 && priorities.every((p) => p === 'background'), JSON.stringify(priorities));
    assert.equal(w.fake.state.received().rateLimited, 0, 'no 429');
  });
});
