// Operator sessions, held in memory: a restart logs everyone out, which is
// fine for a console with one shared secret. The cookie carries only a random
// id; the CSRF token and a separate public operator id (the one logs may
// show) live here.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  /** The cookie value: a secret, never logged. */
  id: string;
  /** Safe to log: names the session in audit lines. */
  operatorId: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
}

export interface SessionOptions {
  now: () => number;
  /** Logged out after this long without a request. */
  idleMs?: number;
  /** Logged out after this long whatever happens. */
  maxAgeMs?: number;
  /** Oldest sessions are dropped past this many. */
  max?: number;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

export class Sessions {
  private readonly byId = new Map<string, Session>();
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly max: number;

  constructor(private readonly opts: SessionOptions) {
    this.idleMs = opts.idleMs ?? 2 * 3_600_000;
    this.maxAgeMs = opts.maxAgeMs ?? 12 * 3_600_000;
    this.max = opts.max ?? 1000;
  }

  create(): Session {
    const now = this.opts.now();
    const s: Session = { id: token(32), operatorId: `op_${token(6)}`, csrf: token(32), createdAt: now, lastSeen: now };
    this.byId.set(s.id, s);
    while (this.byId.size > this.max) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
    return s;
  }

  /** The live session for a cookie value, touched; null when unknown or expired. */
  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.byId.get(id);
    if (!s) return null;
    const now = this.opts.now();
    if (now - s.lastSeen > this.idleMs || now - s.createdAt > this.maxAgeMs) {
      this.byId.delete(id);
      return null;
    }
    s.lastSeen = now;
    return s;
  }

  destroy(id: string): void {
    this.byId.delete(id);
  }
}

export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Failed logins per client address, so the admin token cannot be guessed at speed. */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly now: () => number,
    private readonly maxFailures = 10,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** ms until the address may try again; 0 when it may now. */
  blockedFor(ip: string): number {
    const f = this.failures.get(ip);
    if (!f) return 0;
    const left = f.until - this.now();
    if (left <= 0) {
      this.failures.delete(ip);
      return 0;
    }
    return f.count >= this.maxFailures ? left : 0;
  }

  fail(ip: string): void {
    const now = this.now();
    const f = this.failures.get(ip);
    if (!f || f.until <= now) this.failures.set(ip, { count: 1, until: now + this.windowMs });
    else f.count++;
    if (this.failures.size > 10_000) this.failures.clear();
  }

  succeed(ip: string): void {
    this.failures.delete(ip);
  }
}
