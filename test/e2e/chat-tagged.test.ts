// `on: chatTagged` end to end (issue 19 item 6): the real service against the
// strict fake. A Workflow adding the tag leaves a bot's log message (addTags),
// which starts the curation; a manager adding the same tag in the desk
// delivers nothing (no source documents a delivery for it), so it starts
// nothing; and the other reading, a manager's log message, is a manager's
// message: it starts nothing either.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startService, type Service } from '../../src/service.js';
import { startFakeChannelTalk, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { eventually, tempDir } from '../support/processes.js';

const CHANNEL = '95334';
const TOKEN = 'tagged-webhook-token';
const FINAL: string[] = ['completed', 'cancelled', 'failed', 'fallback', 'skipped'];

const CURATIONS: Record<string, string> = {
  'refund-tag.yaml': [
    'id: refund-tag',
    'defaultLanguage: ko',
    "trigger: { on: chatTagged, tags: ['환불결제조회'], workflows: ['58120'] }",
    'messages:',
    '  - text: 환불 예상 금액을 계산했어요',
    '  - delay: 1s',
    '    text: 궁금한 점은 언제든 물어보세요',
    '',
  ].join('\n'),
};

describe('end to end: a tag added to an open chat (strict fake)', () => {
  let fake: FakeChannelTalk;
  let svc: Service;

  before(async () => {
    const dir = tempDir();
    for (const [name, text] of Object.entries(CURATIONS)) writeFileSync(path.join(dir, name), text);
    fake = await startFakeChannelTalk({ accessKey: 'ak', accessSecret: 'as' });
    const config = loadConfig(
      {
        CHANNELTALK_ACCESS_KEY: 'ak',
        CHANNELTALK_ACCESS_SECRET: 'as',
        CHANNELTALK_WEBHOOK_TOKEN: TOKEN,
        CHANNELTALK_API_URL: fake.url,
        DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`,
        CURATIONS_DIR: dir,
        PORT: '0',
        HOST: '127.0.0.1',
        DELAY_SCALE: '0.1',
        WEBHOOK_HEALTH_INTERVAL_SECONDS: '0',
        SWEEP_INTERVAL_SECONDS: '0',
      },
      dir,
    );
    svc = await startService(config, pino({ level: 'silent' }));
    await control('/webhooks', { channelId: CHANNEL, url: `${svc.url}/webhooks/channeltalk`, scopes: ['userChat.opened', 'message.created.userChat'], token: TOKEN });
  });
  after(async () => {
    await svc?.stop();
    await fake?.close();
  });

  async function control(route: string, body: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${fake.url}/_fake${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, JSON.stringify(json));
    return json;
  }
  const sentTo = (chatId: string) => fake.state.messages.filter((m) => m.chatId === chatId);
  const runsOf = (chatId: string) => svc.store.db.selectFrom('runs').selectAll().where('chat_id', '=', chatId).execute();
  const eventsOf = (chatId: string) => svc.store.db.selectFrom('events').selectAll().where('chat_id', '=', chatId).orderBy('received_at').execute();
  const open = async (chatId: string) => {
    await control('/user-chats', { channelId: CHANNEL, userId: `user-${chatId}`, chatId, tags: ['상담중'], source: { workflow: { id: '58120', revisionId: '210334', sectionPath: ['p9x1Qe'] } } });
    // The opening is recorded (no chatOpened curation: no_match) before the tag comes, as in a real chat.
    await eventually(async () => ((await eventsOf(chatId)).length === 1 ? true : undefined), 10_000, 'the opening recorded');
  };
  const settled = async (chatId: string) =>
    eventually(async () => {
      const events = await eventsOf(chatId);
      return events.length > 0 && events.every((e) => e.status !== 'queued') ? events : undefined;
    }, 10_000, 'the events settled');

  test('a Workflow adds the tag: its log message starts the curation, which sends its sequence', async () => {
    await open('tagwf1');
    const answer = await control('/user-chats/tagwf1/tags', { tags: ['환불결제조회'], by: 'workflow', triggerId: '58120' });
    assert.equal((answer.deliveries as Array<{ outcome: unknown }>)[0]?.outcome, 200);
    const run = await eventually(async () => {
      const [r] = await runsOf('tagwf1');
      return r !== undefined && FINAL.includes(r.state) ? r : undefined;
    }, 20_000, 'the run to finish');
    assert.equal(run.state, 'completed', `the run ended ${run.state} (${run.reason ?? ''})`);
    assert.equal(run.curation_id, 'refund-tag');
    assert.deepEqual(sentTo('tagwf1').map((m) => (m.body.blocks as Array<{ value: string }>)[0]?.value), ['환불 예상 금액을 계산했어요', '궁금한 점은 언제든 물어보세요']);
    const events = await eventsOf('tagwf1');
    const tagged = events.find((e) => e.kind === 'chatTagged');
    assert.ok(tagged, `events: ${events.map((e) => e.kind).join(', ')}`);
    assert.equal(tagged.status, 'acted');
    assert.equal(tagged.dedupe_key, `${CHANNEL}/chatTagged:${String(answer.messageId)}`);
    assert.equal(run.event_id, tagged.id);
  });

  test('the same log message delivered twice starts one run', async () => {
    await open('tagdup1');
    const answer = await control('/user-chats/tagdup1/tags', { tags: ['환불결제조회'], by: 'workflow', triggerId: '58120' });
    await eventually(async () => ((await runsOf('tagdup1')).length === 1 ? true : undefined), 10_000, 'the run');
    // Channel Talk documents no delivery id and expects duplicates: the log message again, as it came.
    const body = {
      event: 'push',
      type: 'message',
      entity: { id: answer.messageId, channelId: CHANNEL, chatType: 'userChat', chatId: 'tagdup1', personType: 'bot', personId: 'bot-1', createdAt: Date.now(), log: { action: 'addTags', values: ['환불결제조회'], triggerType: 'workflow', triggerId: '58120' } },
      refers: { userChat: { id: 'tagdup1', channelId: CHANNEL, userId: 'user-tagdup1', state: 'opened', tags: ['상담중', '환불결제조회'], source: { workflow: { id: '58120', sectionPath: ['p9x1Qe'] } } } },
    };
    const res = await fetch(`${svc.url}/webhooks/channeltalk?token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const again = (await res.json()) as { status: string; duplicate?: boolean };
    assert.equal(res.status, 200);
    assert.equal(again.duplicate, true, JSON.stringify(again));
    assert.equal((await runsOf('tagdup1')).length, 1);
  });

  test('a tag that is not the curation\'s starts nothing', async () => {
    await open('tagother1');
    await control('/user-chats/tagother1/tags', { tags: ['배송문의'], by: 'workflow', triggerId: '58120' });
    const events = await settled('tagother1');
    assert.deepEqual(events.map((e) => [e.kind, e.status]), [['chatOpened', 'no_match'], ['chatTagged', 'no_match']]);
    assert.deepEqual(await runsOf('tagother1'), []);
  });

  test('a manager adds the tag in the desk: the strict fake delivers nothing, so nothing starts', async () => {
    await open('tagmgr1');
    const before = fake.state.webhooks.deliveries.length;
    const answer = await control('/user-chats/tagmgr1/tags', { tags: ['환불결제조회'], by: 'manager' });
    assert.deepEqual(answer.deliveries, [], 'nothing is delivered for a manager\'s tag');
    assert.deepEqual(answer.tags, ['상담중', '환불결제조회'], 'the chat carries the tag');
    await new Promise((r) => setTimeout(r, 1000));
    // Only echoes of our own messages (other tests' runs) were delivered since.
    const others = fake.state.webhooks.deliveries.slice(before).filter((d) => !fake.state.messages.some((m) => m.id === d.entityId));
    assert.deepEqual(others, []);
    assert.deepEqual((await eventsOf('tagmgr1')).map((e) => e.kind), ['chatOpened']);
    assert.deepEqual(await runsOf('tagmgr1'), []);
    assert.deepEqual(sentTo('tagmgr1'), []);
  });

  test("the other reading (deliverLog): a manager's log message of the tag is a manager's message and starts nothing", async () => {
    await open('tagmgr2');
    const answer = await control('/user-chats/tagmgr2/tags', { tags: ['환불결제조회'], by: 'manager', deliverLog: true });
    assert.equal((answer.deliveries as unknown[]).length, 1);
    const events = await settled('tagmgr2');
    assert.deepEqual(events.map((e) => e.kind), ['chatOpened', 'managerMessage']);
    assert.deepEqual(await runsOf('tagmgr2'), []);
    assert.deepEqual(sentTo('tagmgr2'), []);
  });
});
