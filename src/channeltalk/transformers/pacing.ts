// The pacing layer: each attempt waits for the rate-limit budget (RateLimiter)
// before it goes, and every answer's x-ratelimit-* headers feed the budget.
// The wait counts against the attempt's timeout, so an attempt never takes
// longer than its caller allowed: a wait that would not fit is not started,
// and the attempt fails as 'paced' with the time to wait, for the caller to
// reschedule.
import { ChannelTalkUnavailableError, isChannelTalkError } from '../errors.js';
import { PacingTooLongError, readRateLimitHeaders, type RateLimiter } from '../rate-limit.js';
import type { ClientLogger } from '../client.js';
import type { Transformer } from './types.js';

/** How long a 429 without Retry-After or x-ratelimit-reset is assumed to last. */
const DEFAULT_THROTTLE_MS = 1000;

export function pacingTransformer(limiter: RateLimiter, o: { now: () => number; logger?: ClientLogger | undefined }): Transformer {
  return async (prev, req, opts) => {
    const started = o.now();
    try {
      await limiter.acquire(opts.signal, opts.timeoutMs, opts.priority ?? 'live');
    } catch (err) {
      if (!(err instanceof PacingTooLongError)) throw err;
      const paced = new ChannelTalkUnavailableError({ reason: 'paced', method: req.method, path: req.path, retryAfterMs: err.waitMs });
      paced.attempts = opts.attempt;
      throw paced;
    }
    const left = Math.max(1, opts.timeoutMs - (o.now() - started));
    try {
      const res = await prev(req, { ...opts, timeoutMs: left });
      note(limiter, o, req.method, req.path, res.status, readRateLimitHeaders(res.headers));
      return res;
    } catch (err) {
      if (isChannelTalkError(err) && err.rateLimit) {
        note(limiter, o, req.method, req.path, err instanceof ChannelTalkUnavailableError ? (err.status ?? null) : err.status, err.rateLimit);
      }
      if (err instanceof ChannelTalkUnavailableError && err.status === 429 && (err.rateLimit?.remaining ?? null) === null) {
        // A 429 without a remaining count still means: nothing left for a while.
        limiter.noteExhausted(o.now() + (err.retryAfterMs ?? DEFAULT_THROTTLE_MS));
      }
      throw err;
    } finally {
      limiter.release();
    }
  };
}

function note(
  limiter: RateLimiter,
  o: { logger?: ClientLogger | undefined },
  method: string,
  path: string,
  status: number | null,
  headers: ReturnType<typeof readRateLimitHeaders>,
): void {
  const { throttlingAnnounced } = limiter.observe(headers, status ?? undefined);
  if (throttlingAnnounced) {
    o.logger?.warn(
      { method, path: path.split('?')[0], status, limit: headers.limit },
      'channeltalk says requests like this one will be throttled once its rate limit is enforced (x-ratelimit-will-be-throttled); pacing to the limit from now on',
    );
  }
}
