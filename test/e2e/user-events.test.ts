// User events end to end: the real service against the fake Channel Talk,
// with the shipped diet pack's main curation given a userEvent. A run that
// completes records exactly one event with the property its plan fixed; a
// fallback and a run a manager took over record none.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startService, type Service } from '../../src/service.js';
import { startFakeChannelTalk, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { eventually, tempDir } from '../support/processes.js';

const FIXTURE_USER = '5f0e1d2c3b4a59687706';

/** The chat-opened fixture for a new chat and customer (diet-main has a 24 h cooldown per customer). */
function openedFor(chatId: string, userId: string, profile?: (p: Record<string, unknown>) => void): Record<string, unknown> {
  const body = JSON.parse(JSON.stringify(webhookForChat('user-chat-opened', chatId)).split(FIXTURE_USER).join(userId)) as Record<string, unknown>;
  const user = (body.refers as { user: { profile: Record<string, unknown> } }).user;
  profile?.(user.profile);
  return body;
}

describe('user events back to Channel Talk', () => {
  let fake: FakeChannelTalk;
  let svc: Service;
  before(async () => {
    const dir = tempDir();
    const main = `${readFileSync(path.join(ROOT, 'curations/diet-main.yaml'), 'utf8')}
userEvent:
  name: curationCompleted
  property:
    productIndex: "{{ productIndex }}"
    curation: diet-main
`;
    writeFileSync(path.join(dir, 'diet-main.yaml'), main);
    fake = await startFakeChannelTalk({ accessKey: 'pk', accessSecret: 'ps' });
    for (const id of ['ue-done', 'ue-fallback', 'ue-cancel', 'ue-last']) fake.state.users.set(id, { id, profile: {} });
    const config = loadConfig(
      {
        CHANNELTALK_ACCESS_KEY: 'pk',
        CHANNELTALK_ACCESS_SECRET: 'ps',
        CHANNELTALK_WEBHOOK_TOKEN: 'pt',
        CHANNELTALK_API_URL: fake.url,
        DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`,
        CURATIONS_DIR: dir,
        PORT: '0',
        HOST: '127.0.0.1',
        DELAY_SCALE: '0',
      },
      dir,
    );
    svc = await startService(config, pino({ level: 'silent' }));
  });
  after(async () => {
    await svc?.stop();
    await fake?.close();
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${svc.url}/webhooks/channeltalk?token=pt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
  };
  const runOf = (chatId: string) =>
    svc.store.db.selectFrom('runs').select(['id', 'state', 'values_json', 'user_event_json']).where('chat_id', '=', chatId).executeTakeFirst();
  const eventJobsOf = (runId: string) => svc.store.db.selectFrom('jobs').select('id').where('key', '=', `userEvent:${runId}`).execute();
  const eventsOf = (userId: string) => fake.state.userEvents.filter((e) => e.userId === userId);

  test('a completed run records exactly one event, with the property its plan fixed', async () => {
    await post(openedFor('ue-chat-done', 'ue-done'));
    const run = await eventually(async () => {
      const r = await runOf('ue-chat-done');
      return r?.state === 'completed' ? r : undefined;
    }, 20_000, 'the run completes');
    const values = JSON.parse(run.values_json!) as { productIndex: unknown };
    assert.equal(typeof values.productIndex, 'number');
    assert.deepEqual(JSON.parse(run.user_event_json!), { name: 'curationCompleted', property: { productIndex: values.productIndex, curation: 'diet-main' } });
    // The job is done once its row is gone; only then is "exactly one" final.
    await eventually(async () => ((await eventJobsOf(run.id)).length === 0 ? true : undefined), 15_000, 'the userEvent job settles');
    const sent = eventsOf('ue-done');
    assert.equal(sent.length, 1);
    assert.deepEqual({ name: sent[0]!.name, property: sent[0]!.property }, JSON.parse(run.user_event_json!));
  });

  test('a fallback records no event', async () => {
    await post(openedFor('ue-chat-fallback', 'ue-fallback', (p) => delete p.weight));
    const run = await eventually(async () => {
      const r = await runOf('ue-chat-fallback');
      return r?.state === 'fallback' ? r : undefined;
    }, 20_000, 'the fallback run ends');
    assert.equal(run.user_event_json, null);
    assert.equal((await eventJobsOf(run.id)).length, 0, 'no job was enqueued when it ended');
  });

  test('a run a manager took over records no event', async () => {
    // Channel Talk is down: the first message keeps being retried, so the run is still going when the manager writes.
    fake.state.faults.configure({ failRate: 1, mix: ['503'], failAfterCommitRate: 0 });
    try {
      await post(openedFor('ue-chat-cancel', 'ue-cancel'));
      await eventually(async () => ((await runOf('ue-chat-cancel'))?.state === 'pending' && (fake.state.requests['503'] ?? 0) > 0 ? true : undefined), 20_000, 'a failed send');
      await post(webhookForChat('manager-message', 'ue-chat-cancel', 'msg-ue-manager-1'));
      await eventually(async () => ((await runOf('ue-chat-cancel'))?.state === 'cancelled' ? true : undefined), 20_000, 'the takeover');
    } finally {
      fake.state.faults.configure({});
    }
    const run = (await runOf('ue-chat-cancel'))!;
    assert.equal((await eventJobsOf(run.id)).length, 0);
  });

  test('after all that, the only events are those of the completed runs, one each', async () => {
    // One more completed run, recorded after the others ended: what they would have sent would be in by now.
    await post(openedFor('ue-chat-last', 'ue-last'));
    await eventually(() => (eventsOf('ue-last').length > 0 ? true : undefined), 20_000, 'the last run\'s event');
    const last = (await runOf('ue-chat-last'))!;
    await eventually(async () => ((await eventJobsOf(last.id)).length === 0 ? true : undefined), 15_000, 'the last job settles');
    assert.deepEqual(fake.state.userEvents.map((e) => e.userId).sort(), ['ue-done', 'ue-last']);
  });
});
