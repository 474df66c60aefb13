// The real service and the fake Channel Talk as separate processes: a webhook
// goes in, the messages come out at the fake, in order, paced, accepted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadCurations, plan } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { runIdFor, storedDedupeKey } from '../../src/delivery/ids.js';
import { ROOT, webhook, webhookForChat } from '../support/fixtures.js';
import { eventually, FAKE_SECRET, serviceEnv, startFake, startService, type FakeProc, type ServiceProc } from '../support/processes.js';

const SCALE = 0.05;

async function expectedPlan(curationId: string, body: Record<string, unknown>) {
  const loaded = await loadCurations(path.join(ROOT, 'curations'));
  assert.ok(loaded.ok);
  const curation = loaded.set.byId(curationId);
  assert.ok(curation, `curation ${curationId} is shipped`);
  const event = normalize(body);
  return plan(curation, event, event.profile, { runId: runIdFor(curationId, storedDedupeKey(event)), now: Date.now() });
}

describe('end to end: service + fake Channel Talk as processes', () => {
  let fake: FakeProc;
  let svc: ServiceProc;
  before(async () => {
    fake = await startFake();
    svc = await startService(serviceEnv(fake, { DELAY_SCALE: String(SCALE) }));
  });
  after(async () => {
    await svc?.stop();
    await fake?.stop();
  });

  test('chat opened, then the keyword: both sequences arrive in order, paced, every body accepted', async () => {
    const chatId = 'e2e-chat-flows';
    const opened = webhookForChat('user-chat-opened', chatId);
    const main = await expectedPlan('diet-main', opened);
    assert.equal(main.outcome, 'sequence');
    assert.ok(main.messages.length >= 10, 'the diet curation is a long sequence');

    const res = await svc.postWebhook(opened);
    assert.equal(res.status, 200);
    assert.equal(res.json.event, 'chatOpened');

    const got = await eventually(async () => {
      const r = await fake.received();
      const mine = r.messages.filter((m) => m.chatId === chatId);
      return mine.length >= main.messages.length ? mine : undefined;
    }, 30_000, 'the main sequence');
    // Exactly the planned bodies, in order: preview and service cannot drift.
    assert.deepEqual(got.map((m) => m.body), main.messages.map((m) => m.body));
    assert.deepEqual(got.map((m) => m.requestId), main.messages.map((m) => m.body.requestId));
    assert.ok(got.every((m) => m.botName === 'Trainer'));
    // Pacing: each gap is at least the planned delay (scaled), measured from the previous actual send.
    for (let i = 1; i < got.length; i++) {
      const gap = got[i]!.receivedAt - got[i - 1]!.receivedAt;
      const planned = main.messages[i]!.delayMs * SCALE;
      assert.ok(gap >= planned - 5, `gap before message ${i} was ${gap.toFixed(1)} ms, planned ${planned} ms`);
      assert.ok(gap < planned + 1500, `gap before message ${i} was ${gap.toFixed(1)} ms, planned ${planned} ms`);
    }

    const keyword = webhookForChat('user-message-keyword', chatId, 'msg-e2e-gift-1');
    const gift = await expectedPlan('diet-gift', keyword);
    assert.equal(gift.outcome, 'sequence');
    assert.equal((await svc.postWebhook(keyword)).status, 200);
    const all = await eventually(async () => {
      const r = await fake.received();
      const mine = r.messages.filter((m) => m.chatId === chatId);
      return mine.length >= main.messages.length + gift.messages.length ? mine : undefined;
    }, 30_000, 'the gift sequence');
    assert.deepEqual(all.slice(main.messages.length).map((m) => m.body), gift.messages.map((m) => m.body));
    const r = await fake.received();
    assert.deepEqual(r.rejected, [], 'the fake accepted every body');
    assert.equal(r.duplicateRequestIds, 0);
  });

  test('the webhook is refused with a wrong token, 400 for a malformed body, 200 ignored for a bot message', async () => {
    const wrong = await svc.postWebhook(webhook('user-chat-opened'), { token: 'not-the-token' });
    assert.equal(wrong.status, 401);
    const malformed = await svc.postWebhook({ event: 'push', type: 'message' });
    assert.equal(malformed.status, 400);
    assert.match(String(malformed.json.error), /entity/);
    const bot = await svc.postWebhook(webhook('bot-message'));
    assert.equal(bot.status, 200);
    assert.equal(bot.json.event, 'botMessage');
    assert.equal(bot.json.status, 'no_match');
    const res = await fetch(`${svc.url}/webhooks/channeltalk?token=e2e-webhook-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"event": "push", ' });
    assert.equal(res.status, 400);
  });

  test('legacy URLs take JSON, form posts and GET query strings', async () => {
    const body = webhookForChat('bot-message', 'e2e-legacy-chat');
    const json = await svc.postWebhook(body, { path: '/in_userchat' });
    assert.equal(json.status, 200);
    const form = new URLSearchParams({ event: 'push', type: 'message', entity: JSON.stringify(body.entity), refers: JSON.stringify(body.refers) });
    const formRes = await fetch(`${svc.url}/open_userchat?token=e2e-webhook-token`, { method: 'POST', body: form });
    assert.equal(formRes.status, 200);
    const q = new URLSearchParams({ token: 'e2e-webhook-token', payload: JSON.stringify(body) });
    const getRes = await fetch(`${svc.url}/in_userchat?${q.toString()}`);
    assert.equal(getRes.status, 200);
    // A bot's message is answered before its commit (README, issue 21): the log line after each commit says which were repeats.
    const received = await eventually(() => {
      const l = svc.lines.filter((x) => x.includes('"msg":"event received"') && x.includes('e2e-legacy-chat'));
      return l.length >= 3 && l;
    }, 20_000, 'the three commits');
    // (The first may be a repeat too: an earlier test posts the fixture's message id.)
    assert.deepEqual(received.slice(1).map((l) => (JSON.parse(l) as { duplicate: boolean }).duplicate), [true, true], 'same delivery thrice: recorded once');
    const noToken = await fetch(`${svc.url}/in_userchat`, { method: 'POST', body: form });
    assert.equal(noToken.status, 401);
  });

  test('health check', async () => {
    const res = await fetch(`${svc.url}/healthz`);
    assert.equal(res.status, 200);
    const h = (await res.json()) as { ok: boolean; database: string; curations: number };
    assert.equal(h.ok, true);
    assert.equal(h.database, 'sqlite');
    assert.ok(h.curations >= 2);
  });

  test('logs carry ids, never the secret, the token or profile values', () => {
    const all = svc.lines.join('\n');
    assert.ok(all.includes('e2e-chat-flows'), 'chat ids are logged');
    for (const needle of [FAKE_SECRET, 'e2e-webhook-token', '72.5', '홍길동', '+821000000000', '선물']) {
      assert.ok(!all.includes(needle), `the log must not contain ${needle}`);
    }
  });
});

describe('end to end: takeover and restart', () => {
  let fake: FakeProc;
  before(async () => {
    fake = await startFake();
  });
  after(async () => {
    await fake?.stop();
  });

  test('a manager writing cancels the rest of the sequence', async () => {
    const svc = await startService(serviceEnv(fake, { DELAY_SCALE: '0.5' }));
    try {
      const chatId = 'e2e-takeover';
      const opened = webhookForChat('user-chat-opened', chatId);
      const main = await expectedPlan('diet-main', opened);
      await svc.postWebhook(opened);
      await eventually(async () => (await fake.received()).messages.some((m) => m.chatId === chatId), 20_000, 'the first message');
      const manager = webhookForChat('manager-message', chatId, 'msg-e2e-manager-1');
      const res = await svc.postWebhook(manager);
      assert.equal(res.status, 200);
      // Stopped in the commit that stored it: the answer says so.
      assert.equal(res.json.status, 'acted');
      await svc.waitForLine(/"cancelledRuns":1/);
      const countAfter = (await fake.received()).messages.filter((m) => m.chatId === chatId).length;
      await new Promise((r) => setTimeout(r, 1500));
      const final = (await fake.received()).messages.filter((m) => m.chatId === chatId).length;
      assert.ok(final <= countAfter + 1, 'at most the message already in flight follows the takeover');
      assert.ok(final < main.messages.length, 'the rest of the sequence was cancelled');
    } finally {
      await svc.stop();
    }
  });

  test('restart: a message pending at shutdown is sent once after the next start', async () => {
    const env = serviceEnv(fake, { DELAY_SCALE: '0.5' });
    const chatId = 'e2e-restart';
    const opened = webhookForChat('user-chat-opened', chatId);
    const main = await expectedPlan('diet-main', opened);
    let svc = await startService(env);
    await svc.postWebhook(opened);
    await eventually(async () => (await fake.received()).messages.some((m) => m.chatId === chatId), 20_000, 'the first message');
    assert.equal(await svc.stop(), 0, 'graceful stop exits 0');
    const before = (await fake.received()).messages.filter((m) => m.chatId === chatId).length;
    assert.ok(before < main.messages.length, 'stopped with messages pending');

    svc = await startService(env);
    try {
      const got = await eventually(async () => {
        const mine = (await fake.received()).messages.filter((m) => m.chatId === chatId);
        return mine.length >= main.messages.length ? mine : undefined;
      }, 60_000, 'the rest after restart');
      assert.deepEqual(got.map((m) => m.requestId), main.messages.map((m) => m.body.requestId), 'each once, in order');
      // A SIGKILL now, then a start: nothing is sent again.
      await svc.kill();
      svc = await startService(env);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await fake.received()).messages.filter((m) => m.chatId === chatId).length, main.messages.length);
    } finally {
      await svc.stop();
    }
  });
});
