// The state of the link to PostgreSQL, as the pool sees it, for three uses:
//
// - One log line when it is lost and one when it is back, whatever the number
//   of connections that broke (a restart breaks all of them at once).
// - Failing fast: once a new connection could not be made, asking for one
//   fails at once with DatabaseUnavailableError (a webhook gets its 503 in
//   milliseconds, not after a connect timeout per request), while a probe
//   in the background tries again, with backoff, until one succeeds.
// - /healthz: a connection attempt still under way after a second means the
//   database is unreachable, not busy (a black-holed host never refuses).
//
// No pg import: connect-postgres.ts hands in the pool and the clients.
import type { Logger } from 'pino';
import { DatabaseUnavailableError, isConnectionError } from './unavailable.js';

/** What the store asks of the link (SQLite has none). */
export interface DatabaseLink {
  /** True while new connections fail: requests for one are refused at once. */
  unreachable(): boolean;
  /** Where the lost and back lines go, from now on (the service's logger, once the store is open). */
  report(log: LinkLog): void;
  /** When the oldest connection attempt under way began (performance.now()), or null. */
  connectingSince(): number | null;
  close(): void;
}

export type LinkLog = Pick<Logger, 'warn' | 'info'>;

/** A connection checked out for the probe: released with an error when it is to be thrown away. */
export interface ProbeClient {
  query(text: string): Promise<unknown>;
  release(err?: Error): void;
}

const PROBE_FIRST_MS = 200;
const PROBE_MAX_MS = 1_000;

interface Outage {
  since: number;
  code: string | undefined;
  errors: number;
}

export class PgLink implements DatabaseLink {
  private outage: Outage | null = null;
  private refusing = false;
  /** Connection attempts under way: id → when each began. */
  private readonly attempts = new Map<number, number>();
  private attemptSeq = 0;
  private probeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private log: LinkLog | undefined;

  constructor(
    /** host:port/db, no credentials: what the log lines name. */
    private readonly target: string,
    /** A connection straight from the pool, for the probe (never refused here). */
    private readonly rawConnect: () => Promise<ProbeClient>,
    private readonly probeTimeoutMs: number,
  ) {}

  unreachable(): boolean {
    return this.refusing;
  }

  report(log: LinkLog): void {
    this.log = log;
  }

  connectingSince(): number | null {
    return this.attempts.size === 0 ? null : Math.min(...this.attempts.values());
  }

  /** A request for a connection: refused at once while new connections fail. */
  async acquire<T>(get: () => Promise<T>): Promise<T> {
    if (this.refusing) {
      const o = this.outage;
      const seconds = o ? Math.round((performance.now() - o.since) / 1000) : 0;
      throw new DatabaseUnavailableError(`no connection for ${seconds} s${o?.code ? `, last ${o.code}` : ''}`, o?.code);
    }
    return get();
  }

  /** A new connection is being made; call the result with its error, or none once it is up. */
  connecting(): (err?: unknown) => void {
    const id = ++this.attemptSeq;
    this.attempts.set(id, performance.now());
    return (err?: unknown) => {
      this.attempts.delete(id);
      if (err === undefined || err === null) this.back();
      else if (isConnectionError(err)) this.refuse(err);
    };
  }

  /** A connection broke (idle or in use): the pool drops it; the next request makes a new one. */
  broken(err: unknown): void {
    if (!this.noteLost(err)) this.outage!.errors++;
  }

  close(): void {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
  }

  /** Starts an outage if none runs (and says so once); false when one ran already. */
  private noteLost(err: unknown): boolean {
    if (this.outage) return false;
    const code = codeOf(err);
    this.outage = { since: performance.now(), code, errors: 1 };
    this.log?.warn({ database: this.target, code }, 'database connection lost');
    return true;
  }

  private refuse(err: unknown): void {
    if (!this.noteLost(err)) {
      this.outage!.errors++;
      this.outage!.code = codeOf(err) ?? this.outage!.code;
    }
    if (this.refusing || this.closed) return;
    this.refusing = true;
    this.log?.warn({ database: this.target, code: codeOf(err) }, 'database unreachable: webhooks get 503 and jobs wait until it answers');
    this.scheduleProbe(PROBE_FIRST_MS);
  }

  private back(): void {
    this.refusing = false;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    const o = this.outage;
    if (!o) return;
    this.outage = null;
    this.log?.info({ database: this.target, downMs: Math.round(performance.now() - o.since), errors: o.errors }, 'database connection back');
  }

  private scheduleProbe(delayMs: number): void {
    if (this.closed) return;
    this.probeTimer = setTimeout(() => void this.probe(delayMs), delayMs);
    this.probeTimer.unref();
  }

  /** One connection and one round trip, bounded; on failure the next try comes later (capped). */
  private async probe(lastDelayMs: number): Promise<void> {
    this.probeTimer = null;
    if (!this.refusing || this.closed) return;
    let client: ProbeClient | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      client = await this.rawConnect();
      const c = client;
      await Promise.race([
        c.query('SELECT 1'),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new DatabaseUnavailableError('no answer to the probe', undefined)), this.probeTimeoutMs))),
      ]);
      client.release();
      this.back();
    } catch (err) {
      client?.release(err instanceof Error ? err : new Error(String(err)));
      if (this.outage) this.outage.errors++;
      this.scheduleProbe(Math.min(lastDelayMs * 2, PROBE_MAX_MS));
    } finally {
      clearTimeout(timer);
    }
  }
}

function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
