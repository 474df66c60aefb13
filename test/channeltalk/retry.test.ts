import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  parseResetEpochMs,
  parseRetryAfterMs,
  resolveRetryPolicy,
} from '../../src/channeltalk/retry.js';

void describe('retry arithmetic', () => {
  void test('full jitter stays within the exponential ceiling, capped at maxDelayMs', () => {
    const p = DEFAULT_RETRY_POLICY;
    assert.equal(backoffDelayMs(1, p, () => 0.999999), 249);
    assert.equal(backoffDelayMs(3, p, () => 0.5), 500);
    assert.equal(backoffDelayMs(30, p, () => 0.999999), 9999);
    assert.equal(backoffDelayMs(2, p, () => 0), 0);
  });

  void test('Retry-After as seconds or HTTP date', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfterMs('3', now), 3000);
    assert.equal(parseRetryAfterMs('0.5', now), 500);
    assert.equal(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfterMs('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
    assert.equal(parseRetryAfterMs('soon', now), undefined);
    assert.equal(parseRetryAfterMs(null, now), undefined);
  });

  void test('x-ratelimit-reset is epoch seconds (milliseconds tolerated)', () => {
    assert.equal(parseResetEpochMs('1735689600'), 1735689600_000);
    assert.equal(parseResetEpochMs('1735689600000'), 1735689600_000);
    assert.equal(parseResetEpochMs('x'), undefined);
  });

  void test('retry: false means one attempt; partial overrides merge', () => {
    assert.equal(resolveRetryPolicy(DEFAULT_RETRY_POLICY, false).maxAttempts, 1);
    const p = resolveRetryPolicy(DEFAULT_RETRY_POLICY, { maxAttempts: 2 });
    assert.deepEqual(p, { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
  });
});
