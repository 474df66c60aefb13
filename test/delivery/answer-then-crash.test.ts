// The webhook is answered once its event is stored, with its runs and
// messages started in the same commit (record-event.ts; the planEvent job
// for the events that go the job way), before anything is sent. A crash in
// between (the service answered 200, then died before its runner sent
// anything) loses nothing: the next start finds the committed run, its
// messages and its first send job, and the customer gets the sequence,
// exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startService } from '../../src/service.js';
import { startFakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { eventually, tempDir } from '../support/processes.js';

test('answered, then crashed before sending: the next start sends the committed sequence once', async () => {
  const dir = tempDir();
  const fake = await startFakeChannelTalk({ accessKey: 'ak', accessSecret: 'as' });
  const config = loadConfig(
    { CHANNELTALK_ACCESS_KEY: 'ak', CHANNELTALK_ACCESS_SECRET: 'as', CHANNELTALK_WEBHOOK_TOKEN: 'at', CHANNELTALK_API_URL: fake.url, DATABASE_URL: `sqlite:${path.join(dir, 'crash.db')}`, CURATIONS_DIR: path.join(ROOT, 'curations'), PORT: '0', HOST: '127.0.0.1', DELAY_SCALE: '0' },
    dir,
  );
  const logger = pino({ level: 'silent' });
  const chatId = 'crash-after-answer';
  try {
    const first = await startService(config, logger);
    // The crash comes right after the answer: the job runner never gets to the event.
    await first.jobs.stop(0);
    const res = await first.app.inject({ method: 'POST', url: '/webhooks/channeltalk?token=at', payload: JSON.stringify(webhookForChat('user-chat-opened', chatId)), headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 200);
    const answer = res.json<{ status: string; runs: string[] }>();
    assert.equal(answer.status, 'acted');
    assert.equal(answer.runs.length, 1);
    const ev = await first.store.db.selectFrom('events').select(['id', 'status']).where('chat_id', '=', chatId).executeTakeFirstOrThrow();
    assert.equal(ev.status, 'acted');
    assert.deepEqual((await first.store.db.selectFrom('runs').select('id').execute()).map((r) => r.id), answer.runs, 'started in the commit the answer waited for');
    assert.equal((await first.store.db.selectFrom('jobs').select('kind').where('key', '=', `planEvent:${ev.id}`).execute()).length, 0, 'no planEvent job');
    assert.equal((await first.store.db.selectFrom('jobs').select('kind').where('kind', '=', 'sendMessage').execute()).length, 1, 'its first send, as a job');
    assert.equal(fake.state.messages.filter((m) => m.chatId === chatId).length, 0, 'nothing sent before the crash');
    // Die without finishing anything: the committed run, messages and send job are all the next start gets.
    await first.app.close();
    await first.store.close();

    const second = await startService(config, logger);
    try {
      const sent = await eventually(async () => {
        const run = await second.store.db.selectFrom('runs').select('state').where('id', '=', answer.runs[0]!).executeTakeFirst();
        return run?.state === 'completed' ? fake.state.messages.filter((m) => m.chatId === chatId) : undefined;
      }, 30_000, 'the sequence after the restart');
      const planned = await second.store.db.selectFrom('messages').select('request_id').where('run_id', '=', answer.runs[0]!).orderBy('seq').execute();
      assert.ok(planned.length >= 10);
      assert.deepEqual(sent.map((m) => m.requestId), planned.map((m) => m.request_id), 'every planned message once, in order');
      assert.equal((await second.store.db.selectFrom('events').select('status').where('id', '=', ev.id).executeTakeFirstOrThrow()).status, 'acted');
      // The same delivery again (Channel Talk may repeat it): a duplicate, nothing more is sent.
      const again = await second.app.inject({ method: 'POST', url: '/webhooks/channeltalk?token=at', payload: JSON.stringify(webhookForChat('user-chat-opened', chatId)), headers: { 'content-type': 'application/json' } });
      assert.equal(again.json<{ duplicate: boolean }>().duplicate, true);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(fake.state.messages.filter((m) => m.chatId === chatId).length, sent.length);
    } finally {
      await second.stop();
    }
  } finally {
    await fake.close();
  }
});
