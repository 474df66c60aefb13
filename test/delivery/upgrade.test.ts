// Upgrade in place: test/fixtures/db/v1-inflight.db was made by the code
// before the job engine (test/fixtures/make-v1-inflight.mjs, commit bdb46aa)
// with work in flight on each of its queues: messages due, a message in
// flight, a half-sent sequence, planning deferred (new, retried, claimed by
// a dead instance) and a write-back due. Started on it, today's service
// migrates the file and finishes every piece exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startService } from '../../src/service.js';
import { startFakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { ROOT } from '../support/fixtures.js';
import { eventually, tempDir } from '../support/processes.js';

const PROFILE = { name: '김하나', weight: '72.5', height: 176, age: 34, activation: '보통 (주2~4회)', goal: '5kg 미만의 감량을 원하세요', hydrate: '1L 이하', number_dining: '3회', worries: [], thirdPartyAgree: true };

test('a v1 store with work in flight is migrated on start, and everything finishes exactly once', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'v1.db');
  copyFileSync(path.join(ROOT, 'test/fixtures/db/v1-inflight.db'), file);
  // What the old code had left: the messages already sent must not go again.
  const old = new BetterSqlite3(file, { readonly: true });
  const sentBefore = new Set((old.prepare("SELECT request_id FROM messages WHERE state = 'sent'").all() as Array<{ request_id: string }>).map((r) => r.request_id));
  const toSend = old.prepare("SELECT chat_id, request_id FROM messages WHERE state <> 'sent' ORDER BY chat_id, seq").all() as Array<{ chat_id: string; request_id: string }>;
  const planning = (old.prepare("SELECT chat_id FROM runs WHERE state = 'planning' ORDER BY chat_id").all() as Array<{ chat_id: string }>).map((r) => r.chat_id);
  old.close();
  assert.deepEqual(planning, ['up-plan-claimed', 'up-plan-new', 'up-plan-retry']);
  assert.equal(sentBefore.size, 16);

  const fake = await startFakeChannelTalk({ accessKey: 'uk', accessSecret: 'us' });
  for (const chat of [...planning, 'up-wb']) {
    const id = chat.replace('up-', 'up-user-');
    fake.state.users.set(id, { id, name: '김하나', profile: PROFILE, language: 'ko' });
  }
  const config = loadConfig(
    { CHANNELTALK_ACCESS_KEY: 'uk', CHANNELTALK_ACCESS_SECRET: 'us', CHANNELTALK_WEBHOOK_TOKEN: 'ut', CHANNELTALK_API_URL: fake.url, DATABASE_URL: `sqlite:${file}`, CURATIONS_DIR: path.join(ROOT, 'curations'), PORT: '0', HOST: '127.0.0.1', DELAY_SCALE: '0' },
    dir,
  );
  const svc = await startService(config, pino({ level: process.env.UPGRADE_LOG ?? 'silent' }));
  try {
    const chats = ['up-due', 'up-half', 'up-inflight', ...planning];
    const runs = await eventually(async () => {
      const rs = await svc.store.db.selectFrom('runs').select(['chat_id', 'state', 'writeback_state']).execute();
      return rs.every((r) => r.state === 'completed') && rs.find((r) => r.chat_id === 'up-wb')?.writeback_state === 'done' ? rs : undefined;
    }, 30_000, 'every run to finish');
    assert.equal(runs.length, 7);
    await new Promise((r) => setTimeout(r, 300));
    const got = fake.state.messages;
    const byChat = (chat: string) => got.filter((m) => m.chatId === chat).map((m) => m.requestId);
    // Planned before the upgrade: exactly the unsent messages, once each, in order.
    for (const chat of ['up-due', 'up-half', 'up-inflight']) {
      assert.deepEqual(byChat(chat), toSend.filter((m) => m.chat_id === chat).map((m) => m.request_id), chat);
    }
    // Planned after the upgrade: a whole sequence each, once.
    for (const chat of planning) {
      const ids = byChat(chat);
      assert.equal(ids.length, 12, `${chat}: the whole sequence`);
      assert.equal(new Set(ids).size, ids.length, `${chat}: no message twice`);
    }
    assert.deepEqual(got.filter((m) => sentBefore.has(m.requestId ?? '')), [], 'nothing sent before the upgrade is sent again');
    assert.equal(got.filter((m) => !chats.includes(m.chatId)).length, 0, 'up-wb sent nothing more');
    assert.deepEqual(fake.state.profilePatches.map((p) => p.userId), ['up-user-wb'], 'the write-back ran once');
    const jobs = await svc.store.db.selectFrom('jobs').selectAll().execute();
    // The webhook's health check and sweep recur by design: one waiting row each, nothing else left.
    const recurring = new Set(['webhookHealth', 'sweep']);
    assert.deepEqual(jobs.filter((j) => !recurring.has(j.kind)), [], 'no job left');
    assert.deepEqual(jobs.filter((j) => recurring.has(j.kind)).map((j) => [j.kind, j.state]).sort(), [['sweep', 'pending'], ['webhookHealth', 'pending']]);
  } finally {
    await svc.stop();
    await fake.close();
  }
});
