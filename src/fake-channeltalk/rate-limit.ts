// A per-channel limiter in fixed one-second windows aligned to wall-clock
// seconds, so x-ratelimit-reset (epoch seconds) names the window's exact end.
//
// Channel Talk rolls its limits out in phases, and the fake can play each:
// - 'monitoring': the headers are sent, but nothing is refused; remaining
//   stops at 0 while requests keep being answered.
// - 'grace': the same, plus x-ratelimit-will-be-throttled on every answer,
//   'true' on the requests that full enforcement would have refused.
// - 'enforced': a request over the limit is answered 429.
//
// Channel Talk says "different APIs may have different rate limiting
// constraints", and a public connector keeps a separate budget for the chat
// list. So by default the fake keeps one window per channel AND endpoint
// family (each with the configured limit): a storm on the chat list leaves
// sends their whole limit. `shared: true` opts into one window per channel
// for every endpoint, the kinder old model.
export type RateLimitPhase = 'monitoring' | 'grace' | 'enforced';

/** The fake's endpoint families, read from the path under /open/v5. */
export type FakeEndpointFamily = 'messages' | 'userChats' | 'users' | 'events' | 'webhooks' | 'channel' | 'unknown';

export interface FakeRateLimitOptions {
  /** One budget for every endpoint of a channel instead of one per family. */
  shared?: boolean;
}

/** Which family a path (under /open/v5, query allowed) counts against; a path of no family has its own 'unknown' budget (it is answered 404). */
export function fakeFamilyOf(path: string): FakeEndpointFamily {
  const p = path.split('?')[0] ?? path;
  if (/^\/user-chats\/[^/]+\/messages\/?$/.test(p)) return 'messages';
  if (/^\/user-chats(\/[^/]+(\/[^/]+)?)?\/?$/.test(p)) return 'userChats';
  if (/^\/users\/[^/]+\/events\/?$/.test(p)) return 'events';
  if (/^\/users\/[^/]+\/?$/.test(p)) return 'users';
  if (/^\/webhooks(\/[^/]+)?\/?$/.test(p)) return 'webhooks';
  if (/^\/channel\/?$/.test(p)) return 'channel';
  return 'unknown';
}

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

export class FixedWindowLimiter {
  private perSecond: number | null = null;
  private mode: RateLimitPhase = 'enforced';
  private over = 0;
  private shared = false;
  private readonly windows = new Map<string, { second: number; count: number }>();

  configure(perSecond: number | null, phase: RateLimitPhase = 'enforced', opts: FakeRateLimitOptions = {}): void {
    this.perSecond = perSecond;
    this.mode = phase;
    this.shared = opts.shared ?? false;
    this.over = 0;
    this.windows.clear();
  }

  get limit(): number | null {
    return this.perSecond;
  }

  /** Whether every endpoint of a channel shares one budget (the opt-in switch). */
  get sharedBudget(): boolean {
    return this.shared;
  }

  get phase(): RateLimitPhase {
    return this.mode;
  }

  /** Requests beyond the limit since configure(): refused when enforced, let through otherwise. */
  get overLimit(): number {
    return this.over;
  }

  /** null when rate limiting is off (no headers, like an API where limits are not rolled out yet). `path` is under /open/v5. */
  check(channelId: string, path: string, nowMs: number): RateLimitVerdict | null {
    if (this.perSecond === null) return null;
    const second = Math.floor(nowMs / 1000);
    const key = this.shared ? channelId : `${channelId} ${fakeFamilyOf(path)}`;
    let w = this.windows.get(key);
    if (!w || w.second !== second) {
      w = { second, count: 0 };
      this.windows.set(key, w);
    }
    const overLimit = w.count >= this.perSecond;
    if (overLimit) this.over++;
    const allowed = !overLimit || this.mode !== 'enforced';
    if (allowed) w.count++;
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(this.perSecond),
        'x-ratelimit-remaining': String(Math.max(0, this.perSecond - w.count)),
        'x-ratelimit-reset': String(second + 1),
        ...(this.mode === 'grace' ? { 'x-ratelimit-will-be-throttled': String(overLimit) } : {}),
      },
    };
  }
}
