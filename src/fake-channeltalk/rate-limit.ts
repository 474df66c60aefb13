// A per-channel limiter in fixed one-second windows aligned to wall-clock
// seconds, so x-ratelimit-reset (epoch seconds) names the window's exact end.
export interface RateLimitVerdict {
  allowed: boolean;
  headers: Record<string, string>;
}

export class FixedWindowLimiter {
  private perSecond: number | null = null;
  private readonly windows = new Map<string, { second: number; count: number }>();

  configure(perSecond: number | null): void {
    this.perSecond = perSecond;
    this.windows.clear();
  }

  get limit(): number | null {
    return this.perSecond;
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
    const allowed = w.count < this.perSecond;
    if (allowed) w.count++;
    return {
      allowed,
      headers: {
        'x-ratelimit-limit': String(this.perSecond),
        'x-ratelimit-remaining': String(Math.max(0, this.perSecond - w.count)),
        'x-ratelimit-reset': String(second + 1),
      },
    };
  }
}
