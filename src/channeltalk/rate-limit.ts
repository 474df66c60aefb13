// Client-side pacing from the x-ratelimit-* headers, one per client instance
// (= per Channel Talk channel, since limits are per key pair). The point is to
// slow down BEFORE the API starts answering 429: when the budget of the current
// window is spent, the next request waits for the window's reset.
//
// Budget = what the server last said remains, minus requests we have in flight
// (they may not be counted in that number yet). That over-counts a little,
// which errs on the slow side.
import { parseResetEpochMs } from './retry.js';

export interface RateLimitState {
  limit: number | null;
  remaining: number | null;
  /** Epoch ms when the current window resets, as the server last said. */
  resetAt: number | null;
  inFlight: number;
  /** The server announced (x-ratelimit-will-be-throttled) that throttling is coming. */
  willBeThrottled: boolean;
}

export interface RateLimitStats {
  rateLimitWaits: number;
  rateLimitWaitMs: number;
}

export interface RateLimiterOptions {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Keep this share of the limit in reserve (for other processes on the same key). */
  reserveFraction?: number;
  /** Slack after the announced reset, for clock granularity. */
  marginMs?: number;
  /** Never wait longer than this for one reset (a skewed clock must not stall sending for ever). */
  maxWaitMs?: number;
}

export class RateLimiter {
  readonly stats: RateLimitStats = { rateLimitWaits: 0, rateLimitWaitMs: 0 };
  private limit: number | null = null;
  private remaining: number | null = null;
  private resetAt: number | null = null;
  /** The reset we already waited for; with an injected clock, time may not have moved. */
  private waitedForReset: number | null = null;
  private inFlight = 0;
  /** Until the first response, allow one request at a time: we do not know the budget yet. */
  private learned = false;
  private willBeThrottled = false;
  private releaseWaiters: Array<() => void> = [];
  private readonly reserveFraction: number;
  private readonly marginMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly opts: RateLimiterOptions) {
    this.reserveFraction = opts.reserveFraction ?? 0.05;
    this.marginMs = opts.marginMs ?? 25;
    this.maxWaitMs = opts.maxWaitMs ?? 60_000;
  }

  /** Waits until a request may go, then counts it as in flight. Pair with release(). */
  async acquire(signal?: AbortSignal): Promise<void> {
    let waited = false;
    const started = this.opts.now();
    for (;;) {
      signal?.throwIfAborted();
      const decision = this.decide();
      if (decision.go) break;
      waited = true;
      if (decision.untilReset !== undefined) {
        const reset = this.resetAt;
        await this.opts.sleep(decision.untilReset, signal);
        this.waitedForReset = reset;
      } else {
        await this.nextRelease(signal);
      }
    }
    if (waited) {
      this.stats.rateLimitWaits++;
      this.stats.rateLimitWaitMs += Math.max(0, this.opts.now() - started);
    }
    this.inFlight++;
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const waiters = this.releaseWaiters;
    this.releaseWaiters = [];
    for (const w of waiters) w();
  }

  /** Reads the rate-limit headers of any response, 429s included. Returns true the first time throttling is announced. */
  update(headers: Headers): { throttlingAnnounced: boolean } {
    this.learned = true;
    const limit = toCount(headers.get('x-ratelimit-limit'));
    const remaining = toCount(headers.get('x-ratelimit-remaining'));
    const resetAt = parseResetEpochMs(headers.get('x-ratelimit-reset')) ?? null;
    if (limit !== null) this.limit = limit;
    if (remaining !== null) {
      if (resetAt === null || this.resetAt === null || resetAt > this.resetAt) {
        this.remaining = remaining;
        if (resetAt !== null) this.resetAt = resetAt;
      } else if (resetAt === this.resetAt) {
        // Same window, answers out of order: the lowest figure is the latest.
        this.remaining = this.remaining === null ? remaining : Math.min(this.remaining, remaining);
      }
      // resetAt older than what we know: a late answer from a past window; ignore.
    }
    const announced = headers.get('x-ratelimit-will-be-throttled');
    const first = announced !== null && announced.trim().toLowerCase() !== 'false' && !this.willBeThrottled;
    if (first) this.willBeThrottled = true;
    return { throttlingAnnounced: first };
  }

  /** A 429 without usable headers still means: nothing left until `untilMs`. */
  noteExhausted(untilEpochMs: number): void {
    this.learned = true;
    this.remaining = 0;
    if (this.resetAt === null || untilEpochMs > this.resetAt) this.resetAt = untilEpochMs;
  }

  state(): RateLimitState {
    return {
      limit: this.limit,
      remaining: this.remaining,
      resetAt: this.resetAt,
      inFlight: this.inFlight,
      willBeThrottled: this.willBeThrottled,
    };
  }

  private decide(): { go: true } | { go: false; untilReset?: number } {
    if (!this.learned) return this.inFlight === 0 ? { go: true } : { go: false };
    if (this.remaining === null) return { go: true };
    const now = this.opts.now();
    const windowPassed = this.resetAt === null || now >= this.resetAt || this.waitedForReset === this.resetAt;
    const serverBudget = windowPassed ? (this.limit ?? Number.POSITIVE_INFINITY) : this.remaining;
    const budget = serverBudget - this.inFlight;
    const reserve = this.limit !== null ? Math.floor(this.limit * this.reserveFraction) : 0;
    if (budget > reserve) return { go: true };
    if (!windowPassed && this.resetAt !== null) {
      return { go: false, untilReset: Math.min(this.maxWaitMs, this.resetAt - now + this.marginMs) };
    }
    // The new window's budget is taken by requests in flight: their answers will tell us more.
    return this.inFlight > 0 ? { go: false } : { go: true };
  }

  private nextRelease(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.releaseWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}

function toCount(v: string | null): number | null {
  if (v === null) return null;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
}
