import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig, ConfigError } from '../src/config.js';

const base = { CHANNELTALK_ACCESS_KEY: 'k', CHANNELTALK_ACCESS_SECRET: 'very-secret-value', CHANNELTALK_WEBHOOK_TOKEN: 'tok' };

function errorLines(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/app');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.lines;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  test('defaults', () => {
    const c = loadConfig(base, '/srv/app');
    assert.equal(c.port, 3000);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.databaseUrl, `sqlite:${path.resolve('/srv/app/data/curation.db')}`);
    assert.equal(c.curationsDir, path.resolve('/srv/app/curations'));
    assert.equal(c.channelTalk.apiUrl, 'https://api.channel.io');
    assert.equal(c.timing.delayScale, 1);
    assert.deepEqual(c.channels[0]!.webhookTokens, ['tok']);
  });

  test('the state directory and the wait for the database at start-up', () => {
    assert.equal(loadConfig(base, '/srv/app').stateDir, path.resolve('/srv/app/data'), 'next to the SQLite file');
    assert.equal(loadConfig({ ...base, DATABASE_URL: 'sqlite:/var/lib/curation/c.db' }, '/srv/app').stateDir, path.resolve('/var/lib/curation'));
    assert.equal(loadConfig({ ...base, DATABASE_URL: 'postgres://db/curation' }, '/srv/app').stateDir, path.resolve('/srv/app/data'));
    assert.equal(loadConfig({ ...base, STATE_DIR: 'state' }, '/srv/app').stateDir, path.resolve('/srv/app/state'));
    assert.equal(loadConfig(base).databaseWaitMs, null, 'as long as it takes');
    assert.equal(loadConfig({ ...base, DATABASE_WAIT_SECONDS: '90' }).databaseWaitMs, 90_000);
    assert.match(errorLines({ ...base, DATABASE_WAIT_SECONDS: 'forever' })[0]!, /^config: DATABASE_WAIT_SECONDS must be a whole number between 0 and/);
  });

  test('the takeover check interval: 5 s by default, 0 reads before every message, a wrong value says what to set', () => {
    assert.equal(loadConfig(base).takeoverCheckMs, 5000);
    assert.equal(loadConfig({ ...base, TAKEOVER_CHECK_SECONDS: '0' }).takeoverCheckMs, 0);
    assert.equal(loadConfig({ ...base, TAKEOVER_CHECK_SECONDS: '0.5' }).takeoverCheckMs, 500);
    assert.match(errorLines({ ...base, TAKEOVER_CHECK_SECONDS: 'often' })[0]!, /^config: TAKEOVER_CHECK_SECONDS must be a number of seconds/);
    assert.match(errorLines({ ...base, TAKEOVER_CHECK_SECONDS: '-1' })[0]!, /^config: TAKEOVER_CHECK_SECONDS must be 0 or more seconds/);
  });

  test('the park threshold: 5 minutes by default, with DELAY_SCALE in the timing; a wrong value says what to set', () => {
    assert.deepEqual(loadConfig(base).timing, { delayScale: 1, parkAfterMs: 300_000 });
    assert.deepEqual(loadConfig({ ...base, PARK_AFTER_SECONDS: '0.5', DELAY_SCALE: '0.1' }).timing, { delayScale: 0.1, parkAfterMs: 500 });
    assert.equal(loadConfig({ ...base, PARK_AFTER_SECONDS: '0' }).timing.parkAfterMs, 0);
    assert.match(errorLines({ ...base, PARK_AFTER_SECONDS: 'soon' })[0]!, /^config: PARK_AFTER_SECONDS must be a number of seconds: 300 by default/);
    assert.match(errorLines({ ...base, PARK_AFTER_SECONDS: '-1' })[0]!, /^config: PARK_AFTER_SECONDS must be 0 or more seconds/);
    assert.match(errorLines({ ...base, PARK_AFTER_SECONDS: '999999999' })[0]!, /^config: PARK_AFTER_SECONDS must be at most 604800 seconds/);
  });

  test('what would change replays 200 runs by default; IMPACT_RUNS between 1 and 1000', () => {
    assert.equal(loadConfig(base).impactRuns, 200);
    assert.equal(loadConfig({ ...base, IMPACT_RUNS: '50' }).impactRuns, 50);
    assert.match(errorLines({ ...base, IMPACT_RUNS: '0' })[0]!, /^config: IMPACT_RUNS must be a whole number between 1 and 1000/);
  });

  test('each missing secret is named, one line each, with what to do', () => {
    const lines = errorLines({});
    assert.ok(lines.some((l) => /^config: CHANNELTALK_ACCESS_KEY is required: set it to/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^config: CHANNELTALK_ACCESS_SECRET is required/.test(l)));
  });

  test('no webhook token refuses to start unless unverified webhooks are allowed', () => {
    const { CHANNELTALK_WEBHOOK_TOKEN: _t, ...noToken } = base;
    const lines = errorLines(noToken);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /CHANNELTALK_WEBHOOK_TOKEN is required.*ALLOW_UNVERIFIED_WEBHOOKS=true/);
    const c = loadConfig({ ...noToken, ALLOW_UNVERIFIED_WEBHOOKS: 'true' });
    assert.equal(c.allowUnverifiedWebhooks, true);
    assert.deepEqual(c.channels[0]!.webhookTokens, []);
  });

  test('wrong values are named with the fix', () => {
    assert.match(errorLines({ ...base, PORT: 'eighty' })[0]!, /^config: PORT must be a whole number between 0 and 65535$/);
    assert.match(errorLines({ ...base, DELAY_SCALE: '-1' })[0]!, /^config: DELAY_SCALE must be 0 or more/);
    assert.match(errorLines({ ...base, DATABASE_URL: 'mysql://x' })[0]!, /^config: DATABASE_URL must start with sqlite:/);
    assert.match(errorLines({ ...base, CHANNELTALK_API_URL: 'not a url' })[0]!, /^config: CHANNELTALK_API_URL must be an http\(s\) URL/);
    assert.match(errorLines({ ...base, LOG_LEVEL: 'loud' })[0]!, /^config: LOG_LEVEL must be one of/);
    assert.match(errorLines({ ...base, METRICS_TOKEN: 'short' })[0]!, /^config: METRICS_TOKEN must be at least 12 characters/);
    assert.equal(loadConfig({ ...base, METRICS_TOKEN: 'scrape-secret-1' }).metricsToken, 'scrape-secret-1');
    assert.equal(loadConfig(base).metricsToken, undefined, 'no default: /metrics is open unless a token is set');
  });

  test('a rotated token list is split; errors never echo a secret', () => {
    const c = loadConfig({ ...base, CHANNELTALK_WEBHOOK_TOKEN: 'new, old' });
    assert.deepEqual(c.channels[0]!.webhookTokens, ['new', 'old']);
    const lines = errorLines({ ...base, PORT: 'x' });
    assert.ok(!lines.join('\n').includes('very-secret-value'));
  });

  test('TRUST_PROXY: off by default; true, a hop count, or a list of addresses and CIDRs', () => {
    assert.equal(loadConfig(base).trustProxy, false, 'off: X-Forwarded-* headers are ignored');
    assert.equal(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({ ...base, TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ ...base, TRUST_PROXY: '2' }).trustProxy, 2, 'a number is a hop count, never "true"');
    assert.equal(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy, 1);
    assert.deepEqual(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1, fd00::/8,loopback' }).trustProxy, ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
    for (const bad of ['yes please', '10.0.0.0/33', '::1/129', '10.0.0.300', 'proxy.example.com', '-1', '1.5', ',']) {
      const lines = errorLines({ ...base, TRUST_PROXY: bad });
      assert.equal(lines.length, 1, bad);
      assert.match(lines[0]!, /^config: TRUST_PROXY must be true, false, a number of proxy hops \(e\.g\. 1\), or comma-separated proxy addresses or CIDR ranges/, bad);
    }
    assert.deepEqual(loadConfig({ ...base, TRUST_PROXY: '10.0.0.1,' }).trustProxy, ['10.0.0.1'], 'a trailing comma is harmless');
    assert.match(errorLines({ ...base, TRUST_PROXY: '10.0.0.0/8,proxy.example.com' })[0]!, /'proxy\.example\.com'/, 'names the entry to fix');
  });

  test('postgres URLs pass through; DELAY_SCALE 0 is allowed', () => {
    const c = loadConfig({ ...base, DATABASE_URL: 'postgres://u:p@localhost:5432/db', DELAY_SCALE: '0' });
    assert.equal(c.databaseUrl, 'postgres://u:p@localhost:5432/db');
    assert.equal(c.timing.delayScale, 0);
  });
});
