// The two ways a Channel Talk call can fail, split by what the caller should do:
// "rejected" will fail the same way again (do not retry), "unavailable" may
// succeed later (retry, or reschedule). Messages and fields never carry the
// access key/secret or request bodies: errors end up in logs and in the store.
import { boundWaitMs } from './retry.js';

export type ChannelTalkErrorKind = 'rejected' | 'unavailable';
/**
 * 'paced': nothing was sent, because the client's own pacer would have had to
 * wait longer than the attempt may take (retryAfterMs says how long).
 */
export type UnavailableReason = 'network' | 'timeout' | 'server_error' | 'rate_limited' | 'paced';

/** What an answer's x-ratelimit-* headers said; counts and times only, safe to keep on an error. */
export interface RateLimitHeaders {
  limit: number | null;
  remaining: number | null;
  /** Epoch ms. */
  resetAt: number | null;
  /** null: header absent (not in the grace period); otherwise its value. */
  willBeThrottled: boolean | null;
}

export abstract class ChannelTalkError extends Error {
  abstract readonly kind: ChannelTalkErrorKind;
  abstract readonly retryable: boolean;
  readonly method: string;
  /** Request path without query string. */
  readonly path: string;
  /** How many attempts the call made before giving up (set per attempt; the retry layer's last one wins). */
  attempts = 1;
  /** The answer's rate-limit headers, for the pacing layer; undefined when no answer arrived. */
  rateLimit: RateLimitHeaders | undefined;

  protected constructor(message: string, method: string, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.method = method;
    this.path = stripQuery(path);
  }
}

export class ChannelTalkRejectedError extends ChannelTalkError {
  readonly kind = 'rejected' as const;
  readonly retryable = false as const;
  readonly status: number;
  /** `code` of a `{message, code}` error body, when the API sent one (undocumented shape). */
  readonly code: string | undefined;
  /** `message` of such a body, truncated. Kept out of `.message` in case it echoes request data. */
  readonly apiMessage: string | undefined;

  constructor(init: { status: number; method: string; path: string; code?: string | undefined; apiMessage?: string | undefined }) {
    const codePart = init.code !== undefined ? ` (${init.code})` : '';
    super(
      `Channel Talk rejected ${init.method} ${stripQuery(init.path)}: HTTP ${init.status}${codePart}`,
      init.method,
      init.path,
    );
    this.name = 'ChannelTalkRejectedError';
    this.status = init.status;
    this.code = init.code;
    this.apiMessage = init.apiMessage;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      status: this.status,
      code: this.code,
      method: this.method,
      path: this.path,
      attempts: this.attempts,
    };
  }
}

/** What was wrong with an answer the client would not read: larger than its cap, or nested deeper than any real answer. */
export type AnswerProblem = 'too_large' | 'too_deep';

/**
 * An answer the client would not read whole (answer-read.ts). It is "rejected":
 * the same request gets the same answer, so asking again at once would only
 * fetch the same megabytes again. Its status is the answer's own (2xx).
 */
export class ChannelTalkUnreadableAnswerError extends ChannelTalkRejectedError {
  readonly problem: AnswerProblem;
  /** The bound it crossed (bytes or levels), for the console's wording of the message. */
  readonly limit: number;

  constructor(init: { problem: AnswerProblem; status: number; method: string; path: string; limit: number }) {
    const what = init.problem === 'too_large' ? `larger than ${init.limit} bytes` : `nested deeper than ${init.limit} levels`;
    super({ status: init.status, method: init.method, path: init.path, code: `answer_${init.problem}` });
    this.name = 'ChannelTalkUnreadableAnswerError';
    this.problem = init.problem;
    this.limit = init.limit;
    this.message = `Channel Talk's answer to ${init.method} ${stripQuery(init.path)} was not read: ${what} (HTTP ${init.status})`;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problem: this.problem };
  }
}

export class ChannelTalkUnavailableError extends ChannelTalkError {
  readonly kind = 'unavailable' as const;
  readonly retryable = true as const;
  readonly reason: UnavailableReason;
  readonly status: number | undefined;
  /** What the server asked us to wait (Retry-After or x-ratelimit-reset), so a job can reschedule: finite, within [0, MAX_RETRY_AFTER_MS]. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    reason: UnavailableReason;
    method: string;
    path: string;
    status?: number | undefined;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    const statusPart = init.status !== undefined ? ` HTTP ${init.status}` : '';
    super(
      `Channel Talk unavailable for ${init.method} ${stripQuery(init.path)}: ${init.reason}${statusPart}`,
      init.method,
      init.path,
      init.cause !== undefined ? { cause: init.cause } : undefined,
    );
    this.name = 'ChannelTalkUnavailableError';
    this.reason = init.reason;
    this.status = init.status;
    this.retryAfterMs = boundWaitMs(init.retryAfterMs);
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      reason: this.reason,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      method: this.method,
      path: this.path,
      attempts: this.attempts,
    };
  }
}

export function isChannelTalkError(e: unknown): e is ChannelTalkRejectedError | ChannelTalkUnavailableError {
  return e instanceof ChannelTalkRejectedError || e instanceof ChannelTalkUnavailableError;
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}
