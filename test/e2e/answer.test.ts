// Asking for a missing answer in the chat, end to end: the real service
// against the fake Channel Talk, with the shipped diet curation given an ask
// (fallback.ask). A chat opens with the weight missing; the customer gets a
// form asking for it alone; the fake's form submission writes it into the
// profile and delivers member.upserted.contact; the customer then gets the
// sequence computed from the new profile, exactly once. A second submission
// starts nothing. Without an answer the wait ends the run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startService, type Service } from '../../src/service.js';
import { startFakeChannelTalk, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { loadCurations, plan } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { runIdFor, storedDedupeKey } from '../../src/delivery/ids.js';
import type { MessageBody } from '../../src/channeltalk/wire.js';
import { ROOT, webhook } from '../support/fixtures.js';
import { eventually, tempDir } from '../support/processes.js';

const CHANNEL = '95334';
const TOKEN = 'answer-webhook-token';
const PROFILE = {
  name: '김하나',
  height: 176,
  age: 34,
  activation: '보통 (주2~4회)',
  goal: '5kg 미만의 감량을 원하세요',
  hydrate: '1L 이하',
  number_dining: '3회',
  worries: [],
  thirdPartyAgree: true,
};

const ASK = `  ask:
    messages:
      - text:
          ko: "{{ name | default: '고객' }}님, 맞춤 식단을 계산하려면 아래 답변만 더 알려 주세요."
          en: "Hi {{ name | default: 'there' }}, I only need these answers to work out your diet."
        form:
          inputs:
            - { field: weight, label: { ko: 현재 체중 (kg), en: Weight (kg) } }
            - { field: height, label: { ko: 키 (cm), en: Height (cm) } }
            - { field: age, label: { ko: 나이, en: Age } }
`;

describe('end to end: a missing answer asked for in the chat', () => {
  let fake: FakeChannelTalk;
  let svc: Service;
  let dir: string;
  const fixture = webhook('user-chat-opened');
  const entity = fixture.entity as Record<string, unknown>;

  before(async () => {
    dir = tempDir();
    // The shipped diet pack, its fallback given an ask (the wait: ANSWER_WAIT_MINUTES).
    const main = readFileSync(path.join(ROOT, 'curations/diet-main.yaml'), 'utf8').replace(/\n# Optional: after the sequence completes/, `${ASK}\n# Optional: after the sequence completes`);
    assert.match(main, /^ {2}ask:$/m);
    writeFileSync(path.join(dir, 'diet-main.yaml'), main);
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
        DELAY_SCALE: '0',
        ANSWER_WAIT_MINUTES: '90',
        WEBHOOK_HEALTH_INTERVAL_SECONDS: '0',
        SWEEP_INTERVAL_SECONDS: '0',
      },
      dir,
    );
    svc = await startService(config, pino({ level: 'silent' }));
    // The webhook as `curation setup` would register it for this pack: the answer comes as the member's upsert.
    await control('/webhooks', { channelId: CHANNEL, url: `${svc.url}/webhooks/channeltalk`, scopes: ['userChat.opened', 'message.created.userChat', 'member.upserted.contact'], token: TOKEN });
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

  const messagesOf = (chatId: string) => fake.state.messages.filter((m) => m.chatId === chatId);
  const runOf = (chatId: string) => svc.store.db.selectFrom('runs').selectAll().where('chat_id', '=', chatId).executeTakeFirstOrThrow();

  /** Opens a chat for a customer whose weight is missing and waits for the ask; returns its run id. */
  async function openWithoutWeight(chatId: string, userId: string): Promise<string> {
    fake.state.users.set(userId, { id: userId, name: '김하나', profile: { ...PROFILE }, language: 'ko' });
    await control('/user-chats', { channelId: CHANNEL, userId, chatId, tags: entity.tags, source: entity.source });
    const [ask] = await eventually(() => (messagesOf(chatId).length >= 1 ? messagesOf(chatId) : undefined), 15_000, 'the ask');
    const body = ask!.body as MessageBody;
    assert.deepEqual(
      body.form?.inputs.map((i) => [i.bindingKey, i.type, i.label]),
      [['user.profile.weight', 'number', '현재 체중 (kg)']],
      'the form asks for the missing answer alone',
    );
    assert.match(JSON.stringify(body.blocks), /김하나님, 맞춤 식단을 계산하려면/);
    const run = await eventually(async () => {
      const r = await runOf(chatId);
      return r.state === 'awaiting' ? r : undefined;
    }, 15_000, 'the run to wait for the answer');
    assert.equal(run.outcome, 'ask');
    return run.id;
  }

  test('the customer gets the form, submits it, and gets the sequence computed from the new profile, exactly once', async () => {
    const runId = await openWithoutWeight('answerchat1', 'answeruser1');
    const submitted = await control('/users/answeruser1/form-submission', { values: { 'user.profile.weight': 72.5 } });
    assert.deepEqual((submitted.deliveries as Array<{ scope: string; outcome: number }>).map((d) => [d.scope, d.outcome]), [['member.upserted.contact', 200]]);

    // What the sequence must be: the plan of the new profile, after the ask's message, never asking again.
    const loaded = await loadCurations(dir);
    assert.ok(loaded.ok);
    const curation = loaded.set.byId('diet-main');
    assert.ok(curation);
    const event = normalize({ ...fixture, entity: { ...entity, id: 'answerchat1', userId: 'answeruser1' } });
    assert.equal(runIdFor('diet-main', storedDedupeKey(event)), runId);
    const expected = plan(curation, event, { ...PROFILE, weight: 72.5 }, { runId, now: Date.now(), ask: false, firstSeq: 1 });
    assert.equal(expected.outcome, 'sequence');
    const want = [`${runId}-0`, ...expected.messages.map((m) => m.body.requestId)];

    const got = await eventually(() => (messagesOf('answerchat1').length >= want.length ? messagesOf('answerchat1') : undefined), 20_000, 'the sequence');
    assert.deepEqual(got.map((m) => m.requestId), want, 'the ask, then the sequence, once, in order');
    const text = JSON.stringify(got.slice(1).map((m) => m.body));
    // BMR for 72.5 kg, 176 cm, 34 years: trunc(66 + 993.25 + 880 - 231.2) = 1708.
    assert.ok(text.includes('1,708'), 'computed from the submitted weight');
    const done = await eventually(async () => {
      const r = await runOf('answerchat1');
      return r.state === 'completed' ? r : undefined;
    }, 15_000, 'the run to complete');
    assert.ok(done.asked_at !== null && done.answered_at !== null && done.answered_at >= done.asked_at);

    // A second submission: delivered and accepted, and it starts nothing.
    const second = await control('/users/answeruser1/form-submission', { values: { 'user.profile.weight': 73 } });
    assert.deepEqual((second.deliveries as Array<{ outcome: number }>).map((d) => d.outcome), [200]);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(messagesOf('answerchat1').length, want.length, 'nothing more was sent');
    assert.equal(fake.state.duplicateRequestIds, 0);
    const runs = await svc.store.db.selectFrom('runs').select('id').where('user_id', '=', 'answeruser1').execute();
    assert.equal(runs.length, 1, 'no run was started by the answer');
  });

  test('without an answer the wait ends and the run ends as fallback, sending nothing more', async () => {
    const runId = await openWithoutWeight('answerchat2', 'answeruser2');
    const wait = await svc.store.db.selectFrom('jobs').select(['kind', 'run_at']).where('key', '=', `answerWait:${runId}`).executeTakeFirstOrThrow();
    assert.equal(wait.kind, 'answerWait');
    // Ninety minutes pass (ANSWER_WAIT_MINUTES): the run asked that long ago, and its wait's job is due.
    const now = Date.now();
    await svc.store.db.updateTable('runs').set({ asked_at: now - 91 * 60_000 }).where('id', '=', runId).execute();
    await svc.store.db.updateTable('jobs').set({ run_at: now }).where('key', '=', `answerWait:${runId}`).execute();
    svc.jobs.wake();
    const end = await eventually(async () => {
      const r = await runOf('answerchat2');
      return r.state === 'awaiting' ? undefined : r;
    }, 15_000, 'the wait to end');
    assert.equal(end.state, 'fallback');
    assert.match(end.reason ?? '', /weight \(missing\); asked in the chat; no answer in the chat within 1h30m/);
    // An answer after the end starts nothing.
    await control('/users/answeruser2/form-submission', { values: { 'user.profile.weight': 70 } });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(messagesOf('answerchat2').length, 1, 'only the ask was ever sent');
    assert.equal((await runOf('answerchat2')).state, 'fallback');
  });
});
