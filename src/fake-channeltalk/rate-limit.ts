// A per-channel limiter in fixed one-second windows aligned to wall-clock
// seconds, so x-ratelimit-reset (epoch seconds) names the window's exact end.
//
// Channel Talk rolls its limits out in phases, and the fake can play each:
// - 'monitoring': the headers are sent, but nothing is refused; remaining
//   stops at 0 while requests keep being answered.
// - 'grace': the same, plus x-ratelimit-will-be-throttled on every answer,
//   'true' on the requests that full enforcement would have refused.
// - 'enforced': a request over the limit is answered 429.
export type RateLimitPhase = 'monitoring' | 'grace' | 'enforced';

export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

export class FixedWindowLimiter {
  private perSecond: number | null = null;
  private mode: RateLimitPhase = 'enforced';
  private over = 0;
  private readonly windows = new Map<string, { second: number; count: number }>();

  configure(perSecond: number | null, phase: RateLimitPhase = 'enforced'): void {
    this.perSecond = perSecond;
    this.mode = phase;
    this.over = 0;
    this.windows.clear();
  }

  get limit(): number | null {
    return this.perSecond;
  }

  get phase(): RateLimitPhase {
    return this.mode;
  }

  /** Requests beyond the limit since configure(): refused when enforced, let through otherwise. */
  get overLimit(): number {
    return this.over;
  }

  /** null when rate limiting is off (no headers, like an API where limits are not rolled out yet). */
  check(channelId: string, nowMs: number): RateLimitVerdict | null {
    if (this.perSecond === null) return null;
    const second = Math.floor(nowMs / 1000);
    let w = this.windows.get(channelId);
    if (!w || w.second !== second) {
      w = { second, count: 0 };
      this.windows.set(channelId, w);
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
