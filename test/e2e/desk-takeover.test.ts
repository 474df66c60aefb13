// Desk takeovers that no webhook delivers (issue 17 item 3), end to end: the
// strict fake changes the chat when a manager assigns it, gives it to a team,
// snoozes or closes it, and delivers nothing; the service reads the chat
// before each message (TAKEOVER_CHECK_SECONDS) and stops the run as a takeover.
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
const TOKEN = 'desk-webhook-token';
const CHECK_SECONDS = 0.2;
const FINAL: string[] = ['completed', 'cancelled', 'failed', 'fallback', 'skipped'];
// DELAY_SCALE 0.1: the 5s gaps are 500 ms, longer than the check interval, so each message is preceded by a read.
const paced = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `  - ${i === 0 ? '' : 'delay: 5s\n    '}text: ${tag} ${i + 1}\n`).join('');

const CURATIONS: Record<string, string> = {
  'long-run.yaml': `id: long-run\ndefaultLanguage: ko\ntrigger: { on: chatOpened, chatTags: [longRun] }\nmessages:\n${paced(10, '긴 순서')}`,
  'close-only.yaml': `id: close-only\ndefaultLanguage: ko\ntrigger: { on: chatOpened, chatTags: [closeOnly] }\ntakeover: { onChatRead: [closed] }\nmessages:\n${paced(4, '닫힘만')}`,
};

describe('end to end: desk changes no webhook delivers stop a sequence (strict fake)', () => {
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
        TAKEOVER_CHECK_SECONDS: String(CHECK_SECONDS),
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
  const runOf = async (chatId: string) => (await svc.store.db.selectFrom('runs').selectAll().where('chat_id', '=', chatId).execute())[0];
  const open = (chatId: string, tags: string[]) => control('/user-chats', { channelId: CHANNEL, userId: `user-${chatId}`, chatId, tags });
  // What was delivered besides the chat's opening and the echoes of our own messages.
  const otherDeliveries = (chatId: string, from: number) =>
    fake.state.webhooks.deliveries.slice(from).filter((d) => d.scope !== 'userChat.opened' && !sentTo(chatId).some((m) => m.id === d.entityId));

  async function stoppedByDesk(chatId: string, action: Record<string, unknown>, why: RegExp): Promise<void> {
    const before = fake.state.webhooks.deliveries.length;
    await open(chatId, ['longRun']);
    await eventually(() => (sentTo(chatId).length >= 2 ? true : undefined), 15_000, 'two messages');
    const answer = await control(`/user-chats/${chatId}/desk`, action);
    assert.deepEqual(answer.deliveries, [], 'the strict fake delivers nothing for a desk change');
    const atChange = sentTo(chatId).length;
    const run = await eventually(async () => {
      const r = await runOf(chatId);
      return r !== undefined && FINAL.includes(r.state) ? r : undefined;
    }, 15_000, 'the run to stop');
    assert.equal(run.state, 'cancelled', `the run ended ${run.state} (${run.reason ?? ''})`);
    assert.match(run.reason ?? '', why);
    assert.match(run.reason ?? '', /^human takeover: .* \(read before message \d+\)$/);
    // Within the check interval plus one message: at most the message in flight when the desk changed.
    assert.ok(sentTo(chatId).length <= atChange + 1, `${sentTo(chatId).length - atChange} messages after the desk change`);
    const settled = sentTo(chatId).length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sentTo(chatId).length, settled, 'nothing more is sent');
    assert.ok(sentTo(chatId).length < 10);
    // No webhook told the service: only our own echoes were delivered after the change.
    assert.deepEqual(otherDeliveries(chatId, before), []);
  }

  test('a chat assigned to a manager from the desk stops receiving messages', async () => {
    await stoppedByDesk('deskassign1', { action: 'assign' }, /chat assigned/);
  });

  test('a chat given to a team only (teamId, no assigneeId) stops receiving messages', async () => {
    await stoppedByDesk('deskteam1', { action: 'team', teamId: '7001' }, /chat given to a team/);
  });

  test('a chat closed from the desk stops receiving messages', async () => {
    await stoppedByDesk('deskclose1', { action: 'close' }, /chat closed/);
  });

  test('a chat snoozed from the desk stops receiving messages', async () => {
    await stoppedByDesk('desksnooze1', { action: 'snooze' }, /chat snoozed/);
  });

  test('a curation whose onChatRead leaves out assignments keeps sending into an assigned chat', async () => {
    await open('closeonly1', ['closeOnly']);
    await eventually(() => (sentTo('closeonly1').length >= 1 ? true : undefined), 15_000, 'the first message');
    await control('/user-chats/closeonly1/desk', { action: 'assign' });
    const run = await eventually(async () => {
      const r = await runOf('closeonly1');
      return r !== undefined && FINAL.includes(r.state) ? r : undefined;
    }, 15_000, 'the run to finish');
    assert.equal(run.state, 'completed', `the run ended ${run.state} (${run.reason ?? ''})`);
    assert.equal(sentTo('closeonly1').length, 4);
  });

  test('the kinder fake, opted in per action (deliverLog), also delivers the log message of a desk close', async () => {
    await open('desklog1', ['closeOnly']);
    await eventually(() => (sentTo('desklog1').length >= 1 ? true : undefined), 15_000, 'the first message');
    const answer = await control('/user-chats/desklog1/desk', { action: 'close', deliverLog: true });
    assert.equal((answer.deliveries as unknown[]).length, 1, 'one log message delivered');
    const run = await eventually(async () => {
      const r = await runOf('desklog1');
      return r !== undefined && FINAL.includes(r.state) ? r : undefined;
    }, 15_000, 'the run to stop');
    assert.equal(run.state, 'cancelled');
  });

  test('a chat read that fails transiently (503) is retried like a send, and the run goes on', async () => {
    // The chat's first call to Channel Talk is the read before message 1 (no profile to fetch).
    await control('/faults', { next: ['503'] });
    await open('readfail1', ['closeOnly']);
    const run = await eventually(async () => {
      const r = await runOf('readfail1');
      return r !== undefined && FINAL.includes(r.state) ? r : undefined;
    }, 30_000, 'the run to finish');
    assert.equal(run.state, 'completed', `the run ended ${run.state} (${run.reason ?? ''})`);
    assert.equal(sentTo('readfail1').length, 4);
    const attempts = await svc.store.db.selectFrom('attempts').selectAll().where('run_id', '=', run.id).where('seq', '=', 0).execute();
    assert.deepEqual(attempts.map((a) => a.status), [503, 200], 'the failed read is recorded as the first attempt of message 1');
  });

  test('/metrics counts the chat reads and the stops', async () => {
    const res = await fetch(`${svc.url}/metrics`);
    const text = await res.text();
    for (const stop of ['assigned', 'team', 'closed', 'snoozed']) assert.match(text, new RegExp(`takeover_chat_read_stops_total\\{stop="${stop}"\\} 1`));
    assert.match(text, /takeover_chat_reads_total\{outcome="clear"\} [1-9]/);
    assert.match(text, /takeover_chat_reads_total\{outcome="takeover"\} 4/);
    assert.match(text, /takeover_chat_reads_total\{outcome="error"\} 1/);
  });
});
