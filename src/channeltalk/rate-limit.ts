// Client-side pacing from the x-ratelimit-* headers, one per client instance
// (= per Channel Talk channel, since limits are per key pair). The point is to
// slow down BEFORE the API starts answering 429.
//
// Channel Talk rolls its limits out in phases, and what a spent budget means
// depends on the phase (developers.channel.io, "Rate Limiting"):
// - monitoring: the headers are sent but nothing is refused. A 200 with
//   remaining 0 is not a throttle: slow down (one request at a time, spread
//   over what is left of the window), never stop.
// - grace: x-ratelimit-will-be-throttled is sent, 'true' on a request that
//   full enforcement would refuse. The rules are final, so a spent budget
//   waits for the reset, and a 'true' counts as spent whatever remaining says.
// - enforced: a 429 has been seen. A spent budget waits for the reset.
// A key pair's phase only moves forward.
//
// Background calls (the missed-delivery sweep) keep a larger reserve: they go
// only while more than `backgroundReserveFraction` of the limit is left, and
// otherwise wait for the reset, in every phase, so sends never queue behind them.
// (They also draw on a limiter of their own, rate-budgets.ts, so what they
// learn, a 429 above all, never holds a live send.)
//
// No header makes a wait longer than `maxWaitMs`: a reset further ahead (a
// skewed clock, an absurd Retry-After) is read as that far ahead from when it
// is read. Capping only the wait taken would not do: an attempt that may take
// 10 s never takes a 60 s wait, so every attempt would be refused as `paced`
// until the far reset.
//
// Budget = what the server last said remains, minus requests we have in flight
// (they may not be counted in that number yet). That over-counts a little,
// which errs on the slow side.
import type { RateLimitHeaders } from './errors.js';
import { MAX_RESET_WAIT_MS, parseResetEpochMs } from './retry.js';
import type { AnswerHeaders, CallPriority } from './transformers/types.js';

export type { RateLimitHeaders } from './errors.js';

/** 'none': no rate-limit header seen yet (limits not rolled out, or nothing learned). */
export type RateLimitPhase = 'none' | 'monitoring' | 'grace' | 'enforced';

export interface RateLimitState {
  limit: number | null;
  remaining: number | null;
  /** Epoch ms when the current window resets, as the server last said, at most maxWaitMs after it was said. */
  resetAt: number | null;
  inFlight: number;
  /** The server said (x-ratelimit-will-be-throttled: true) that a request would have been throttled. */
  willBeThrottled: boolean;
  phase: RateLimitPhase;
}

export interface RateLimitStats {
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  /** Waits that only slowed sending down (monitoring phase), a subset of rateLimitWaits. */
  rateLimitSlowdowns: number;
}

export interface RateLimiterOptions {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Keep this share of the limit in reserve (for other processes on the same key). */
  reserveFraction?: number;
  /** Background calls leave this share of the limit to live ones (default half). */
  backgroundReserveFraction?: number;
  /** Slack after the announced reset, for clock granularity. */
  marginMs?: number;
  /** No reset is kept further ahead than this from when it was read (a skewed clock must not stall sending for ever). */
  maxWaitMs?: number;
  /** In the monitoring phase, the longest pause between two requests once the budget is spent. */
  maxSlowdownMs?: number;
}

/** The pacer would have to wait longer than the caller's budget; nothing was counted in flight. */
export class PacingTooLongError extends Error {
  /** @param waitMs how long the wait would be; undefined when it depends on other requests finishing. */
  constructor(readonly waitMs: number | undefined) {
    super(
      waitMs !== undefined
        ? `the rate-limit pacer would wait ${Math.round(waitMs)} ms, longer than this attempt may take`
        : 'the rate-limit pacer gave no turn within the time this attempt may take',
    );
    this.name = 'PacingTooLongError';
  }
}

const PHASE_ORDER: readonly RateLimitPhase[] = ['none', 'monitoring', 'grace', 'enforced'];
/** How long a throttle without a usable reset time is assumed to last. */
const DEFAULT_THROTTLE_MS = 1000;

type Decision = { go: true } | { go: false; waitMs: number; slowdown: boolean } | { go: false; waitMs: null };

