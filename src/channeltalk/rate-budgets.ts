// The pacer's state, one per budget. Channel Talk's headers speak for the
// key pair, but what one kind of call learns must not stop another kind: a
// 429 on the sweep's chat list would otherwise hold every live send of the
// channel until its reset. So each budget keeps its own RateLimiter (its own
// remaining count, reset and phase), and a call draws on the budget that
// `budgetOf` names. Today the budgets are the call priorities, live and
// background; a budget per endpoint family (issue 17) is another `budgetOf`
// (and `alsoTold`) over the same class.
//
// Learning is one way: an answer to a live call also tells the background
// budget (background work yields to live work, so it must see what live
// calls spend), an answer to a background call tells only its own budget.
import type { RateLimitHeaders } from './errors.js';
import { RateLimiter, type RateLimiterOptions, type RateLimitState, type RateLimitStats } from './rate-limit.js';
import type { AttemptOptions, CallRequest } from './transformers/types.js';

/** The name of a budget: 'live' and 'background' today. */
export type BudgetKey = string;

/** Which budget a call draws on. */
export type BudgetOf = (req: CallRequest, opts: AttemptOptions) => BudgetKey;

/** Live calls (sends, what a customer waits for) and background calls (the sweep, health checks, user events) never share a wait. */
export const budgetByPriority: BudgetOf = (_req, opts) => opts.priority ?? 'live';

/** The other budgets an answer in `key` also tells: those that yield to it. */
export type AlsoTold = (key: BudgetKey) => readonly BudgetKey[];

export const backgroundYieldsToLive: AlsoTold = (key) => (key === 'live' ? ['background'] : []);

export class RateBudgets {
  private readonly limiters = new Map<BudgetKey, RateLimiter>();

  constructor(
    private readonly opts: RateLimiterOptions,
    readonly keyOf: BudgetOf = budgetByPriority,
    private readonly alsoTold: AlsoTold = backgroundYieldsToLive,
  ) {}

  /** A budget's limiter, made the first time it is named. */
  limiter(key: BudgetKey): RateLimiter {
    let l = this.limiters.get(key);
    if (!l) {
      l = new RateLimiter(this.opts);
      this.limiters.set(key, l);
    }
    return l;
  }

  /** An answer's headers, for the budget of its call and those that yield to it. Returns what the call's own budget made of them. */
  observe(key: BudgetKey, h: RateLimitHeaders, status?: number): { throttlingAnnounced: boolean } {
    for (const other of this.alsoTold(key)) this.limiter(other).observe(h, status);
    return this.limiter(key).observe(h, status);
  }

  /** A throttle without usable headers, likewise. */
  noteExhausted(key: BudgetKey, untilEpochMs: number): void {
    for (const other of this.alsoTold(key)) this.limiter(other).noteExhausted(untilEpochMs);
    this.limiter(key).noteExhausted(untilEpochMs);
  }

  /** One budget's state (a budget not used yet reads as nothing learned). */
  state(key: BudgetKey): RateLimitState {
    return this.limiter(key).state();
  }

  /** The waits of all budgets together, for the metrics. */
  get stats(): RateLimitStats {
    const sum: RateLimitStats = { rateLimitWaits: 0, rateLimitWaitMs: 0, rateLimitSlowdowns: 0 };
    for (const l of this.limiters.values()) {
      sum.rateLimitWaits += l.stats.rateLimitWaits;
      sum.rateLimitWaitMs += l.stats.rateLimitWaitMs;
      sum.rateLimitSlowdowns += l.stats.rateLimitSlowdowns;
    }
    return sum;
  }
}
