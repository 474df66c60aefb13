// Record on one service, replay into another: the second service runs the
// same curation and the fake Channel Talk receives the same sequence.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { replayCommand } from '../../src/cli/replay.js';
import type { CliIO } from '../../src/cli/io.js';
import { webhookForChat } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';
import { startHarness, until, WEBHOOK_TOKEN, type Harness } from '../console/harness.js';

const recordDir = path.join(tempDir(), 'recorded');
const maskedDir = path.join(tempDir(), 'recorded-masked');
let source: Harness;
let masking: Harness;
let target: Harness;

before(async () => {
  [source, masking, target] = await Promise.all([
    startHarness({ env: { RECORD_DIR: recordDir, RECORD_REDACT: 'false' } }),
    // RECORD_REDACT is on by default.
    startHarness({ env: { RECORD_DIR: maskedDir } }),
    startHarness(),
  ]);
});
after(async () => {
  await Promise.all([source?.close(), masking?.close(), target?.close()]);
});

test('a recorded delivery replays into another service and produces the same messages', async () => {
  const chatId = 'replay-chat';
  assert.equal((await source.postWebhook(webhookForChat('user-chat-opened', chatId))).status, 200);
  const files = await until(async () => {
    const names = (await readdir(recordDir).catch(() => [])).filter((n) => n.endsWith('.json'));
    return names.length > 0 ? names : undefined;
  }, 'the recording');
  const sent = await until(async () => {
    const mine = source.fake.state.messages.filter((m) => m.chatId === chatId);
    return mine.length > 0 && (await source.service.store.queueDepth()) === 0 ? mine : undefined;
  }, 'the source sequence');

  const out: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), env: { CHANNELTALK_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, cwd: recordDir };
  const code = await replayCommand([...files, '--to', target.url], io);
  assert.equal(code, 0, out.join('\n'));
  assert.match(out[0] ?? '', /^\[1\/1\] .+ -> 200 /);
  assert.equal(out.at(-1), 'replayed 1 delivery: 1 accepted, 0 failed');
  const replayed = await until(() => {
    const mine = target.fake.state.messages.filter((m) => m.chatId === chatId);
    return Promise.resolve(mine.length >= sent.length ? mine : undefined);
  }, 'the replayed sequence');
  assert.deepEqual(
    replayed.map((m) => m.requestId),
    sent.map((m) => m.requestId),
  );
});

test('a masked recording replays end to end: the same events, the same curations started, no customer data on disk', async () => {
  const chatId = 'replay-masked-chat';
  // Another customer than the first test's, whom the target served already (the curations have a per-customer cooldown).
  const asNewCustomer = (d: Record<string, unknown>) => JSON.parse(JSON.stringify(d).split('5f0e1d2c3b4a59687706').join('replay-masked-user')) as Record<string, unknown>;
  const deliveries = [webhookForChat('user-chat-opened', chatId), webhookForChat('user-message-keyword', chatId, 'replay-masked-msg')].map(asNewCustomer);
  const answers: Array<Record<string, unknown>> = [];
  for (const d of deliveries) {
    const res = await masking.postWebhook(d);
    assert.equal(res.status, 200);
    answers.push(res.json);
  }
  const files = await until(async () => {
    const names = (await readdir(maskedDir).catch(() => [])).filter((n) => n.endsWith('.json')).sort();
    return names.length >= 2 ? names : undefined;
  }, 'the masked recordings');
  assert.equal(files.length, 2);
  const onDisk = (await Promise.all(files.map((f) => readFile(path.join(maskedDir, f), 'utf8')))).join('\n');
  for (const secret of ['홍길동', '72.5', '+821000000000', '보통 (주2~4회)', 'mem-1a20a5ff']) assert.ok(!onDisk.includes(secret), `${secret} is not on disk`);

  const out: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), env: { CHANNELTALK_WEBHOOK_TOKEN: WEBHOOK_TOKEN }, cwd: maskedDir };
  const code = await replayCommand([maskedDir, '--to', target.url], io);
  assert.equal(code, 0, out.join('\n'));
  assert.equal(out.at(-1), 'replayed 2 deliveries: 2 accepted, 0 failed');
  const replayed = out.slice(0, 2).map((line) => JSON.parse(line.replace(/^.* -> 200 /, '')) as Record<string, unknown>);
  assert.deepEqual(
    replayed.map((a) => [a.event, a.status, a.duplicate]),
    answers.map((a) => [a.event, a.status, a.duplicate]),
  );
  const curationsOf = async (h: Harness, answer: Record<string, unknown>) => {
    const ids = answer.runs as string[];
    if (ids.length === 0) return [];
    // The answer came once the event was stored; its runs start in its planEvent job right after.
    await until(async () => ((await h.service.store.db.selectFrom('jobs').select('id').where('kind', '=', 'planEvent').execute()).length === 0 ? true : undefined), 'the events planned');
    const rows = await h.service.store.db.selectFrom('runs').select(['curation_id']).where('id', 'in', ids).execute();
    return rows.map((r) => r.curation_id).sort();
  };
  for (const [i, answer] of answers.entries()) {
    const started = await curationsOf(masking, answer);
    assert.ok(started.length > 0, `delivery ${i + 1} started a curation at the source`);
    assert.deepEqual(await curationsOf(target, replayed[i]!), started, `delivery ${i + 1} starts the same curations on replay`);
  }
  // Masked profile values are no answers, so a curation that needs them sends its fallback; but it sends.
  await until(() => Promise.resolve(target.fake.state.messages.some((m) => m.chatId === chatId) || undefined), 'messages from the replay');
});
