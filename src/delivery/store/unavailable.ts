// A database that cannot be reached, as one typed error: PostgreSQL stopped,
// restarting, failing over, its sessions terminated, or its host gone. Unlike
// DatabaseBusyError (busy.ts) nothing here is worth a quick retry: the
// webhook answers 503 at once, /healthz says 'unreachable', and the job
// runner keeps what it has (a send's outcome) until the database answers.
// No pg import: the SQLite service loads this file too.

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  /** The driver's or the system's code (ECONNREFUSED, 57P01, …), for the log line. */
  readonly code: string | undefined;

  constructor(reason: string, code: string | undefined, options?: ErrorOptions) {
    super(`database unreachable (${reason})`, options);
    this.code = code;
  }
}

// The network said no, or the connection broke.
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);
// PostgreSQL: the server ends or refuses sessions (admin_shutdown, crash_shutdown, cannot_connect_now); class 08 is connection_exception.
const PG_CODES = new Set(['57P01', '57P02', '57P03']);
// node-postgres says these without a code.
const MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Connection terminated',
  'timeout expired',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether `err` (or what caused it) means the database could not be reached or the connection broke. */
export function isConnectionError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DatabaseUnavailableError) return true;
    const code = codeOf(e);
    if (code !== undefined && (NET_CODES.has(code) || PG_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (MESSAGES.includes(e.message)) return true;
    if (e instanceof AggregateError && e.errors.some((x) => isConnectionError(x))) return true;
  }
  return false;
}

/** The driver's error as DatabaseUnavailableError when it means a connection problem; any other error unchanged. */
export function asUnavailableError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError || !isConnectionError(err)) return err;
  const e = err as Error;
  return new DatabaseUnavailableError(e.message || codeOf(e) || 'connection failed', codeOf(e), { cause: err });
}

/** How an instance that starts while the database is unreachable waits for it. */
export interface DatabaseWait {
  /** Give up (the error is thrown) once this long has passed; null: wait as long as it takes. */
  maxMs: number | null;
  /** Aborted (SIGTERM): stop waiting, with the signal's reason. */
  signal?: AbortSignal;
  /** Called before each pause: why, and when the next try comes. */
  onWait(w: { attempt: number; code: string | undefined; retryInMs: number; waitedMs: number }): void;
}

/** From 1 s, doubling, to 10 s between tries: quick after a blip, quiet during a long outage. */
export const UNAVAILABLE_FIRST_DELAY_MS = 1_000;
export const UNAVAILABLE_MAX_DELAY_MS = 10_000;

/** Runs `attempt` again after DatabaseUnavailableError, backing off on timers, until it succeeds, `maxMs` passes, or the signal aborts. */
export async function retryWhileUnavailable<T>(attempt: () => Promise<T>, wait: DatabaseWait): Promise<T> {
  const started = performance.now();
  for (let n = 1, delay = UNAVAILABLE_FIRST_DELAY_MS; ; n++, delay = Math.min(delay * 2, UNAVAILABLE_MAX_DELAY_MS)) {
    wait.signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof DatabaseUnavailableError)) throw err;
      const waitedMs = Math.round(performance.now() - started);
      if (wait.maxMs !== null && waitedMs + delay > wait.maxMs) throw err;
      wait.onWait({ attempt: n, code: err.code, retryInMs: delay, waitedMs });
      await pause(delay, wait.signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  const stopped = (): Error => (signal?.reason instanceof Error ? signal.reason : new Error('stopped while waiting for the database'));
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(stopped());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(stopped());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
