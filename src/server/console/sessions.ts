// Operator sessions. The cookie carries only a random id; the CSRF token and a
// separate public operator id (the one logs may show) are kept server-side,
// by default in the database (SessionTable), so that every instance behind a
// load balancer knows every sign-in, and a sign-out ends it everywhere.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionBackend, SessionRecord } from '../../delivery/store/console-sessions.js';
import { BREAK_GLASS, isRole, type Role } from '../../accounts/roles.js';

export interface Session {
  /** The cookie value: a secret, never logged. */
  id: string;
  /** Safe to log: names the session in audit lines. */
  operatorId: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
}

/** Who a session is for. */
export interface SessionOwner {
  /** The signed-in account; null for the break-glass ADMIN_TOKEN sign-in. */
  accountId: string | null;
  role: Role;
  /** The account's name, or 'break-glass': who the audit log names. */
  actor: string;
}

/** A live session and whose it is. */
export type SignedIn = Session & SessionOwner;

/** The ADMIN_TOKEN sign-in: an admin session of no account. */
export const BREAK_GLASS_OWNER: SessionOwner = { accountId: null, role: 'admin', actor: BREAK_GLASS };

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

  async create(owner: SessionOwner): Promise<SignedIn> {
    const now = this.opts.now();
    const s: SignedIn = { id: token(32), operatorId: `op_${token(6)}`, csrf: token(32), createdAt: now, lastSeen: now, ...owner };
    await this.backend.insert(
      { idHash: hashOf(s.id), operatorId: s.operatorId, csrf: s.csrf, createdAt: now, lastSeen: now, accountId: owner.accountId, role: owner.role, actor: owner.actor },
      { createdBefore: now - this.maxAgeMs, idleBefore: now - this.idleMs, keep: this.max },
    );
    return s;
  }

  /** The live session for a cookie value, touched; null when unknown or expired. */
  async get(id: string | undefined): Promise<SignedIn | null> {
    if (!id) return null;
    const idHash = hashOf(id);
    const r = await this.backend.find(idHash);
    if (!r) return null;
    const now = this.opts.now();
    // A row without a known role (from before accounts) is no session: fail closed.
    if (!isRole(r.role) || now - r.lastSeen > this.idleMs || now - r.createdAt > this.maxAgeMs) {
      await this.backend.remove(idHash);
      return null;
    }
    if (now - r.lastSeen >= this.touchEveryMs) await this.backend.touch(idHash, now);
    return { id, operatorId: r.operatorId, csrf: r.csrf, createdAt: r.createdAt, lastSeen: now, accountId: r.accountId, role: r.role, actor: r.actor ?? (r.accountId ?? 'unknown') };
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

export interface ThrottleLimits {
  /** Addresses remembered at once; past it the oldest are forgotten, locked ones last. */
  maxTracked?: number;
  /** Failed sign-ins from all addresses together per window; past it every address waits. */
  maxGlobalFailures?: number;
}

interface Failures {
  count: number;
  /** Counting: when the window that began at the first failure ends. Locked: when the lock ends. */
  until: number;
}

/**
 * Failed sign-ins per client address, so the admin token cannot be guessed at
 * speed. Bounded: a flood of new addresses pushes out the oldest addresses
 * that are only counting; a locked address is forgotten only when every
 * remembered address is locked (and the all-address ceiling stops the
 * failures long before that). The ceiling bounds a guess spread over many
 * addresses, at the price of pausing every sign-in while it holds.
 */
export class LoginThrottle {
  // Two maps in the order entries were made, which is also the order they
  // expire in (a lock lasts a full window from the failure that caused it):
  // the oldest of each is its first key.
  private readonly counting = new Map<string, Failures>();
  private readonly locked = new Map<string, Failures>();
  private readonly maxTracked: number;
  private readonly maxGlobalFailures: number;
  private global: Failures = { count: 0, until: 0 };

  constructor(
    private readonly now: () => number,
    private readonly maxFailures = 10,
    private readonly windowMs = 15 * 60_000,
    limits: ThrottleLimits = {},
  ) {
    this.maxTracked = Math.max(1, limits.maxTracked ?? 10_000);
    this.maxGlobalFailures = limits.maxGlobalFailures ?? 100;
  }

  /** How many addresses are remembered now. */
  get tracked(): number {
    return this.counting.size + this.locked.size;
  }

  /** Whether the all-address ceiling holds every sign-in back now. */
  globallyBlocked(): boolean {
    return this.global.count >= this.maxGlobalFailures && this.global.until > this.now();
  }

  /** ms until the address may try again; 0 when it may now. */
  blockedFor(key: string): number {
    const now = this.now();
    const own = this.locked.get(key);
    if (own && own.until <= now) this.locked.delete(key);
    const ownLeft = own && own.until > now ? own.until - now : 0;
    const globalLeft = this.globallyBlocked() ? this.global.until - now : 0;
    return Math.max(ownLeft, globalLeft);
  }

  fail(key: string): void {
    const now = this.now();
    if (this.global.until <= now) this.global = { count: 0, until: now + this.windowMs };
    this.global.count++;
    const lock = this.locked.get(key);
    if (lock && lock.until > now) return;
    if (lock) this.locked.delete(key);
    let f = this.counting.get(key);
    if (f && f.until <= now) {
      this.counting.delete(key);
      f = undefined;
    }
    if (!f) {
      this.makeRoom(now);
      f = { count: 0, until: now + this.windowMs };
      this.counting.set(key, f);
    }
    f.count++;
    if (f.count >= this.maxFailures) {
      this.counting.delete(key);
      this.locked.set(key, { count: f.count, until: now + this.windowMs });
    }
  }

  succeed(key: string): void {
    this.counting.delete(key);
    this.locked.delete(key);
  }

  private makeRoom(now: number): void {
    for (const m of [this.counting, this.locked]) {
      for (const [k, v] of m) {
        if (v.until > now) break;
        m.delete(k);
      }
    }
    while (this.tracked >= this.maxTracked) {
      const victim = this.counting.size > 0 ? this.counting : this.locked;
      const oldest = victim.keys().next();
      if (oldest.done) return;
      victim.delete(oldest.value);
    }
  }
}

/**
 * The key a client's failures are counted under. An IPv6 client usually holds
 * a whole /64, so counting per address would give it 2^64 fresh starts.
 */
export function throttleKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const groups = expandIpv6(ip.split('%')[0]!);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip;
}

/** The eight groups of an IPv6 address, each without leading zeros; null if it is not one. */
function expandIpv6(ip: string): string[] | null {
  const halves = ip.toLowerCase().split('::');
  if (halves.length > 2) return null;
  const part = (h: string | undefined) => (h ? h.split(':') : []);
  const head = part(halves[0]);
  const tail = part(halves[1]);
  // A trailing dotted IPv4 part stands for two groups.
  const last = tail.length > 0 ? tail : head;
  const v4 = last.at(-1)?.includes('.') ? last.pop()!.split('.').map(Number) : null;
  if (v4) {
    if (v4.length !== 4 || v4.some((n) => !(n >= 0 && n <= 255))) return null;
    last.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16).toString(16));
}
