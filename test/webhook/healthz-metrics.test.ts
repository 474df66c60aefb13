// A blocked webhook in /healthz (200: the instance is fine; `webhooks.ok`
// false with the reason and the fix; `?strict` answers 503 for monitors that
// only read the status) and in the curation_webhook_blocked gauge.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { WebhookHealthBoard } from '../../src/webhook/health-board.js';
import type { WebhookHealth } from '../../src/webhook/health.js';
import { ROOT } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

const health = (channel: string, state: WebhookHealth['state']): WebhookHealth => ({
  channel,
  state,
  checkedAt: 1_800_000_000_000,
  webhookId: `wh-${channel}`,
  ...(state === 'blocked' ? { lastBlockedAt: 1_799_999_000_000 } : {}),
  reason: state === 'blocked' ? 'Channel Talk has blocked webhook wh' : 'fine',
  fix: state === 'blocked' ? 'unblock it: run `curation setup --unblock`' : '',
});

function value(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ').at(-1)) : null;
}

describe('/healthz with the webhook board', () => {
  let store: Store;
  let app: FastifyInstance;
  const board = new WebhookHealthBoard();
  before(async () => {
    const logger = pino({ level: 'silent' });
    store = await Store.open(`sqlite:${path.join(tempDir(), 'healthz.db')}`, { delayScale: 0 });
    const opened = await ChannelRegistry.open(
      [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: ['t'], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
      { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
    );
    assert.ok(opened.ok);
    app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels: opened.registry, webhookHealth: board });
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  test('before any check: nothing known, ok', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    const body = res.json<{ ok: boolean; webhooks: { ok: boolean; channels: Record<string, unknown> } }>();
    assert.equal(body.ok, true);
    assert.deepEqual(body.webhooks, { ok: true, channels: {} });
  });

  test('blocked: 200 with webhooks.ok false, the state, lastBlockedAt and the fix; ?strict is 503', async () => {
    board.record(health('default', 'blocked'));
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    const body = res.json<{ ok: boolean; webhooks: { ok: boolean; channels: Record<string, { state: string; lastBlockedAt: number; fix: string; webhookId: string }> } }>();
    assert.equal(body.ok, true, 'the instance itself is healthy');
    assert.equal(body.webhooks.ok, false);
    assert.equal(body.webhooks.channels.default?.state, 'blocked');
    assert.equal(body.webhooks.channels.default?.lastBlockedAt, 1_799_999_000_000);
    assert.match(body.webhooks.channels.default?.fix ?? '', /curation setup --unblock/);
    const strict = await app.inject({ method: 'GET', url: '/healthz?strict' });
    assert.equal(strict.statusCode, 503);
    assert.equal(strict.json<{ webhooks: { ok: boolean } }>().webhooks.ok, false);
    board.record(health('default', 'ok'));
    assert.equal((await app.inject({ method: 'GET', url: '/healthz?strict' })).statusCode, 200);
  });
});

describe('curation_webhook_blocked', () => {
  test('1 for a blocked channel, 0 otherwise, read from the board on scrape; sweeps count what they recovered', async () => {
    const m = new Metrics({ processMetrics: false });
    const board = new WebhookHealthBoard();
    m.watchWebhooks(board);
    board.record(health('salad', 'blocked'));
    board.record(health('bakery', 'ok'));
    let t = await m.text();
    assert.equal(value(t, 'curation_webhook_blocked', 'channel="salad"'), 1);
    assert.equal(value(t, 'curation_webhook_blocked', 'channel="bakery"'), 0);
    board.record(health('salad', 'ok'));
    m.sweepRecovered('salad', 3);
    m.sweepRecovered('salad', 0);
    t = await m.text();
    assert.equal(value(t, 'curation_webhook_blocked', 'channel="salad"'), 0);
    assert.equal(value(t, 'curation_sweep_recovered_total', 'channel="salad"'), 3);
  });

  test('sweeps that left part of the chat list unread are counted by why', async () => {
    const m = new Metrics({ processMetrics: false });
    const sweep = { channel: 'salad', recovered: [{ chatId: 'c1', runs: [] }], dropped: 0, repeatedCursor: false, cursor: null };
    m.sweepDone(sweep);
    m.sweepDone({ ...sweep, cursor: 'next-page' });
    m.sweepDone({ ...sweep, cursor: 'next-page' });
    m.sweepDone({ ...sweep, repeatedCursor: true });
    m.sweepDone({ ...sweep, dropped: 4 });
    m.sweepDone({ ...sweep, error: 'Channel Talk unreachable' });
    const t = await m.text();
    assert.equal(value(t, 'curation_sweep_recovered_total', 'channel="salad"'), 6);
    assert.equal(value(t, 'curation_sweep_incomplete_total', 'channel="salad",reason="budget"'), 2);
    assert.equal(value(t, 'curation_sweep_incomplete_total', 'channel="salad",reason="repeated_cursor"'), 1);
    assert.equal(value(t, 'curation_sweep_incomplete_total', 'channel="salad",reason="dropped"'), 1);
    assert.equal(value(t, 'curation_sweep_incomplete_total', 'channel="salad",reason="error"'), 1);
  });
});
