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

/** The longest wait a server's hint is read as (30 days): longer than any maximum age the config allows. */
export const MAX_RETRY_AFTER_MS = 30 * 24 * 3_600_000;

/**
 * The longest wait taken from `x-ratelimit-reset`. It is an epoch time on
 * Channel Talk's clock, so a skewed clock puts it hours off; no one-minute
 * wait has been seen to be too short (a window still closed answers 429 again).
 */
export const MAX_RESET_WAIT_MS = 60_000;

/** A wait hint as a finite number of ms within [0, MAX_RETRY_AFTER_MS]; undefined stays undefined (NaN too). */
export function boundWaitMs(ms: number | undefined): number | undefined {
  if (ms === undefined || Number.isNaN(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** Date's own limit (ECMA-262 21.4.1.22): the latest epoch ms there is. */
const MAX_EPOCH_MS = 8.64e15;
const DELTA = /^\d+(\.\d+)?$/;
const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** The three HTTP-date forms (RFC 9110 5.6.7), all GMT; anything else Date.parse would guess at is unreadable. */
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC_850 = new RegExp(`^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} \\d{4}$`);

/**
 * `Retry-After` as delta-seconds or an HTTP date, in ms from `now`, within
 * [0, MAX_RETRY_AFTER_MS] (any number of digits is a long wait, never
 * Infinity); undefined when absent or unreadable.
 */
export function parseRetryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (DELTA.test(v)) return boundWaitMs(Math.ceil(Number(v) * 1000));
  const at = httpDateMs(v);
  return at === undefined ? undefined : boundWaitMs(at - now);
}

/** `x-ratelimit-reset` (epoch seconds) as an absolute epoch-ms time, never past Date's own limit; undefined when unreadable. */
export function parseResetEpochMs(value: string | null): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (!DELTA.test(v)) return undefined;
  const n = Number(v);
  if (n <= 0) return undefined;
  // Guard against a server that sends milliseconds despite the docs.
  return Math.min(MAX_EPOCH_MS, n > 1e11 ? n : n * 1000);
}

function httpDateMs(v: string): number | undefined {
  const asctime = ASCTIME.test(v);
  if (!asctime && !IMF_FIXDATE.test(v) && !RFC_850.test(v)) return undefined;
  // asctime carries no zone; HTTP dates are GMT.
  const ms = Date.parse(asctime ? `${v} GMT` : v);
  return Number.isNaN(ms) ? undefined : ms;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
