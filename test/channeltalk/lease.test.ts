// "A lease always outlasts the longest attempt": the configuration refuses a
// claim lease that a single request towards Channel Talk could outlive.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.js';
import { LEASE_MARGIN_MS } from '../../src/delivery/backoff.js';

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

void describe('claim lease and request timeout', () => {
  void test('a lease no longer than the timeout plus the margin is refused, with what to change', () => {
    const lines = errorLines({ ...base, CLAIM_LEASE_SECONDS: '10', CHANNELTALK_TIMEOUT_MS: '10000' });
    assert.equal(lines.length, 1, lines.join('\n'));
    const line = lines[0]!;
    assert.match(line, /^config: CLAIM_LEASE_SECONDS /);
    assert.match(line, /CHANNELTALK_TIMEOUT_MS/);
    // The fix, in numbers: the smallest lease that works, or the largest timeout.
    const minLease = Math.floor((10_000 + LEASE_MARGIN_MS) / 1000) + 1;
    assert.match(line, new RegExp(`CLAIM_LEASE_SECONDS to at least ${minLease}`));
    assert.match(line, new RegExp(`CHANNELTALK_TIMEOUT_MS to at most ${10_000 - LEASE_MARGIN_MS - 1}`));
  });

  void test('the largest timeout that fits is accepted; one more ms is not', () => {
    const lease = 5;
    const fits = lease * 1000 - LEASE_MARGIN_MS - 1;
    assert.equal(loadConfig({ ...base, CLAIM_LEASE_SECONDS: String(lease), CHANNELTALK_TIMEOUT_MS: String(fits) }).claimLeaseMs, 5000);
    errorLines({ ...base, CLAIM_LEASE_SECONDS: String(lease), CHANNELTALK_TIMEOUT_MS: String(fits + 1) });
  });

  void test('the defaults satisfy it', () => {
    const c = loadConfig(base, '/srv/app');
    assert.ok(c.claimLeaseMs > c.channelTalk.timeoutMs + LEASE_MARGIN_MS);
  });

  void test('the message names both values as set', () => {
    const line = errorLines({ ...base, CLAIM_LEASE_SECONDS: '5', CHANNELTALK_TIMEOUT_MS: '120000' })[0]!;
    assert.match(line, /CLAIM_LEASE_SECONDS \(5\)/);
    assert.match(line, /CHANNELTALK_TIMEOUT_MS \(120000\)/);
    assert.match(line, new RegExp(`CLAIM_LEASE_SECONDS to at least ${Math.floor((120_000 + LEASE_MARGIN_MS) / 1000) + 1}`));
  });
});
