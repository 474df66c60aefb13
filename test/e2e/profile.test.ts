// The profile paths that need Channel Talk's API: a delivery without the
// profile (the user is fetched), a user that cannot be had (fallback), and
// the optional write-back of computed values after a completed sequence.
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

const PROFILE = {
  name: '김하나',
  weight: '72.5',
  height: 176,
  age: 34,
  activation: '보통 (주2~4회)',
  goal: '5kg 미만의 감량을 원하세요',
  hydrate: '1L 이하',
  number_dining: '3회',
  worries: [],
  thirdPartyAgree: true,
};

function withoutProfile(chatId: string, userId: string): Record<string, unknown> {
  const body = JSON.parse(JSON.stringify(webhookForChat('user-chat-opened', chatId)).split('5f0e1d2c3b4a59687706').join(userId)) as Record<string, unknown>;
  const refers = body.refers as Record<string, unknown>;
  delete refers.user;
  return body;
}

describe('profiles through the API', () => {
  let fake: FakeChannelTalk;
  let svc: Service;
  before(async () => {
    const dir = tempDir();
    // The shipped diet pack with write-back turned on.
    const main = readFileSync(path.join(ROOT, 'curations/diet-main.yaml'), 'utf8').replace(
      /# writeBack:\n# {3}bmr: dietBmr\n# {3}goalKcal: dietGoalKcal/,
      'writeBack:\n  bmr: dietBmr\n  goalKcal: dietGoalKcal',
    );
    assert.match(main, /^writeBack:/m);
    writeFileSync(path.join(dir, 'diet-main.yaml'), main);
    fake = await startFakeChannelTalk({ accessKey: 'pk', accessSecret: 'ps' });
    fake.state.users.set('api-user-1', { id: 'api-user-1', name: '김하나', profile: PROFILE, language: 'ko' });
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

  const post = (body: unknown) =>
    fetch(`${svc.url}/webhooks/channeltalk?token=pt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('a delivery without the profile: the user is fetched, the sequence planned and sent', async () => {
    const res = await post(withoutProfile('api-chat-1', 'api-user-1'));
    assert.equal(res.status, 200);
    const msgs = await eventually(() => {
      const m = fake.state.messages.filter((x) => x.chatId === 'api-chat-1');
      return m.length >= 10 ? m : undefined;
    }, 15_000, 'the sequence');
    const text = JSON.stringify(msgs.map((m) => m.body));
    assert.ok(text.includes('김하나'), 'the fetched name is used');
    // BMR for 72.5 kg, 176 cm, 34 years: trunc(66 + 993.25 + 880 - 231.2) = trunc(1708.05) = 1708.
    assert.ok(text.includes('1,708'), 'the numbers come from the fetched profile');
  });

  test('after the sequence, the computed values are written back to the profile', async () => {
    const patch = await eventually(() => fake.state.profilePatches.find((p) => p.userId === 'api-user-1'), 15_000, 'the write-back');
    // goal: maintenance trunc(1708 * 1.375) = 2348, goal trunc(2348 * 0.9) = 2113.
    assert.deepEqual(patch.profile, { dietBmr: 1708, dietGoalKcal: 2113 });
    // The fake answers before the service commits what it answered: wait for the service's own record.
    const run = await eventually(
      async () => {
        const r = await svc.store.db.selectFrom('runs').select(['writeback_state', 'state']).where('chat_id', '=', 'api-chat-1').executeTakeFirstOrThrow();
        return r.writeback_state === 'pending' ? undefined : r;
      },
      15_000,
      'the write-back recorded',
    );
    assert.deepEqual(run, { writeback_state: 'done', state: 'completed' });
  });

  test('a user Channel Talk does not know gets the fallback message, nothing half-computed', async () => {
    assert.equal((await post(withoutProfile('api-chat-2', 'api-user-unknown'))).status, 200);
    const msgs = await eventually(() => {
      const m = fake.state.messages.filter((x) => x.chatId === 'api-chat-2');
      return m.length >= 1 ? m : undefined;
    }, 15_000, 'the fallback');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(fake.state.messages.filter((x) => x.chatId === 'api-chat-2').length, 1);
    assert.match(JSON.stringify(msgs[0]!.body), /설문/);
    const run = await svc.store.db.selectFrom('runs').select(['state', 'problems_json']).where('chat_id', '=', 'api-chat-2').executeTakeFirstOrThrow();
    assert.equal(run.state, 'fallback');
    assert.match(run.problems_json ?? '', /weight/);
  });
});
