// The pacing layer: each attempt waits for its rate-limit budget (the
// RateLimiter that RateBudgets names for the call: one per endpoint family and
// priority) before it goes, and every answer's x-ratelimit-* headers feed that
// budget (a live answer its family's background one too: it yields to live
// calls; a background answer never holds a live call, and no answer holds
// another family).
// The wait counts against the attempt's timeout, so an attempt never takes
// longer than its caller allowed: a wait that would not fit is not started,
// and the attempt fails as 'paced' with the time to wait, for the caller to
// reschedule.
import { ChannelTalkUnavailableError, isChannelTalkError, type RateLimitHeaders } from '../errors.js';
import { PacingTooLongError, readRateLimitHeaders } from '../rate-limit.js';
import type { BudgetKey, RateBudgets } from '../rate-budgets.js';
import type { ClientLogger } from '../client.js';
import type { Transformer } from './types.js';

/** How long a 429 without Retry-After or x-ratelimit-reset is assumed to last. */
const DEFAULT_THROTTLE_MS = 1000;

export function pacingTransformer(budgets: RateBudgets, o: { now: () => number; logger?: ClientLogger | undefined }): Transformer {
  return async (prev, req, opts) => {
    const budget = budgets.keyOf(req, opts);
    const limiter = budgets.limiter(budget);
    const started = o.now();
    try {
      await limiter.acquire(opts.signal, opts.timeoutMs, budget.priority);
    } catch (err) {
      if (!(err instanceof PacingTooLongError)) throw err;
      const paced = new ChannelTalkUnavailableError({ reason: 'paced', method: req.method, path: req.path, retryAfterMs: err.waitMs });
      paced.attempts = opts.attempt;
      throw paced;
    }
    const left = Math.max(1, opts.timeoutMs - (o.now() - started));
    const seen = (status: number | null, h: RateLimitHeaders): void => note(budgets, budget, o, req.method, req.path, status, h);
    try {
      const res = await prev(req, { ...opts, timeoutMs: left });
      seen(res.status, readRateLimitHeaders(res.headers));
      return res;
    } catch (err) {
      if (isChannelTalkError(err) && err.rateLimit) seen(err instanceof ChannelTalkUnavailableError ? (err.status ?? null) : err.status, err.rateLimit);
      if (err instanceof ChannelTalkUnavailableError && err.status === 429 && (err.rateLimit?.remaining ?? null) === null) {
        // A 429 without a remaining count still means: nothing left for a while (capped by the limiter when read).
        budgets.noteExhausted(budget, o.now() + (err.retryAfterMs ?? DEFAULT_THROTTLE_MS));
      }
      throw err;
    } finally {
      limiter.release();
    }
  };
}

function note(
  budgets: RateBudgets,
  budget: BudgetKey,
  o: { logger?: ClientLogger | undefined },
  method: string,
  path: string,
  status: number | null,
  headers: RateLimitHeaders,
): void {
  const { throttlingAnnounced } = budgets.observe(budget, headers, status ?? undefined);
  if (throttlingAnnounced) {
    o.logger?.warn(
      { method, path: path.split('?')[0], family: budget.family, priority: budget.priority, status, limit: headers.limit },
      'channeltalk says requests like this one will be throttled once its rate limit is enforced (x-ratelimit-will-be-throttled); pacing to the limit from now on',
    );
  }
}
