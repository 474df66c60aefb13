// Operator sessions. The cookie carries only a random id; the CSRF token and a
// separate public operator id (the one logs may show) are kept server-side,
// by default in the database (SessionTable), so that every instance behind a
// load balancer knows every sign-in, and a sign-out ends it everywhere.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionBackend, SessionRecord } from '../../delivery/store/console-sessions.js';

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
  /** Where sessions are kept; in this process's memory when not given. */
  backend?: SessionBackend;
  /** Logged out after this long without a request. */
  idleMs?: number;
  /** Logged out after this long whatever happens. */
  maxAgeMs?: number;
  /** Oldest sessions are dropped past this many. */
  max?: number;
}

const token = (bytes: number) => randomBytes(bytes).toString('base64url');
const hashOf = (id: string) => createHash('sha256').update(id, 'utf8').digest('base64url');

export class Sessions {
  private readonly backend: SessionBackend;
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly max: number;
  /** Recording every request's time would write on every click: only when it moved this much. */
  private readonly touchEveryMs: number;

  constructor(private readonly opts: SessionOptions) {
    this.backend = opts.backend ?? new MemorySessionBackend();
    this.idleMs = opts.idleMs ?? 2 * 3_600_000;
    this.maxAgeMs = opts.maxAgeMs ?? 12 * 3_600_000;
    this.max = opts.max ?? 1000;
    this.touchEveryMs = Math.min(60_000, Math.floor(this.idleMs / 10));
  }

  async create(): Promise<Session> {
    const now = this.opts.now();
    const s: Session = { id: token(32), operatorId: `op_${token(6)}`, csrf: token(32), createdAt: now, lastSeen: now };
    await this.backend.insert(
      { idHash: hashOf(s.id), operatorId: s.operatorId, csrf: s.csrf, createdAt: now, lastSeen: now },
      { createdBefore: now - this.maxAgeMs, idleBefore: now - this.idleMs, keep: this.max },
    );
    return s;
  }

  /** The live session for a cookie value, touched; null when unknown or expired. */
  async get(id: string | undefined): Promise<Session | null> {
    if (!id) return null;
    const idHash = hashOf(id);
    const r = await this.backend.find(idHash);
    if (!r) return null;
    const now = this.opts.now();
    if (now - r.lastSeen > this.idleMs || now - r.createdAt > this.maxAgeMs) {
      await this.backend.remove(idHash);
      return null;
    }
    if (now - r.lastSeen >= this.touchEveryMs) await this.backend.touch(idHash, now);
    return { id, operatorId: r.operatorId, csrf: r.csrf, createdAt: r.createdAt, lastSeen: now };
  }

  async destroy(id: string): Promise<void> {
    await this.backend.remove(hashOf(id));
  }
}

/** Sessions of one process, gone at restart: for tests and tools. */
export class MemorySessionBackend implements SessionBackend {
  private readonly byHash = new Map<string, SessionRecord>();

  insert(r: SessionRecord, expiry: { createdBefore: number; idleBefore: number; keep: number }): Promise<void> {
    for (const [k, v] of this.byHash) if (v.createdAt < expiry.createdBefore || v.lastSeen < expiry.idleBefore) this.byHash.delete(k);
    this.byHash.set(r.idHash, { ...r });
    // Map order is insertion order: the first keys are the oldest sessions.
    for (const k of this.byHash.keys()) {
      if (this.byHash.size <= expiry.keep) break;
      this.byHash.delete(k);
    }
    return Promise.resolve();
  }

  find(idHash: string): Promise<SessionRecord | null> {
    const r = this.byHash.get(idHash);
    return Promise.resolve(r ? { ...r } : null);
  }

  touch(idHash: string, lastSeen: number): Promise<void> {
    const r = this.byHash.get(idHash);
    if (r && r.lastSeen < lastSeen) r.lastSeen = lastSeen;
    return Promise.resolve();
  }

  remove(idHash: string): Promise<void> {
    this.byHash.delete(idHash);
    return Promise.resolve();
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
