// Asking for a missing answer in the chat, end to end: the real service
// against the strict fake Channel Talk, with the shipped diet curation given
// an ask (fallback.ask). A chat opens with the weight missing; the customer
// gets a form asking for it alone and submits it. As on Channel Talk, the
// submission writes the profile and updates the form's message, and sends no
// webhook: the service finds the answer by reading the profile while the run
// waits (ANSWER_POLL_SECONDS), or at once when the customer writes. The
// customer then gets the sequence computed from the new profile, exactly
// once. A second submission starts nothing, and the reads stop when the
// wait ends. The contact-upsert delivery is kept as a shortcut (an opt-in of
// the fake). Without an answer the wait ends the run.
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

/** The service against a strict fake, reading a waiting customer's profile first `pollSeconds` after the ask. */
function answerHarness(pollSeconds: number) {
  const h = {} as { fake: FakeChannelTalk; svc: Service; dir: string };
  before(async () => {
    h.dir = tempDir();
    // The shipped diet pack, its fallback given an ask (the wait: ANSWER_WAIT_MINUTES).
    const main = readFileSync(path.join(ROOT, 'curations/diet-main.yaml'), 'utf8').replace(/\n# Optional: after the sequence completes/, `${ASK}\n# Optional: after the sequence completes`);
    assert.match(main, /^ {2}ask:$/m);
    writeFileSync(path.join(h.dir, 'diet-main.yaml'), main);
    h.fake = await startFakeChannelTalk({ accessKey: 'ak', accessSecret: 'as' });
    const config = loadConfig(
      {
        CHANNELTALK_ACCESS_KEY: 'ak',
        CHANNELTALK_ACCESS_SECRET: 'as',
        CHANNELTALK_WEBHOOK_TOKEN: TOKEN,
        CHANNELTALK_API_URL: h.fake.url,
        DATABASE_URL: `sqlite:${path.join(h.dir, 'db.sqlite')}`,
        CURATIONS_DIR: h.dir,
        PORT: '0',
        HOST: '127.0.0.1',
        DELAY_SCALE: '0',
        ANSWER_WAIT_MINUTES: '90',
        ANSWER_POLL_SECONDS: String(pollSeconds),
        ANSWER_POLL_MAX_SECONDS: String(pollSeconds * 4),
        WEBHOOK_HEALTH_INTERVAL_SECONDS: '0',
        SWEEP_INTERVAL_SECONDS: '0',
      },
      h.dir,
    );
    h.svc = await startService(config, pino({ level: 'silent' }));
    // The webhook as `curation setup` would register it for this pack.
    await control(h.fake, '/webhooks', { channelId: CHANNEL, url: `${h.svc.url}/webhooks/channeltalk`, scopes: ['userChat.opened', 'message.created.userChat', 'member.upserted.contact'], token: TOKEN });
  });
  after(async () => {
    await h.svc?.stop();
    await h.fake?.close();
  });
  return h;
}

async function control(fake: FakeChannelTalk, route: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.url}/_fake${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

const fixture = webhook('user-chat-opened');
const entity = fixture.entity as Record<string, unknown>;

/** The harness's views of one chat and its customer. */
function views(h: { fake: FakeChannelTalk; svc: Service; dir: string }) {
  const messagesOf = (chatId: string) => h.fake.state.messages.filter((m) => m.chatId === chatId);
  const runOf = (chatId: string) => h.svc.store.db.selectFrom('runs').selectAll().where('chat_id', '=', chatId).executeTakeFirstOrThrow();
  const readsOf = (userId: string) => h.fake.state.userReads.filter((r) => r.userId === userId).length;

  /** Opens a chat for a customer whose weight is missing and waits for the ask; returns its run id and the form's message id. */
  async function openWithoutWeight(chatId: string, userId: string): Promise<{ runId: string; formId: string }> {
    h.fake.state.users.set(userId, { id: userId, name: '김하나', profile: { ...PROFILE }, language: 'ko' });
    await control(h.fake, '/user-chats', { channelId: CHANNEL, userId, chatId, tags: entity.tags, source: entity.source });
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
    return { runId: run.id, formId: ask!.id };
  }

  /** The sequence the new profile plans, after the ask's message, never asking again: its requestIds. */
  async function expectedRequestIds(chatId: string, userId: string, runId: string, weight: number): Promise<Array<string | undefined>> {
    const loaded = await loadCurations(h.dir);
    assert.ok(loaded.ok);
    const curation = loaded.set.byId('diet-main');
    assert.ok(curation);
    const event = normalize({ ...fixture, entity: { ...entity, id: chatId, userId } });
    assert.equal(runIdFor('diet-main', storedDedupeKey(event)), runId);
    const expected = plan(curation, event, { ...PROFILE, weight }, { runId, now: Date.now(), ask: false, firstSeq: 1 });
    assert.equal(expected.outcome, 'sequence');
    return [`${runId}-0`, ...expected.messages.map((m) => m.body.requestId)];
  }

  async function sequenceOf(chatId: string, want: Array<string | undefined>) {
    const got = await eventually(() => (messagesOf(chatId).length >= want.length ? messagesOf(chatId) : undefined), 20_000, 'the sequence');
    assert.deepEqual(got.map((m) => m.requestId), want, 'the ask, then the sequence, once, in order');
    const done = await eventually(async () => {
      const r = await runOf(chatId);
      return r.state === 'completed' ? r : undefined;
    }, 15_000, 'the run to complete');
    assert.ok(done.asked_at !== null && done.answered_at !== null && done.answered_at >= done.asked_at);
    return got;
  }

  return { messagesOf, runOf, readsOf, openWithoutWeight, expectedRequestIds, sequenceOf };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('end to end: a missing answer asked for in the chat, found by reading the profile (the strict fake, no switch)', () => {
  const POLL_SECONDS = 2;
  const h = answerHarness(POLL_SECONDS);
  const v = views(h);

  test('the customer submits the form (no webhook comes), the first read finds it, and the sequence follows exactly once; a second submission starts nothing', async () => {
    const { runId, formId } = await v.openWithoutWeight('answerchat1', 'answeruser1');
    const readsBefore = v.readsOf('answeruser1');
    const submitted = await control(h.fake, '/users/answeruser1/form-submission', { messageId: formId, values: { 'user.profile.weight': 72.5 } });
    assert.deepEqual(submitted.deliveries, [], 'Channel Talk delivers nothing for a submitted form');
    const form = h.fake.state.messages.find((m) => m.id === formId);
    assert.equal(form?.version, 2, "the form's own message was updated in place");

    const want = await v.expectedRequestIds('answerchat1', 'answeruser1', runId, 72.5);
    const got = await v.sequenceOf('answerchat1', want);
    // BMR for 72.5 kg, 176 cm, 34 years: trunc(66 + 993.25 + 880 - 231.2) = 1708.
    assert.ok(JSON.stringify(got.slice(1).map((m) => m.body)).includes('1,708'), 'computed from the submitted weight');
    // Within the first poll interval: the first scheduled read found the answer (then planning read the profile once).
    assert.equal(v.readsOf('answeruser1') - readsBefore, 2, 'one read found the answer, one planned from it');

    // A second submission: nothing is delivered, nothing reads it, nothing starts.
    const readsAfter = v.readsOf('answeruser1');
    const second = await control(h.fake, '/users/answeruser1/form-submission', { messageId: formId, values: { 'user.profile.weight': 73 } });
    assert.deepEqual(second.deliveries, []);
    // Two more poll intervals: a read still scheduled would have come.
    await sleep(POLL_SECONDS * 2 * 1000 + 500);
    assert.equal(v.messagesOf('answerchat1').length, want.length, 'nothing more was sent');
    assert.equal(v.readsOf('answeruser1'), readsAfter, 'the reads stopped when the wait ended');
    assert.equal(h.fake.state.duplicateRequestIds, 0);
    const runs = await h.svc.store.db.selectFrom('runs').select('id').where('user_id', '=', 'answeruser1').execute();
    assert.equal(runs.length, 1, 'no run was started by the answer');
    const jobs = await h.svc.store.db.selectFrom('jobs').select('kind').where('key', 'like', `%${runId}%`).where('state', '!=', 'failed').execute();
    assert.deepEqual(jobs.filter((j) => j.kind === 'answerPoll' || j.kind === 'answerWait'), [], 'no read or wait is left for the run');
  });

  test('a profile edit that does not touch the asked key leaves the run waiting; the reads go on, backing off', async () => {
    const { runId } = await v.openWithoutWeight('answerchat3', 'answeruser3');
    const user = h.fake.state.users.get('answeruser3');
    assert.ok(user);
    user.profile.email = 'x@example.com';
    const before = v.readsOf('answeruser3');
    // The reads at +2 s and +6 s (the interval doubled) find no answer.
    await eventually(() => (v.readsOf('answeruser3') - before >= 2 ? true : undefined), 20_000, 'two reads');
    assert.equal((await v.runOf('answerchat3')).state, 'awaiting');
    assert.equal(v.messagesOf('answerchat3').length, 1, 'only the ask');
    const run = await v.runOf('answerchat3');
    assert.ok(run.asked_at !== null);
    const askedAt = run.asked_at;
    // The second read's job settles after the fake answered it: then the third is scheduled.
    const next = await eventually(async () => {
      const j = await h.svc.store.db.selectFrom('jobs').select(['run_at', 'state']).where('key', '=', `answerPoll:${runId}`).where('state', '=', 'pending').executeTakeFirst();
      return j && j.run_at > askedAt + 6_000 ? j : undefined;
    }, 20_000, 'the third read to be scheduled');
    assert.equal(next.run_at, askedAt + 14_000, 'the third read is 8 s after the second (2, 4, 8 s intervals)');
  });

  test('without an answer the wait ends and the run ends as fallback, sending nothing more and reading no more', async () => {
    const { runId } = await v.openWithoutWeight('answerchat2', 'answeruser2');
    const wait = await h.svc.store.db.selectFrom('jobs').select(['kind', 'run_at']).where('key', '=', `answerWait:${runId}`).executeTakeFirstOrThrow();
    assert.equal(wait.kind, 'answerWait');
    // Ninety minutes pass (ANSWER_WAIT_MINUTES): the run asked that long ago, and its wait's job is due.
    const now = Date.now();
    await h.svc.store.db.updateTable('runs').set({ asked_at: now - 91 * 60_000 }).where('id', '=', runId).execute();
    await h.svc.store.db.updateTable('jobs').set({ run_at: now }).where('key', '=', `answerWait:${runId}`).execute();
    h.svc.jobs.wake();
    const end = await eventually(async () => {
      const r = await v.runOf('answerchat2');
      return r.state === 'awaiting' ? undefined : r;
    }, 15_000, 'the wait to end');
    assert.equal(end.state, 'fallback');
    assert.match(end.reason ?? '', /weight \(missing\); asked in the chat; no answer in the chat within 1h30m/);
    assert.equal(await h.svc.store.db.selectFrom('jobs').select('id').where('key', '=', `answerPoll:${runId}`).where('state', '=', 'pending').executeTakeFirst(), undefined, 'the next read was dropped');
    // An answer after the end starts nothing, and nothing reads it.
    const reads = v.readsOf('answeruser2');
    await control(h.fake, '/users/answeruser2/form-submission', { values: { 'user.profile.weight': 70 } });
    await sleep(POLL_SECONDS * 2 * 1000 + 500);
    assert.equal(v.messagesOf('answerchat2').length, 1, 'only the ask was ever sent');
    assert.equal((await v.runOf('answerchat2')).state, 'fallback');
    assert.equal(v.readsOf('answeruser2'), reads);
  });
});

describe('end to end: the answer read at once when the customer writes, and the upsert shortcut (reads an hour apart)', () => {
  const h = answerHarness(3600);
  const v = views(h);

  test('the customer submits the form and then writes in the chat: the profile is read at once and the sequence follows exactly once', async () => {
    const { runId, formId } = await v.openWithoutWeight('answerchat4', 'answeruser4');
    await control(h.fake, '/users/answeruser4/form-submission', { messageId: formId, values: { 'user.profile.weight': 72.5 } });
    await sleep(300);
    assert.equal((await v.runOf('answerchat4')).state, 'awaiting', 'nothing told the service yet (the first read is an hour away)');
    await control(h.fake, '/user-chats/answerchat4/messages', { text: '입력했어요' });
    const want = await v.expectedRequestIds('answerchat4', 'answeruser4', runId, 72.5);
    await v.sequenceOf('answerchat4', want);
    await sleep(500);
    assert.equal(v.messagesOf('answerchat4').length, want.length, 'exactly once');
  });

  test('a contact upsert delivery (the opt-in shortcut) resumes the run as before, exactly once', async () => {
    const { runId, formId } = await v.openWithoutWeight('answerchat5', 'answeruser5');
    const submitted = await control(h.fake, '/users/answeruser5/form-submission', { messageId: formId, values: { 'user.profile.weight': 72.5 }, delivery: 'upsert' });
    assert.deepEqual((submitted.deliveries as Array<{ scope: string; outcome: number }>).map((d) => [d.scope, d.outcome]), [['member.upserted.contact', 200]]);
    const want = await v.expectedRequestIds('answerchat5', 'answeruser5', runId, 72.5);
    await v.sequenceOf('answerchat5', want);
    await sleep(500);
    assert.equal(v.messagesOf('answerchat5').length, want.length, 'exactly once');
    assert.equal(h.fake.state.duplicateRequestIds, 0);
  });
});