export class RateLimiter {
  readonly stats: RateLimitStats = { rateLimitWaits: 0, rateLimitWaitMs: 0, rateLimitSlowdowns: 0 };
  private limit: number | null = null;
  private remaining: number | null = null;
  private resetAt: number | null = null;
  /** The reset we already waited for; with an injected clock, time may not have moved. */
  private waitedForReset: number | null = null;
  private inFlight = 0;
  /** Until the first response, allow one request at a time: we do not know the budget yet. */
  private learned = false;
  private willBeThrottled = false;
  private phase: RateLimitPhase = 'none';
  private lastStartAt: number | null = null;
  private releaseWaiters: Array<() => void> = [];
  private readonly reserveFraction: number;
  private readonly backgroundReserveFraction: number;
  private readonly marginMs: number;
  private readonly maxWaitMs: number;
  private readonly maxSlowdownMs: number;

  constructor(private readonly opts: RateLimiterOptions) {
    this.reserveFraction = opts.reserveFraction ?? 0.05;
    this.backgroundReserveFraction = opts.backgroundReserveFraction ?? 0.5;
    this.marginMs = opts.marginMs ?? 25;
    this.maxWaitMs = opts.maxWaitMs ?? MAX_RESET_WAIT_MS;
    this.maxSlowdownMs = opts.maxSlowdownMs ?? 1000;
  }

  /**
   * Waits until a request may go, then counts it as in flight. Pair with release().
   * With `budgetMs`, a wait that would end later is not started: PacingTooLongError.
   * A 'background' call keeps the larger reserve (see the top of this file).
   */
  async acquire(signal?: AbortSignal, budgetMs?: number, priority: CallPriority = 'live'): Promise<void> {
    let waited = false;
    let slowed = false;
    const started = this.opts.now();
    for (;;) {
      signal?.throwIfAborted();
      const decision = this.decide(priority);
      if (decision.go) break;
      waited = true;
      const left = budgetMs === undefined ? undefined : budgetMs - (this.opts.now() - started);
      if (decision.waitMs !== null) {
        if (left !== undefined && decision.waitMs > left) throw new PacingTooLongError(decision.waitMs);
        slowed ||= decision.slowdown;
        const reset = this.resetAt;
        await this.opts.sleep(decision.waitMs, signal);
        if (!decision.slowdown) this.waitedForReset = reset;
      } else {
        await this.nextRelease(signal, left);
      }
    }
    if (waited) {
      this.stats.rateLimitWaits++;
      if (slowed) this.stats.rateLimitSlowdowns++;
      this.stats.rateLimitWaitMs += Math.max(0, this.opts.now() - started);
    }
    this.inFlight++;
    this.lastStartAt = this.opts.now();
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const waiters = this.releaseWaiters;
    this.releaseWaiters = [];
    for (const w of waiters) w();
  }

  /** Reads the rate-limit headers of any response, 429s included. Returns true the first time a throttle is announced. */
  update(headers: Headers, status?: number): { throttlingAnnounced: boolean } {
    return this.observe(readRateLimitHeaders(headers), status);
  }

  observe(h: RateLimitHeaders, status?: number): { throttlingAnnounced: boolean } {
    this.learned = true;
    if (h.limit !== null || h.remaining !== null || h.resetAt !== null) this.advance('monitoring');
    if (h.willBeThrottled !== null) this.advance('grace');
    if (status === 429) this.advance('enforced');
    if (h.limit !== null) this.limit = h.limit;
    const resetAt = h.resetAt === null ? null : this.capped(h.resetAt);
    if (h.remaining !== null) {
      if (resetAt === null || this.resetAt === null || resetAt > this.resetAt) {
        this.remaining = h.remaining;
        if (resetAt !== null) this.resetAt = resetAt;
      } else if (resetAt === this.resetAt) {
        // Same window, answers out of order: the lowest figure is the latest.
        this.remaining = this.remaining === null ? h.remaining : Math.min(this.remaining, h.remaining);
      }
      // resetAt older than what we know: a late answer from a past window; ignore.
    }
    if (h.willBeThrottled !== true) return { throttlingAnnounced: false };
    // This very request would have been refused: nothing is left until the reset.
    this.noteExhausted(resetAt !== null && resetAt > this.opts.now() ? resetAt : this.opts.now() + DEFAULT_THROTTLE_MS);
    const first = !this.willBeThrottled;
    this.willBeThrottled = true;
    return { throttlingAnnounced: first };
  }

