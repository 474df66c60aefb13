// System messages and our own echoes, end to end (issue 17 items 3-5): the
// real service against the strict fake, which echoes every message we send
// back to the webhook (personType "manager" with actAsManager) and plays the
// log, sticker, phone-call and button-click messages Channel Talk sends.
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
const TOKEN = 'system-webhook-token';
// Delays scaled by DELAY_SCALE 0.1: 2s is 200 ms; the long run's 5s gaps leave a loaded machine time to stop it.
const paced = (n: number, tag: string, options = '', delay = '2s') =>
  Array.from({ length: n }, (_, i) => `  - ${i === 0 ? '' : `delay: ${delay}\n    `}text: ${tag} ${i + 1}${options}\n`).join('');

const CURATIONS: Record<string, string> = {
  'as-manager.yaml': `id: as-manager\ndefaultLanguage: ko\ntrigger: { on: chatOpened, chatTags: [asManager] }\nmessages:\n${paced(4, '매니저로', '\n    options: [actAsManager]')}`,
  'long-run.yaml': `id: long-run\ndefaultLanguage: ko\ntrigger: { on: chatOpened, chatTags: [longRun] }\nmessages:\n${paced(8, '긴 순서', '', '5s')}`,
  'gift-click.yaml': `id: gift-click\ndefaultLanguage: ko\ntrigger: { on: userMessage, keywords: [':gift: 선물'] }\nmessages:\n  - text: 선물 도착\n`,
  'thumbs.yaml': `id: thumbs\ndefaultLanguage: ko\ntrigger: { on: userMessage, keywords: [':+1:'] }\nmessages:\n  - text: 좋아요 감사\n`,
};

describe('end to end: system messages and our own echoes against the strict fake', () => {
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
    assert.equal(fake.state.webhooks.config.echoOwnMessages, true, 'the fake echoes by default');
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
  const open = (chatId: string, tags: string[]) => control('/user-chats', { channelId: CHANNEL, userId: `user-${chatId}`, chatId, tags });
  const echoesOf = (chatId: string) => fake.state.webhooks.deliveries.filter((d) => d.scope === 'message.created.userChat' && sentTo(chatId).some((m) => m.id === d.entityId));

  test('a curation with actAsManager completes its sequence: its own echoes (personType manager) are not a takeover', async () => {
    await open('asmgr1', ['asManager']);
    const run = await eventually(async () => {
      const [r] = await runsOf('asmgr1');
      return r !== undefined && ['completed', 'cancelled', 'failed', 'fallback'].includes(r.state) ? r : undefined;
    }, 20_000, 'the run to finish');
    assert.equal(run.state, 'completed', `the run ended ${run.state} (${run.reason ?? ''})`);
    assert.deepEqual(sentTo('asmgr1').map((m) => (m.body.options as string[] | undefined)?.[0]), ['actAsManager', 'actAsManager', 'actAsManager', 'actAsManager']);
    // Every echo came back and was answered 200, recorded as ours, not as a manager.
    await eventually(() => (echoesOf('asmgr1').length === 4 ? true : undefined), 10_000, 'the four echoes');
    assert.ok(echoesOf('asmgr1').every((d) => d.outcome === 200));
    const events = await eventually(async () => {
      const e = await eventsOf('asmgr1');
      return e.length === 5 ? e : undefined;
    }, 10_000, 'the echoes recorded');
    assert.deepEqual(events.map((e) => e.kind).sort(), ['chatOpened', 'ignored', 'ignored', 'ignored', 'ignored']);
  });

  test('a log close from the desk stops a running sequence', async () => {
    await open('logclose1', ['longRun']);
    await eventually(() => (sentTo('logclose1').length >= 1 ? true : undefined), 15_000, 'the first message');
    await control('/user-chats/logclose1/system-messages', { kind: 'log', action: 'close' });
    const run = await eventually(async () => {
      const [r] = await runsOf('logclose1');
      return r?.state === 'cancelled' ? r : undefined;
    }, 15_000, 'the run to stop');
    assert.match(run.reason ?? '', /chatClosed/);
    const after = sentTo('logclose1').length;
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(sentTo('logclose1').length <= after + 1, 'at most the message in flight follows');
    assert.ok(sentTo('logclose1').length < 8, 'the rest of the sequence was not sent');
  });

  test('a log assign from the desk stops a running sequence', async () => {
    await open('logassign1', ['longRun']);
    await eventually(() => (sentTo('logassign1').length >= 1 ? true : undefined), 15_000, 'the first message');
    await control('/user-chats/logassign1/system-messages', { kind: 'log', action: 'assign', values: ['228036'] });
    const run = await eventually(async () => {
      const [r] = await runsOf('logassign1');
      return r?.state === 'cancelled' ? r : undefined;
    }, 15_000, 'the run to stop');
    assert.match(run.reason ?? '', /chatAssigned/);
    assert.ok(sentTo('logassign1').length < 8);
  });

  test('a log message, a sticker and a phone call start nothing and are recorded as not the customer writing', async () => {
    await open('sysmsg1', []);
    for (const body of [{ kind: 'log', action: 'startMarketing' }, { kind: 'sticker' }, { kind: 'meet' }]) {
      const r = await control('/user-chats/sysmsg1/system-messages', body);
      assert.deepEqual((r.deliveries as Array<{ outcome: number }>).map((d) => d.outcome), [200]);
    }
    const events = await eventually(async () => {
      const e = await eventsOf('sysmsg1');
      return e.length === 4 ? e : undefined;
    }, 10_000, 'the four deliveries recorded');
    assert.deepEqual(events.slice(1).map((e) => [e.kind, e.status]), [['ignored', 'ignored'], ['ignored', 'ignored'], ['ignored', 'ignored']]);
    assert.ok(events.slice(1).every((e) => /not the customer writing/.test(e.reason ?? '')));
    assert.deepEqual(await runsOf('sysmsg1'), []);
    assert.deepEqual(sentTo('sysmsg1'), []);
  });

  test('a support-bot button click matches its keyword: written with the shortcode, clicked with the emoji', async () => {
    await open('click1', []);
    await control('/user-chats/click1/system-messages', { kind: 'buttonClick', emoji: '🎁', shortcode: ':gift:', label: '선물' });
    await eventually(() => (sentTo('click1').length === 1 ? true : undefined), 15_000, 'the gift curation');
    const [run] = await runsOf('click1');
    assert.equal(run?.curation_id, 'gift-click');
  });

  test('an emoji-only keyword written as a shortcode matches an emoji-only button click', async () => {
    await open('click2', []);
    await control('/user-chats/click2/system-messages', { kind: 'buttonClick', emoji: '👍', shortcode: ':thumbsup:' });
    await eventually(() => (sentTo('click2').length === 1 ? true : undefined), 15_000, 'the thumbs curation');
    const [run] = await runsOf('click2');
    assert.equal(run?.curation_id, 'thumbs');
  });
});
