// The webhook health and sweep settings, and the public webhook URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { CHANNELTALK_ACCESS_KEY: 'k', CHANNELTALK_ACCESS_SECRET: 'very-secret-value', CHANNELTALK_WEBHOOK_TOKEN: 'tok' };

function errorLine(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv/app');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.lines.join('\n');
  }
  assert.fail('expected a ConfigError');
}

test('defaults: health every 5 min, sweep every 5 min with a 2 min overlap, chats up to an hour old; no public URL', () => {
  const c = loadConfig(base, '/srv/app');
  assert.deepEqual(c.webhook, { publicUrl: undefined, healthIntervalMs: 300_000, sweepIntervalMs: 300_000, sweepOverlapMs: 120_000, sweepMaxAgeMs: 3_600_000 });
});

test('set, and 0 turns the health job or the sweep off', () => {
  const c = loadConfig({ ...base, PUBLIC_WEBHOOK_URL: 'https://bot.example/webhooks/channeltalk', WEBHOOK_HEALTH_INTERVAL_SECONDS: '0', SWEEP_INTERVAL_SECONDS: '0', SWEEP_OVERLAP_SECONDS: '30', SWEEP_MAX_AGE_MINUTES: '180' });
  assert.deepEqual(c.webhook, { publicUrl: 'https://bot.example/webhooks/channeltalk', healthIntervalMs: 0, sweepIntervalMs: 0, sweepOverlapMs: 30_000, sweepMaxAgeMs: 10_800_000 });
});

test('wrong values are named with the fix', () => {
  assert.match(errorLine({ ...base, PUBLIC_WEBHOOK_URL: 'https://bot.example/hook?token=abc' }), /^config: PUBLIC_WEBHOOK_URL the webhook URL must not carry the token: Channel Talk appends \?token= itself/);
  assert.match(errorLine({ ...base, PUBLIC_WEBHOOK_URL: 'bot.example' }), /^config: PUBLIC_WEBHOOK_URL .*is not a URL/);
  assert.match(errorLine({ ...base, SWEEP_INTERVAL_SECONDS: '5' }), /^config: SWEEP_INTERVAL_SECONDS must be 0 \(off\) or a whole number of seconds from 30 to 86400$/);
  assert.match(errorLine({ ...base, WEBHOOK_HEALTH_INTERVAL_SECONDS: 'often' }), /^config: WEBHOOK_HEALTH_INTERVAL_SECONDS must be 0 \(off\) or a whole number/);
  assert.match(errorLine({ ...base, SWEEP_OVERLAP_SECONDS: '-1' }), /^config: SWEEP_OVERLAP_SECONDS must be a whole number between 0 and 3600$/);
  assert.match(errorLine({ ...base, SWEEP_MAX_AGE_MINUTES: '0' }), /^config: SWEEP_MAX_AGE_MINUTES must be a whole number between 1 and 10080$/);
});

test('commands that only talk to the API (setup) may run before the webhook token exists', () => {
  const { CHANNELTALK_WEBHOOK_TOKEN: _t, ...noToken } = base;
  assert.match(errorLine(noToken), /CHANNELTALK_WEBHOOK_TOKEN is required/);
  const c = loadConfig(noToken, '/srv/app', { requireWebhookToken: false });
  assert.deepEqual(c.channels[0]!.webhookTokens, []);
  assert.equal(c.allowUnverifiedWebhooks, false, 'this does not turn verification off');
});
