// Backoff arithmetic, kept pure so it can be tested without a network: the
// client's optional in-process retry layer and the jobs' durable retry
// both draw their waits from fullJitterMs.
import type { ChannelTalkUnavailableError } from './errors.js';

export interface RetryPolicy {
  /** Total HTTP attempts, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Stop retrying when the next wait would end past this much time since the first attempt. */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxElapsedMs: 30_000,
};

export function resolveRetryPolicy(base: RetryPolicy, override: boolean | Partial<RetryPolicy> | undefined): RetryPolicy {
  if (override === false) return { ...base, maxAttempts: 1 };
  if (override === true) return base;
  const merged = { ...base, ...stripUndefined(override ?? {}) };
  return { ...merged, maxAttempts: Math.max(1, Math.floor(merged.maxAttempts)) };
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): uniform in [0, min(cap, base * 2^(attempt-1))]. Of the
 * variants there, it spreads a crowd of retries best and finishes the work soonest.
 */
export function fullJitterMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** The in-process retry layer's backoff: full jitter within the policy's bounds. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  return fullJitterMs(attempt, policy.baseDelayMs, policy.maxDelayMs, random);
}

/**
 * Wait before the attempt after `attempt`. The server's own hint wins over a
 * shorter jittered backoff: retrying before it says so only earns another 429.
 */
export function retryDelayMs(err: ChannelTalkUnavailableError, attempt: number, policy: RetryPolicy, random: () => number): number {
  const backoff = backoffDelayMs(attempt, policy, random);
  return err.retryAfterMs !== undefined ? Math.max(backoff, err.retryAfterMs) : backoff;
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** `x-ratelimit-reset` (epoch seconds) as an absolute epoch-ms time. */
export function parseResetEpochMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value.trim());
  if (!Number.isFinite(n) || n <= 0) return undefined;
  // Guard against a server that sends milliseconds despite the docs.
  return n > 1e11 ? n : n * 1000;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
