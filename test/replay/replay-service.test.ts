// Record on one service, replay into another: the second service runs the
// same curation and the fake Channel Talk receives the same sequence.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { replayCommand } from '../../src/cli/replay.js';
import type { CliIO } from '../../src/cli/io.js';
import { webhookForChat } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';
import { startHarness, until, WEBHOOK_TOKEN, type Harness } from '../console/harness.js';

const recordDir = path.join(tempDir(), 'recorded');
let source: Harness;
let target: Harness;

before(async () => {
  [source, target] = await Promise.all([startHarness({ env: { RECORD_DIR: recordDir, RECORD_REDACT: 'false' } }), startHarness()]);
});
after(async () => {
  await Promise.all([source?.close(), target?.close()]);
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