  /** A throttle without usable headers still means: nothing left until `untilEpochMs`. */
  noteExhausted(untilEpochMs: number): void {
    this.learned = true;
    this.remaining = 0;
    const until = this.capped(untilEpochMs);
    if (this.resetAt === null || until > this.resetAt) this.resetAt = until;
  }

  state(): RateLimitState {
    return {
      limit: this.limit,
      remaining: this.remaining,
      resetAt: this.resetAt,
      inFlight: this.inFlight,
      willBeThrottled: this.willBeThrottled,
      phase: this.phase,
    };
  }

  /** A reset as the pacer keeps it: never further ahead than maxWaitMs from now, when it is read (NaN reads as now). */
  private capped(epochMs: number): number {
    const latest = this.opts.now() + this.maxWaitMs;
    return Number.isNaN(epochMs) ? this.opts.now() : Math.min(epochMs, latest);
  }

  private advance(to: RateLimitPhase): void {
    if (PHASE_ORDER.indexOf(to) > PHASE_ORDER.indexOf(this.phase)) this.phase = to;
  }

  private decide(priority: CallPriority): Decision {
    if (!this.learned) return this.inFlight === 0 ? { go: true } : { go: false, waitMs: null };
    if (this.remaining === null) return { go: true };
    const now = this.opts.now();
    const windowPassed = this.resetAt === null || now >= this.resetAt || this.waitedForReset === this.resetAt;
    const serverBudget = windowPassed ? (this.limit ?? Number.POSITIVE_INFINITY) : this.remaining;
    const budget = serverBudget - this.inFlight;
    if (budget > this.reserveFor(priority)) return { go: true };
    if (windowPassed || this.resetAt === null) {
      // The new window's budget is taken by requests in flight: their answers will tell us more.
      return this.inFlight > 0 ? { go: false, waitMs: null } : { go: true };
    }
    const untilReset = this.resetAt - now;
    // Background work never merely slows down into the live reserve: it waits for the next window.
    if (priority === 'background') return { go: false, waitMs: Math.min(this.maxWaitMs, untilReset + this.marginMs), slowdown: false };
    switch (this.phase) {
      case 'grace':
      case 'enforced':
        return { go: false, waitMs: Math.min(this.maxWaitMs, untilReset + this.marginMs), slowdown: false };
      case 'none':
      case 'monitoring':
        return this.slowDown(now, untilReset);
    }
  }

  private reserveFor(priority: CallPriority): number {
    if (this.limit === null) return 0;
    switch (priority) {
      case 'live':
        return Math.floor(this.limit * this.reserveFraction);
      case 'background':
        return Math.max(Math.floor(this.limit * this.reserveFraction), Math.ceil(this.limit * this.backgroundReserveFraction));
    }
  }

  /** Monitoring: one request at a time, spaced to spread the limit over what is left of the window. */
  private slowDown(now: number, untilReset: number): Decision {
    if (this.inFlight > 0) return { go: false, waitMs: null };
    const gap = Math.min(this.maxSlowdownMs, Math.ceil(untilReset / Math.max(1, this.limit ?? 1)));
    const since = this.lastStartAt === null ? gap : now - this.lastStartAt;
    return since >= gap ? { go: true } : { go: false, waitMs: gap - since, slowdown: true };
  }

  private nextRelease(signal: AbortSignal | undefined, budgetMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // A release that does not come within the budget: the caller reschedules instead.
      if (budgetMs !== undefined) {
        timer = setTimeout(() => {
          this.releaseWaiters = this.releaseWaiters.filter((w) => w !== waiter);
          done();
          reject(new PacingTooLongError(undefined));
        }, Math.max(0, budgetMs));
      }
      const waiter = (): void => {
        done();
        resolve();
      };
      this.releaseWaiters.push(waiter);
    });
  }
}

export function readRateLimitHeaders(headers: AnswerHeaders): RateLimitHeaders {
  const announced = headers.get('x-ratelimit-will-be-throttled');
  return {
    limit: toCount(headers.get('x-ratelimit-limit')),
    remaining: toCount(headers.get('x-ratelimit-remaining')),
    resetAt: parseResetEpochMs(headers.get('x-ratelimit-reset')) ?? null,
    willBeThrottled: announced === null ? null : announced.trim().toLowerCase() === 'true',
  };
}

function toCount(v: string | null): number | null {
  if (v === null) return null;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
}
