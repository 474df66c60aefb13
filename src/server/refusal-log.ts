// Refused requests (wrong webhook token, wrong admin token) are worth one warn
// line, but a scan sends thousands: a line each would flood the logs and
// bury everything else. So a lone refusal gets its own line, and those that
// follow within a minute are counted and written as one summary line, with
// per-route counts and how many addresses (never which, never a token).
import type { Logger } from 'pino';

/** Runs fn after ms; returns a cancel. Injectable so tests can move time. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  // A pending summary must never keep the process alive.
  t.unref();
  return () => clearTimeout(t);
};

export interface RefusalLogOptions {
  logger: Logger;
  /** The lone refusal's line, e.g. 'webhook refused: wrong or missing token'. */
  message: string;
  /** The summary's subject: `${n} ${what} in the last 60 s`. */
  what: string;
  now?: () => number;
  schedule?: Schedule;
  periodMs?: number;
}

// Counting distinct addresses needs them in memory for a minute: bounded.
const MAX_ADDRESSES = 10_000;

interface Pending {
  count: number;
  routes: Map<string, number>;
  addresses: Set<string>;
}

export class RefusalLog {
  private readonly now: () => number;
  private readonly schedule: Schedule;
  private readonly periodMs: number;
  /** When the last line (lone or summary) was written; -Infinity before any. */
  private lastLineAt = -Infinity;
  private pending: Pending | null = null;
  private cancelTimer: (() => void) | null = null;

  constructor(private readonly opts: RefusalLogOptions) {
    this.now = opts.now ?? Date.now;
    this.schedule = opts.schedule ?? realSchedule;
    this.periodMs = opts.periodMs ?? 60_000;
  }

  /** One refused request. `fields` go only on a lone line; keep secrets out of them. */
  refused(route: string, ip: string, fields: Record<string, unknown> = {}): void {
    const now = this.now();
    // The timer may be late under load: a due summary is written before counting on.
    if (this.pending && now - this.lastLineAt >= this.periodMs) this.flush();
    if (!this.pending && now - this.lastLineAt >= this.periodMs) {
      this.opts.logger.warn({ ...fields, route, ip }, this.opts.message);
      this.lastLineAt = now;
      return;
    }
    const p = (this.pending ??= { count: 0, routes: new Map(), addresses: new Set() });
    p.count++;
    p.routes.set(route, (p.routes.get(route) ?? 0) + 1);
    if (p.addresses.size < MAX_ADDRESSES) p.addresses.add(ip);
    this.cancelTimer ??= this.schedule(() => {
      this.cancelTimer = null;
      this.flush();
    }, Math.max(0, this.lastLineAt + this.periodMs - now));
  }

  /** Writes the pending summary, if any (also at shutdown, so no count is lost). */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    const p = this.pending;
    if (!p) return;
    const now = this.now();
    const seconds = Math.round((now - this.lastLineAt) / 1000);
    this.opts.logger.warn(
      { refused: p.count, routes: Object.fromEntries(p.routes), addresses: p.addresses.size, seconds },
      `${p.count} ${this.opts.what} in the last ${seconds} s`,
    );
    this.pending = null;
    this.lastLineAt = now;
  }
}
