// The jobs' durable retry, in one place: what to do after a failed
// call to Channel Talk (back off, or give up), how long to wait, and how long
// one attempt may take under a claim's lease. The jobs call the client
// with its in-process retry off, so this is the only retry policy a message,
// a profile fetch or a profile write-back goes through.
import { ChannelTalkRejectedError, ChannelTalkUnavailableError, ChannelTalkUnreadableAnswerError } from '../channeltalk/errors.js';
import { fullJitterMs } from '../channeltalk/retry.js';
import { channelTalkErrorWords, why } from '../channeltalk/error-words.js';
import { words, type Words } from '../words.js';

const BASE_MS = 500;
const MAX_MS = 60_000;

/**
 * Time kept free between the end of an attempt and the end of its claim's
 * lease, to commit the outcome before another instance may take the work over.
 */
export const LEASE_MARGIN_MS = 2_000;

/** Exponential backoff with full jitter: uniform in [0, min(60 s, 0.5 s * 2^(attempt-1))]. */
export function backoffMs(attempt: number, random: () => number): number {
  return fullJitterMs(attempt, BASE_MS, MAX_MS, random);
}

/** `note` and `fail` are the English for logs and the CLI; `words` say the same in the catalogue's keys, for the console in the operator's language. */
export type Settlement = { retryAt: number; note: string; words: Words } | { fail: string; words: Words };

/** The settlement's words for a reason a job ended with: its own sentence's, or none when the job's limits put another reason in its place (shown as it is). */
export const wordsFor = (s: Settlement, reason: string): Words | undefined => (reason === ('fail' in s ? s.fail : s.note) ? s.words : undefined);

export interface FailureContext {
  /** How long the work has been failing (or waiting) so far. */
  ageMs: number;
  /** Transient failures are retried until the work is this old. */
  maxAgeMs: number;
  /** Attempts made, this one included; null where the store does not count them (the wait then grows with the age). */
  attempts: number | null;
  now: number;
  random: () => number;
}

/**
 * Transient and younger than the maximum age: back off (the server's hint
 * winning), never past the maximum age, so the last attempt comes when it is
 * reached. A hint that lies beyond the maximum age fails now: the work could
 * not be done in time anyway, and waiting would hold the chat's later
 * messages behind it. Otherwise: fail, with the reason.
 */
export function settleFailure(err: unknown, c: FailureContext): Settlement {
  if (err instanceof ChannelTalkUnavailableError) {
    const note = `${err.reason}${err.status !== undefined ? ` ${err.status}` : ''}`;
    const noteWords = err.status !== undefined ? words('settle.noteStatus', { reason: why(err.reason), status: err.status }) : words('settle.note', { reason: why(err.reason) });
    const left = c.maxAgeMs - c.ageMs;
    if (left <= 0) {
      const seconds = Math.round(c.ageMs / 1000);
      return c.attempts !== null
        ? { fail: `gave up after ${c.attempts} attempts over ${seconds} s: ${err.reason}`, words: words('settle.gaveUpAttempts', { attempts: c.attempts, seconds, reason: why(err.reason) }) }
        : { fail: `gave up after ${seconds} s: ${err.reason}`, words: words('settle.gaveUp', { seconds, reason: why(err.reason) }) };
    }
    // Finite and bounded by the error itself (errors.ts); checked again, as a due time must never be Infinity or NaN.
    const hint = Number.isFinite(err.retryAfterMs) ? (err.retryAfterMs as number) : undefined;
    if (hint !== undefined && hint > left) {
      return {
        fail: `${note}: Channel Talk asked to wait ${duration(hint)}, more than the ${duration(left)} left of the maximum age`,
        words: words('settle.waitTooLong', { note: [noteWords], wait: duration(hint), left: duration(left) }),
      };
    }
    const wait = Math.min(left, Math.max(hint ?? 0, backoffMs(c.attempts ?? attemptsFromAge(c.ageMs), c.random)));
    return { retryAt: c.now + wait, note, words: noteWords };
  }
  // Too large or too deep to read: the same request gets the same answer. Its message says which, with the endpoint.
  if (err instanceof ChannelTalkUnreadableAnswerError) return { fail: err.message, words: channelTalkErrorWords(err) };
  if (err instanceof ChannelTalkRejectedError) {
    return err.code
      ? { fail: `Channel Talk refused it with ${err.status} (${err.code})`, words: words('settle.refusedCode', { status: err.status, code: err.code }) }
      : { fail: `Channel Talk refused it with ${err.status}`, words: words('settle.refused', { status: err.status }) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { fail: message, words: words('health.otherError', { message: message.slice(0, 300) }) };
}

/** A wait as an operator reads it in a reason: "45 s", "30 min", "5 h", "30 d". */
function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 120 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/**
 * How long an attempt may take when its claim's lease ends at `leaseEnd`: the
 * client's own timeout, cut so that the attempt ends LEASE_MARGIN_MS before
 * the lease does. At least 1 ms, so a late start fails fast as a timeout
 * (and is retried) instead of running past the lease.
 */
export function attemptTimeoutMs(leaseEnd: number, now: number, clientTimeoutMs: number): number {
  return Math.max(1, Math.min(clientTimeoutMs, leaseEnd - LEASE_MARGIN_MS - now));
}

/** Without a count, the attempt number whose backoff ceiling is about the age: waits grow as the failure lasts. */
function attemptsFromAge(ageMs: number): number {
  return 1 + Math.floor(Math.log2(1 + Math.max(0, ageMs) / BASE_MS));
}
