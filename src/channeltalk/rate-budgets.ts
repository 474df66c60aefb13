// The pacer's state, one per budget. Channel Talk says "different APIs may
// have different rate limiting constraints", and one public connector keeps a
// separate budget for the chat list: what one kind of call learns must not
// stop another kind. A 429 storm on the sweep's chat list would otherwise
// hold every live send of the channel until its reset. So a budget is a pair
// (endpoint family, priority), each with its own RateLimiter (its own
// remaining count, reset and phase), and a call draws on the budget of its
// path's family (familyOf: a registry with no default) and its priority.
//
// Learning is one way, and stays within a family: an answer to a live call
// also tells the same family's background budget (background work yields to
// live work, so it must see what live calls spend), an answer to a background
// call tells only its own budget. No answer tells another family.
import type { RateLimitHeaders } from './errors.js';
import { RateLimiter, type RateLimiterOptions, type RateLimitState, type RateLimitStats } from './rate-limit.js';
import type { AttemptOptions, CallPriority, CallRequest } from './transformers/types.js';

/** The endpoint families, each paced on its own. */
export const ENDPOINT_FAMILIES = ['messages', 'userChats', 'users', 'events', 'webhooks', 'channel'] as const;
export type EndpointFamily = (typeof ENDPOINT_FAMILIES)[number];

const PRIORITIES: readonly CallPriority[] = ['live', 'background'];

/**
 * Which family a path belongs to, most specific first. Each pattern names a
 * resource, so a new endpoint on a known resource (a chat's snooze, a user's
 * upsert) finds its family; a path of no known resource is refused.
 */
const FAMILY_ROUTES: ReadonlyArray<{ pattern: RegExp; family: EndpointFamily }> = [
  // A chat's messages: sends, and reads of what was said.
  { pattern: /^\/user-chats\/[^/]+\/messages$/, family: 'messages' },
  // The chat list (the sweep), one chat (the takeover check), and a chat's own operations (close).
  { pattern: /^\/user-chats(\/[^/]+(\/[^/]+)?)?$/, family: 'userChats' },
  { pattern: /^\/users\/[^/]+\/events$/, family: 'events' },
  { pattern: /^\/users\/[^/]+$/, family: 'users' },
  { pattern: /^\/webhooks(\/[^/]+)?$/, family: 'webhooks' },
  { pattern: /^\/channel$/, family: 'channel' },
];

/** A call's family; a path of no known family is a programming error, not paced under some default. */
export function familyOf(req: Pick<CallRequest, 'method' | 'path'>): EndpointFamily {
  const q = req.path.indexOf('?');
  const path = q === -1 ? req.path : req.path.slice(0, q);
  const route = FAMILY_ROUTES.find((r) => r.pattern.test(path));
  if (!route) throw new Error(`no rate-limit family for ${req.method} ${path}: add its resource to FAMILY_ROUTES (rate-budgets.ts)`);
  return route.family;
}

/** A budget: one family at one priority. */
export interface BudgetKey {
  family: EndpointFamily;
  priority: CallPriority;
}

/** Which budget a call draws on. */
export type BudgetOf = (req: CallRequest, opts: AttemptOptions) => BudgetKey;

export const budgetByFamilyAndPriority: BudgetOf = (req, opts) => ({ family: familyOf(req), priority: opts.priority ?? 'live' });

/** The other budgets an answer in `key` also tells: those that yield to it. */
export type AlsoTold = (key: BudgetKey) => readonly BudgetKey[];

export const backgroundYieldsToLive: AlsoTold = (key) => {
  switch (key.priority) {
    case 'live':
      return [{ family: key.family, priority: 'background' }];
    case 'background':
      return [];
  }
};

/** One budget's figures, for the metrics. */
export interface BudgetReport extends BudgetKey {
  state: RateLimitState;
  stats: RateLimitStats;
}

export class RateBudgets {
  private readonly limiters = new Map<string, { key: BudgetKey; limiter: RateLimiter }>();

  constructor(
    private readonly opts: RateLimiterOptions,
    readonly keyOf: BudgetOf = budgetByFamilyAndPriority,
    private readonly alsoTold: AlsoTold = backgroundYieldsToLive,
  ) {}

  /** A budget's limiter, made the first time it is named. */
  limiter(key: BudgetKey): RateLimiter {
    const id = `${key.family}/${key.priority}`;
    let l = this.limiters.get(id);
    if (!l) {
      l = { key: { family: key.family, priority: key.priority }, limiter: new RateLimiter(this.opts) };
      this.limiters.set(id, l);
    }
    return l.limiter;
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

  /** Every budget, each family at each priority (those not used yet read as nothing learned). */
  report(): BudgetReport[] {
    const out: BudgetReport[] = [];
    for (const family of ENDPOINT_FAMILIES) {
      for (const priority of PRIORITIES) {
        const l = this.limiter({ family, priority });
        out.push({ family, priority, state: l.state(), stats: { ...l.stats } });
      }
    }
    return out;
  }

  /** The waits of all budgets together. */
  get stats(): RateLimitStats {
    const sum: RateLimitStats = { rateLimitWaits: 0, rateLimitWaitMs: 0, rateLimitSlowdowns: 0 };
    for (const { limiter } of this.limiters.values()) {
      sum.rateLimitWaits += limiter.stats.rateLimitWaits;
      sum.rateLimitWaitMs += limiter.stats.rateLimitWaitMs;
      sum.rateLimitSlowdowns += limiter.stats.rateLimitSlowdowns;
    }
    return sum;
  }
}
