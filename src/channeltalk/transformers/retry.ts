// The optional in-process retry layer: repeats an attempt that may succeed
// later (network, timeout, 429, 5xx, paced) within the policy's bounds, and
// hands back the last error when they run out. Callers that retry durably
// (the jobs: sending, planning, write-back) pass `retry: false` and get exactly one attempt.
import { ChannelTalkUnavailableError } from '../errors.js';
import { resolveRetryPolicy, retryDelayMs, type RetryPolicy } from '../retry.js';
import type { ClientLogger } from '../client.js';
import type { Transformer } from './types.js';

export interface RetryLayerOptions {
  policy: RetryPolicy;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  logger?: ClientLogger | undefined;
  onRetry?: () => void;
}

export function retryTransformer(o: RetryLayerOptions): Transformer {
  return async (prev, req, opts) => {
    if (opts.retry === false) return prev(req, opts);
    const policy = resolveRetryPolicy(o.policy, opts.retry);
    const first = o.now();
    for (let attempt = opts.attempt; ; attempt++) {
      try {
        return await prev(req, { ...opts, attempt });
      } catch (err) {
        if (!(err instanceof ChannelTalkUnavailableError)) throw err;
        const delay = retryDelayMs(err, attempt, policy, o.random);
        const log = { method: req.method, path: err.path, reason: err.reason, status: err.status, attempt };
        if (attempt >= policy.maxAttempts || o.now() - first + delay > policy.maxElapsedMs) {
          o.logger?.warn({ ...log, retryAfterMs: err.retryAfterMs }, 'channeltalk call gave up');
          throw err;
        }
        o.onRetry?.();
        o.logger?.info({ ...log, delayMs: delay }, 'channeltalk call will retry');
        await o.sleep(delay, opts.signal);
      }
    }
  };
}
