// The Metrics object on its own: separate registries, the counters the
// service feeds, the queue depth read on scrape, rate-limit stats as deltas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Metrics, registerMetrics } from '../../src/server/metrics.js';

function value(text: string, name: string, labels = ''): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : null;
}

test('two instances do not share counters; every method moves its series', async () => {
  const a = new Metrics({ processMetrics: false });
  const b = new Metrics({ processMetrics: false });
  a.webhook('chatOpened', 'acted');
  a.webhook('chatOpened', 'acted');
  a.webhook('unknown', 'unauthorized');
  a.runStarted('diet-main');
  a.runFinished('completed');
  a.runFinished('cancelled', 2);
  a.runFinished('failed', 0);
  a.sendAttempt('sent', 200, 0.12);
  a.sendAttempt('retry', null, 10);
  a.rateLimitWait(1500);
  const t = await a.text();
  assert.equal(value(t, 'curation_webhooks_received_total', 'kind="chatOpened",status="acted"'), 2);
  assert.equal(value(t, 'curation_webhooks_received_total', 'kind="unknown",status="unauthorized"'), 1);
  assert.equal(value(t, 'curation_runs_started_total', 'curation="diet-main"'), 1);
  assert.equal(value(t, 'curation_runs_finished_total', 'state="completed"'), 1);
  assert.equal(value(t, 'curation_runs_finished_total', 'state="cancelled"'), 2);
  assert.equal(value(t, 'curation_runs_finished_total', 'state="failed"'), null);
  assert.equal(value(t, 'curation_send_attempts_total', 'outcome="sent",status="200"'), 1);
  assert.equal(value(t, 'curation_send_attempts_total', 'outcome="retry",status="none"'), 1);
  assert.equal(value(t, 'curation_channeltalk_send_duration_seconds_count', 'outcome="sent"'), 1);
  assert.equal(value(t, 'curation_channeltalk_send_duration_seconds_bucket', 'le="0.25",outcome="sent"'), 1);
  assert.equal(value(t, 'curation_rate_limit_waits_total'), 1);
  assert.equal(value(t, 'curation_rate_limit_wait_seconds_total'), 1.5);
  assert.equal(value(await b.text(), 'curation_webhooks_received_total', 'kind="chatOpened",status="acted"'), null);
});

test('client rate-limit stats become counter increments on scrape', async () => {
  const m = new Metrics({ processMetrics: false });
  const stats = { rateLimitWaits: 3, rateLimitWaitMs: 3000 };
  m.watchRateLimits(() => stats);
  assert.equal(value(await m.text(), 'curation_rate_limit_waits_total'), 0, 'what happened before watching is not counted');
  stats.rateLimitWaits = 5;
  stats.rateLimitWaitMs = 4000;
  const t = await m.text();
  assert.equal(value(t, 'curation_rate_limit_waits_total'), 2);
  assert.equal(value(t, 'curation_rate_limit_wait_seconds_total'), 1);
  assert.equal(value(await m.text(), 'curation_rate_limit_waits_total'), 2, 'a second scrape adds nothing new');
});

test('GET /metrics: Prometheus text, queue depth from the store at scrape time, process metrics', async () => {
  const m = new Metrics();
  let depth = 4;
  const app = Fastify();
  registerMetrics(app, m, { queueDepth: () => Promise.resolve(depth) });
  const first = await app.inject({ url: '/metrics' });
  assert.equal(first.statusCode, 200);
  assert.match(String(first.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.equal(value(first.body, 'curation_queue_depth'), 4);
  assert.ok(first.body.includes('curation_process_cpu_user_seconds_total'));
  depth = 0;
  assert.equal(value((await app.inject({ url: '/metrics' })).body, 'curation_queue_depth'), 0);
  await app.close();
});

test('GET /metrics with METRICS_TOKEN: 401 without the bearer token or with a wrong one, 200 with it', async () => {
  const token = 'metrics-secret-123';
  const app = Fastify();
  registerMetrics(app, new Metrics({ processMetrics: false }), { queueDepth: () => Promise.resolve(0) }, token);
  for (const authorization of [undefined, 'Bearer wrong-token-xyz', `Basic ${token}`, token, `Bearer ${token}x`]) {
    const res = await app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
    assert.equal(res.statusCode, 401, `authorization: ${authorization ?? '(none)'}`);
    assert.match(res.headers['www-authenticate'] as string, /^Bearer/);
    assert.doesNotMatch(res.body, /curation_/, 'no figures without the token');
  }
  const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.statusCode, 200);
  assert.match(ok.body, /curation_queue_depth 0/);
  await app.close();
});

test('rate budgets per endpoint family: what each has left and whether it waits for a reset, per channel', async () => {
  const m = new Metrics({ processMetrics: false });
  const future = Date.now() + 30_000;
  const budgets = [
    { family: 'userChats', priority: 'background', state: { remaining: 0, resetAt: future } },
    { family: 'messages', priority: 'live', state: { remaining: 9, resetAt: future } },
    { family: 'users', priority: 'live', state: { remaining: null, resetAt: null } },
  ];
  m.watchRateBudgets('shop', () => budgets);
  const t = await m.text();
  assert.equal(value(t, 'curation_rate_limit_remaining', 'channel="shop",family="userChats",priority="background"'), 0);
  assert.equal(value(t, 'curation_rate_limit_remaining', 'channel="shop",family="messages",priority="live"'), 9);
  assert.equal(value(t, 'curation_rate_limit_remaining', 'channel="shop",family="users",priority="live"'), null, 'nothing learned: no figure');
  assert.equal(value(t, 'curation_rate_limit_held', 'channel="shop",family="userChats",priority="background"'), 1, 'the chat list waits for its reset');
  assert.equal(value(t, 'curation_rate_limit_held', 'channel="shop",family="messages",priority="live"'), 0, 'sends do not');
  assert.equal(value(t, 'curation_rate_limit_held', 'channel="shop",family="users",priority="live"'), 0);
  budgets[0] = { family: 'userChats', priority: 'background', state: { remaining: 0, resetAt: Date.now() - 1 } };
  assert.equal(value(await m.text(), 'curation_rate_limit_held', 'channel="shop",family="userChats",priority="background"'), 0, 'a passed reset holds nothing');
});
