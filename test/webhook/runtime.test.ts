// The webhook runtime as the service holds it: a blocked webhook is reported
// (board, error log with the fix), unblocking it through the API sets off the
// sweep that recovers the chats opened while it was blocked; a block lifted in
// the desk is noticed by the next check; sweeps keep their covered point.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { WebhookRuntime, managerWrote } from '../../src/webhook/runtime.js';
import type { WebhookConfig } from '../../src/config.js';
import { control } from '../fake-channeltalk/helpers.js';
import { startSweepWorld, type SweepWorld } from './sweep-harness.js';

let world: SweepWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function memoryLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown> & { msg: string; level: number }> } {
  const lines: Array<Record<string, unknown> & { msg: string; level: number }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const CONFIG: WebhookConfig = { publicUrl: undefined, healthIntervalMs: 300_000, sweepIntervalMs: 300_000, sweepOverlapMs: 120_000, sweepMaxAgeMs: 3_600_000 };

async function setup(over: { config?: Partial<WebhookConfig>; onBlockLifted?: (c: string) => void } = {}) {
  world = await startSweepWorld();
  const w = world;
  const { logger, lines } = memoryLogger();
  const runtime = new WebhookRuntime({
    channels: w.registry,
    intake: w.intake,
    store: w.store,
    logger,
    config: { ...CONFIG, publicUrl: `${w.appUrl}/webhooks/channeltalk`, ...over.config },
    pause: () => Promise.resolve(),
    ...(over.onBlockLifted ? { onBlockLifted: over.onBlockLifted } : {}),
  });
  return { w, runtime, lines };
}

describe('WebhookRuntime', () => {
  test('blocked: on the board and logged as an error with the fix; Unblock lifts it and the sweep recovers what the block lost', async () => {
    const { w, runtime, lines } = await setup();
    await w.addUsers(['bu0', 'bu1', 'bu2']);
    await w.openChat({ chatId: 'before', userId: 'bu0' });
    await control(w.fake, 'POST', `/webhooks/${w.webhookId}/block`);
    // While blocked, Channel Talk delivers nothing.
    await w.openChat({ chatId: 'lost1', userId: 'bu1' });
    await w.openChat({ chatId: 'lost2', userId: 'bu2' });
    assert.equal((await w.eventsOf('lost1')).length, 0);

    const h = await runtime.checkHealth('default');
    assert.equal(h.state, 'blocked');
    assert.equal(runtime.board.get('default')?.state, 'blocked');
    const err = lines.find((l) => l.msg === 'webhook blocked by Channel Talk: no deliveries arrive until it is unblocked');
    assert.ok(err, 'an error line');
    assert.equal(err.level, 50);
    assert.match(String(err.fix), /curation setup --unblock/);
    assert.equal(err.webhookId, w.webhookId);

    await control(w.fake, 'POST', '/webhooks/config', { apiUnblock: true });
    const r = await runtime.unblock('default', 'op_test');
    // Asked at once, it joins the sweep the unblock started.
    const sweep = await runtime.sweep('default', 'manual');
    assert.equal(r.outcome, 'unblocked');
    assert.equal(r.sweep, 'started');
    assert.equal((await w.client.getWebhook(w.webhookId)).blocked, false, 'unblocked in Channel Talk');
    assert.equal(runtime.board.get('default')?.state, 'ok');
    assert.ok(sweep);
    assert.equal(sweep.reason, 'unblocked');
    assert.deepEqual(sweep.recovered.map((c) => c.chatId).sort(), ['lost1', 'lost2']);
    assert.equal(runtime.sweeps.recent()[0], sweep, 'listed for the console');
    const perChat = lines.filter((l) => l.msg === 'webhook sweep recovered a chat whose delivery never came');
    assert.deepEqual(perChat.map((l) => l.chatId).sort(), ['lost1', 'lost2']);
    assert.ok(perChat.every((l) => Array.isArray(l.runs) && (l.runs as string[]).length === 1));
    const summary = lines.filter((l) => l.msg === 'webhook sweep finished');
    assert.equal(summary.length, 1);
    assert.equal(summary[0]?.recovered, 2);
    assert.equal(summary[0]?.scanned, 3);
    const text = JSON.stringify(lines);
    assert.ok(!text.includes('72.5') && !text.includes(w.webhookToken), 'no profile value, no token in the logs');
    // Deliveries flow again.
    await w.addUsers(['bu3']);
    await w.openChat({ chatId: 'after', userId: 'bu3' });
    assert.equal((await w.eventsOf('after')).length, 1);
  });

  test('the strict fake: the unblock is read back still blocked; refused, logged with the desk steps, no sweep, the board names the desk', async () => {
    const { w, runtime, lines } = await setup();
    await control(w.fake, 'POST', `/webhooks/${w.webhookId}/block`);
    await runtime.checkHealth('default');
    const r = await runtime.unblock('default', 'op_test');
    assert.equal(r.outcome, 'refused');
    assert.equal(r.sweep, 'not_needed');
    assert.equal((await w.client.getWebhook(w.webhookId)).blocked, true);
    const warn = lines.find((l) => l.msg === 'webhook could not be unblocked through the API');
    assert.ok(warn);
    assert.match(String(warn.fix), /In the desk: Settings > Webhook, open webhook \S+ .* and unblock it there/);
    const board = runtime.board.get('default');
    assert.equal(board?.state, 'blocked');
    assert.equal(board?.unblockRefused, true);
    assert.match(board?.fix ?? '', /In the desk: Settings > Webhook/);
  });

  test('a block lifted elsewhere (the desk) is noticed by the next check, which sets off the sweep through the callback', async () => {
    const lifted: string[] = [];
    const { w, runtime, lines } = await setup({ onBlockLifted: (c) => lifted.push(c) });
    await control(w.fake, 'POST', `/webhooks/${w.webhookId}/block`);
    assert.equal((await runtime.checkHealth('default')).state, 'blocked');
    // The desk's unblock.
    await control(w.fake, 'POST', `/webhooks/${w.webhookId}/unblock`);
    assert.equal((await runtime.checkHealth('default')).state, 'ok');
    assert.deepEqual(lifted, ['default']);
    assert.ok(lines.some((l) => l.msg === 'webhook block lifted: sweeping the chats opened meanwhile'));
    assert.equal((await runtime.checkHealth('default')).state, 'ok');
    assert.deepEqual(lifted, ['default'], 'once');
  });

  test('SWEEP_INTERVAL_SECONDS=0: no sweep at all, also not after an unblock', async () => {
    const { w, runtime } = await setup({ config: { sweepIntervalMs: 0 } });
    assert.equal(await runtime.sweep('default', 'start'), null);
    await control(w.fake, 'POST', `/webhooks/${w.webhookId}/block`);
    await control(w.fake, 'POST', '/webhooks/config', { apiUnblock: true });
    const r = await runtime.unblock('default');
    assert.equal(r.outcome, 'unblocked');
    assert.equal(r.sweep, 'off');
    assert.deepEqual(runtime.sweeps.recent(), []);
  });

  test('the covered point is kept: the next sweep stops there; a sweep asked for while one runs joins it', async () => {
    const { w, runtime } = await setup();
    await w.addUsers(['cu0']);
    await w.openChat({ chatId: 'cc0', userId: 'cu0', delivery: 'none' });
    const [a, b] = await Promise.all([runtime.sweep('default', 'start'), runtime.sweep('default', 'interval')]);
    assert.equal(a, b, 'one sweep');
    assert.equal(runtime.coveredUntil('default'), a?.startedAt);
    const again = await runtime.sweep('default', 'interval');
    assert.deepEqual(again?.recovered, []);
    assert.equal(again?.stopAt, (a?.startedAt ?? 0) - 120_000);
    runtime.setCoveredUntil('default', 42);
    assert.equal(runtime.coveredUntil('default'), 42);
  });

  test('missing and unreachable are reported; unblocking a webhook that is not there says so', async () => {
    const { runtime, lines } = await setup({ config: { publicUrl: 'https://elsewhere.example/webhooks/channeltalk' } });
    // Our webhook in this world is named channeltalk-curation, so it is still found by name.
    assert.equal((await runtime.checkHealth('default')).state, 'ok');
    const { w } = { w: world! };
    const hook = await w.client.getWebhook(w.webhookId);
    await w.client.updateWebhook(w.webhookId, { name: 'renamed', url: hook.url, scopes: ['userChat.opened'], apiVersion: 'v5' });
    const h = await runtime.checkHealth('default');
    assert.equal(h.state, 'missing');
    assert.ok(lines.some((l) => l.msg === 'webhook not registered in Channel Talk: no deliveries arrive' && l.level === 50));
    const r = await runtime.unblock('default');
    assert.equal(r.outcome, 'error');
    assert.match(r.fix, /curation setup/);
  });
});

describe('managerWrote', () => {
  test('a manager message in the chat, or not; unknown when the messages cannot be read', async () => {
    const list = (messages: unknown[]) => ({ listMessages: () => Promise.resolve({ messages }) });
    assert.equal(await managerWrote(list([{ personType: 'bot' }, { personType: 'manager' }]), { id: 'c1' }), true);
    assert.equal(await managerWrote(list([{ personType: 'bot' }, { personType: 'user' }]), { id: 'c1' }), false);
    assert.equal(await managerWrote({ listMessages: () => Promise.reject(new Error('down')) }, { id: 'c1' }), false);
  });
});
