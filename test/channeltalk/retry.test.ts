import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelayMs,
  MAX_RETRY_AFTER_MS,
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

  void test('absurd Retry-After values: always a finite wait within the bound, or none', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    // A very long delta is read as the longest wait there is, never as Infinity or NaN.
    assert.equal(parseRetryAfterMs('999999999', now), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfterMs('9'.repeat(400), now), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfterMs(`1.${'5'.repeat(400)}`, now), 1556);
    assert.equal(parseRetryAfterMs('Fri, 31 Dec 9999 23:59:59 GMT', now), MAX_RETRY_AFTER_MS);
    assert.ok(MAX_RETRY_AFTER_MS > 7 * 24 * 3_600_000, 'longer than any maximum age the config allows: such a hint fails the work, it is not shortened');
    // The three HTTP-date forms (RFC 9110 5.6.7); the obsolete ones are GMT too.
    assert.equal(parseRetryAfterMs('Wednesday, 01-Jan-25 00:00:07 GMT', now), 7000);
    assert.equal(parseRetryAfterMs('Wed Jan  1 00:00:08 2025', now), 8000);
    // Not a delta and not an HTTP date: unreadable, whatever Date.parse would make of it.
    for (const junk of ['-5', '1e9', '0x10', 'Infinity', 'NaN', '3 s', '1, 2', '', '   ', 'Wed, 01 Jan 2025 00:00:10 PST']) {
      assert.equal(parseRetryAfterMs(junk, now), undefined, JSON.stringify(junk));
    }
    for (const v of ['999999999', '9'.repeat(400), 'Fri, 31 Dec 9999 23:59:59 GMT', '0']) {
      const ms = parseRetryAfterMs(v, now);
      assert.ok(ms !== undefined && Number.isFinite(ms) && ms >= 0, `${v.slice(0, 20)}: ${ms}`);
    }
  });

  void test('absurd x-ratelimit-reset values: a finite epoch or none', () => {
    const far = parseResetEpochMs('9'.repeat(400));
    assert.ok(far !== undefined && Number.isFinite(far) && far > Date.now() + 365 * 24 * 3_600_000, `400 digits: ${far}`);
    for (const junk of ['-1', '0', '1e9', '0x10', 'Infinity', '', 'soon']) assert.equal(parseResetEpochMs(junk), undefined, JSON.stringify(junk));
  });

  void test('retry: false means one attempt; partial overrides merge', () => {
    assert.equal(resolveRetryPolicy(DEFAULT_RETRY_POLICY, false).maxAttempts, 1);
    const p = resolveRetryPolicy(DEFAULT_RETRY_POLICY, { maxAttempts: 2 });
    assert.deepEqual(p, { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
  });
});
