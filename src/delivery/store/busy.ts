// A held database lock, as one typed error, and the asynchronous wait for it.
//
// better-sqlite3 is synchronous: a busy_timeout would block the whole event
// loop (webhooks, /healthz, /metrics) for as long as another process holds the
// lock. So SQLite is opened with busy_timeout 0, a held lock surfaces at once
// as DatabaseBusyError, and whoever may wait does so here, with setTimeout.

export class DatabaseBusyError extends Error {
  override readonly name = 'DatabaseBusyError';
  /** The driver's code (SQLITE_BUSY, 55P03, …), for the log line. */
  readonly code: string | undefined;

  constructor(reason: string, code: string | undefined, options?: ErrorOptions) {
    super(`database busy (${reason})`, options);
    this.code = code;
  }
}

/** What /healthz and /metrics report; `failing`: the latest writes failed for want of storage (write-health.ts). */
export type DatabaseState = 'ok' | 'busy' | 'unreachable' | 'failing';

// PostgreSQL: lock_not_available (lock_timeout, NOWAIT) and query_canceled (statement_timeout).
const PG_BUSY_CODES = new Set(['55P03', '57014']);
// pg-pool's message when every connection stayed taken for connectionTimeoutMillis.
const POOL_TIMEOUT = 'timeout exceeded when trying to connect';

/** The driver's error as DatabaseBusyError when it means "another connection holds the lock"; any other error unchanged. */
export function asBusyError(err: unknown): unknown {
  if (err instanceof DatabaseBusyError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  const busy =
    (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || PG_BUSY_CODES.has(code))) || err.message === POOL_TIMEOUT;
  return busy ? new DatabaseBusyError(err.message, typeof code === 'string' ? code : undefined, { cause: err }) : err;
}

export interface BusyWait {
  /** Total time to keep trying, from the first attempt. */
  budgetMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** The webhook path: short, so Channel Talk gets a quick 503 and delivers again later. */
export const WEBHOOK_WAIT: BusyWait = { budgetMs: 300, firstDelayMs: 10, maxDelayMs: 100 };
/** The jobs' writes (a send's outcome among them): worth waiting for, well inside the claim lease. */
export const DISPATCH_WAIT: BusyWait = { budgetMs: 10_000, firstDelayMs: 10, maxDelayMs: 250 };
/** Opening and migrating at start-up. */
export const STARTUP_WAIT: BusyWait = { budgetMs: 120_000, firstDelayMs: 50, maxDelayMs: 1_000 };

/** Runs `attempt` again after DatabaseBusyError, backing off on timers, until the budget is spent. */
export async function retryWhileBusy<T>(attempt: () => Promise<T>, wait: BusyWait): Promise<T> {
  const started = performance.now();
  for (let delay = wait.firstDelayMs; ; delay = Math.min(delay * 2, wait.maxDelayMs)) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof DatabaseBusyError)) throw err;
      const left = wait.budgetMs - (performance.now() - started);
      if (left <= 0) throw err;
      await new Promise<void>((resolve) => setTimeout(resolve, Math.min(delay, left)));
    }
  }
}
