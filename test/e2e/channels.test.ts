// Several Channel Talk channels in one deployment: routing by token and
// channelId, separate credentials, and one channel's rate limit not slowing
// another. The service runs in-process here against a real fake server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, cpSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig, ConfigError } from '../../src/config.js';
import { startService, type Service } from '../../src/service.js';
import { startFakeChannelTalk, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { eventually, tempDir } from '../support/processes.js';

const CHANNELS_YAML = `channels:
  - name: salad
    channelId: "95334"
    accessKey: \${SALAD_KEY}
    accessSecret: \${SALAD_SECRET}
    webhookTokens: [salad-token-1, salad-token-2]
    botName: Trainer
    curationsDir: ./salad
  - name: bakery
    channelId: "77001"
    accessKey: bakery-key
    accessSecret: \${BAKERY_SECRET}
    webhookTokens: [bakery-token]
    curationsDir: ./bakery
`;

function forChannel(name: string, chatId: string, channelId: string, userId: string): Record<string, unknown> {
  const text = JSON.stringify(webhookForChat(name, chatId)).split('"95334"').join(`"${channelId}"`).split('5f0e1d2c3b4a59687706').join(userId);
  return JSON.parse(text) as Record<string, unknown>;
}

describe('multiple channels', () => {
  let fake: FakeChannelTalk;
  let svc: Service;
  let dir: string;
  const env = () => ({
    CHANNELS_FILE: path.join(dir, 'channels.yaml'),
    SALAD_KEY: 'salad-key',
    SALAD_SECRET: 'salad-secret',
    BAKERY_SECRET: 'bakery-secret',
    CHANNELTALK_API_URL: fake.url,
    DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    DELAY_SCALE: '0',
  });

  before(async () => {
    dir = tempDir();
    mkdirSync(path.join(dir, 'salad'));
    mkdirSync(path.join(dir, 'bakery'));
    cpSync(path.join(ROOT, 'curations'), path.join(dir, 'salad'), { recursive: true });
    // The bakery runs only the main curation: each channel has its own set.
    cpSync(path.join(ROOT, 'curations/diet-main.yaml'), path.join(dir, 'bakery/diet-main.yaml'));
    writeFileSync(path.join(dir, 'channels.yaml'), CHANNELS_YAML);
    fake = await startFakeChannelTalk({
      accessKey: 'salad-key',
      accessSecret: 'salad-secret',
      channelId: '95334',
      credentials: [{ accessKey: 'bakery-key', accessSecret: 'bakery-secret', channelId: '77001' }],
    });
    svc = await startService(loadConfig(env(), dir), pino({ level: process.env.TEST_LOG ? 'info' : 'silent' }, pino.destination(process.env.TEST_LOG ?? '/dev/null')));
  });
  after(async () => {
    await svc?.stop();
    await fake?.close();
  });

  const post = (token: string, body: unknown) =>
    fetch(`${svc.url}/webhooks/channeltalk?token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('the config file is validated with file, line and a plain sentence', () => {
    writeFileSync(path.join(dir, 'bad.yaml'), 'channels:\n  - name: a\n    channelId: "1"\n    accessKey: k\n    accessSecret: ${MISSING_SECRET}\n    webhookTokens: []\n    curationsDir: ./x\n');
    assert.throws(
      () => loadConfig({ ...env(), CHANNELS_FILE: path.join(dir, 'bad.yaml') }, dir),
      (err: unknown) => err instanceof ConfigError && /MISSING_SECRET/.test(err.message) && /is not set in the environment/.test(err.message),
    );
    writeFileSync(path.join(dir, 'bad2.yaml'), 'channels:\n  - name: a\n    channelId: "1"\n    accessKey: k\n    accessSecret: s\n    webhookTokens: []\n    curationsDir: ./x\n');
    assert.throws(
      () => loadConfig({ ...env(), CHANNELS_FILE: path.join(dir, 'bad2.yaml') }, dir),
      (err: unknown) => err instanceof ConfigError && /bad2\.yaml:6 channels\[0\]\.webhookTokens: needs at least one token/.test(err.message),
    );
  });

  test('each channel is answered with its own credentials, bot name and curations', async () => {
    assert.equal((await post('salad-token-2', forChannel('user-chat-opened', 'salad-chat-1', '95334', 'salad-user-1'))).status, 200);
    assert.equal((await post('bakery-token', forChannel('user-chat-opened', 'bakery-chat-1', '77001', 'bakery-user-1'))).status, 200);
    await eventually(() => {
      const chats = new Set(fake.state.messages.map((m) => m.chatId));
      return chats.has('salad-chat-1') && chats.has('bakery-chat-1') ? true : undefined;
    }, 10_000, 'both channels');
    const salad = fake.state.messages.filter((m) => m.chatId === 'salad-chat-1');
    const bakery = fake.state.messages.filter((m) => m.chatId === 'bakery-chat-1');
    assert.ok(salad.every((m) => m.channelId === '95334' && m.botName === 'Trainer'));
    assert.ok(bakery.every((m) => m.channelId === '77001' && m.botName === null));
    // The gift curation exists only in the salad channel.
    const gift = await post('bakery-token', forChannel('user-message-keyword', 'bakery-chat-1', '77001', 'bakery-user-1'));
    assert.equal(((await gift.json()) as { status: string }).status, 'no_match');
  });

  test("a token cannot deliver another channel's events", async () => {
    const res = await post('bakery-token', forChannel('user-chat-opened', 'cross-chat', '95334', 'cross-user'));
    assert.equal(res.status, 401);
    assert.equal((await post('unknown-token', forChannel('user-chat-opened', 'x-chat', '95334', 'x-user'))).status, 401);
  });

  test("a chat id is its channel's own: another channel's opening or close of it changes nothing in this one", async () => {
    const answer = async (res: Response) => {
      assert.equal(res.status, 200);
      return (await res.json()) as { status: string; duplicate: boolean };
    };
    // The bakery's token, with the bakery's channel id (so the token check lets it in), names chat ids of the salad channel.
    assert.equal((await answer(await post('bakery-token', forChannel('user-chat-opened', 'shared-chat', '77001', 'shared-user')))).status, 'acted');
    const real = await answer(await post('salad-token-1', forChannel('user-chat-opened', 'shared-chat', '95334', 'shared-user')));
    assert.deepEqual([real.status, real.duplicate], ['acted', false], "the salad channel's real opening is not a duplicate");
    assert.equal((await answer(await post('salad-token-1', forChannel('user-chat-opened', 'victim-chat', '95334', 'victim-user')))).status, 'acted');
    const close = forChannel('user-chat-opened', 'victim-chat', '77001', 'victim-user');
    const closing = { ...close, event: 'update', entity: { ...(close.entity as Record<string, unknown>), state: 'closed', updatedAt: 1795470399000 } };
    // The bakery's close and manager message find nothing of the bakery's running in its own chat of that id.
    assert.equal((await answer(await post('bakery-token', closing))).status, 'no_match');
    assert.equal((await answer(await post('bakery-token', forChannel('manager-message', 'victim-chat', '77001', 'victim-user')))).status, 'no_match');
    const count = (channelId: string, chatId: string) => fake.state.chatMessages(channelId, chatId).length;
    await eventually(
      () => (count('95334', 'shared-chat') >= 12 && count('77001', 'shared-chat') >= 12 && count('95334', 'victim-chat') >= 12 ? true : undefined),
      20_000,
      'both shared-chat sequences and the whole victim-chat sequence',
    );
    await new Promise((r) => setTimeout(r, 300));
    for (const [channelId, chatId] of [['95334', 'shared-chat'], ['77001', 'shared-chat'], ['95334', 'victim-chat']] as const) {
      const ids = fake.state.chatMessages(channelId, chatId).map((m) => m.requestId);
      assert.equal(ids.length, 12, `${channelId}/${chatId}: the whole sequence, once`);
      assert.equal(new Set(ids).size, 12, `${channelId}/${chatId}: no message twice`);
    }
    const victim = await svc.store.db.selectFrom('runs').select(['channel_id', 'state']).where('chat_id', '=', 'victim-chat').execute();
    assert.deepEqual(victim, [{ channel_id: '95334', state: 'completed' }]);
  });

  test("one channel's rate limit does not slow another", async () => {
    fake.state.reset();
    fake.state.rateLimit.configure(3);
    try {
      // The salad channel gets a backlog of 20 chats; the bakery one chat.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => post('salad-token-1', forChannel('user-chat-opened', `busy-${i}`, '95334', `busy-user-${i}`))),
      );
      const t0 = Date.now();
      assert.equal((await post('bakery-token', forChannel('user-chat-opened', 'quiet-chat', '77001', 'quiet-user'))).status, 200);
      const bakeryTotal = await eventually(() => {
        const n = fake.state.messages.filter((m) => m.chatId === 'quiet-chat').length;
        return n >= 10 ? n : undefined;
      }, 30_000, 'the bakery sequence');
      const seconds = (Date.now() - t0) / 1000;
      const saladSent = fake.state.messages.filter((m) => m.channelId === '95334').length;
      assert.ok(seconds < bakeryTotal / 3 + 6, `the bakery's ${bakeryTotal} messages took ${seconds.toFixed(1)} s at 3/s`);
      assert.ok(saladSent < 20 * 10, 'the salad backlog was still being worked through');
    } finally {
      fake.state.rateLimit.configure(null);
    }
  });
});
