// Instances wake each other (PostgreSQL). A store operation that makes a job
// due now also calls pg_notify(JOBS_DUE_CHANNEL, '') in its own statement,
// inside the transaction that makes the job, so the notification goes out on
// commit and never for a rollback; PostgreSQL folds identical notifications
// of one transaction into one, so a group commit of many enqueues wakes each
// listener once. Each instance LISTENs on a connection of its own and wakes
// its job runner, which then claims as it does after any wake-up; its own
// notifications (their payload is its store's token) are left out, and a
// burst of notifications is one wake-up per WAKE_GAP_MS. The runner's
// timer (at most 30 s) stays the safety net for whatever a lost notification
// or a dead listening connection missed.
//
// The listening connection is made like the identity's (store.session): from
// the pool's configuration, outside the pool, so the pool keeps all its
// connections for queries (a LISTEN holds its connection for the process's
// life). When it breaks, it is made again with backoff; the loss is said once
// per outage, its return once, and the runner is woken once after it is back,
// which covers what was enqueued meanwhile. SQLite has one process, whose
// runner is woken in-process: nothing here runs.
import { randomBytes } from 'node:crypto';
import { PostgresAdapter, sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { SessionClient } from './connect.js';
import type { Database } from './schema.js';
import { isConnectionError } from './unavailable.js';

/** The channel the store notifies on: one database is one deployment. */
export const JOBS_DUE_CHANNEL = 'curation_jobs_due';

/** The application_name of the listening sessions, as pg_stat_activity shows them. */
export const WAKEUP_SESSION_NAME = 'curation job wake-ups';

/**
 * The store's PostgreSQL adapter (connect-postgres.ts), with the token its
 * notifications carry: the instance's own listener leaves them out, since
 * what the instance enqueues wakes its runner in-process already.
 */
export class NotifyingAdapter extends PostgresAdapter {
  readonly wakeToken = randomBytes(6).toString('hex');
}

/** The token of the store behind `db` (its Kysely or one of its transactions), or null where nothing notifies (SQLite). */
export function wakeTokenOf(db: Kysely<Database> | Transaction<Database>): string | null {
  const adapter = db.getExecutor().adapter;
  return adapter instanceof NotifyingAdapter ? adapter.wakeToken : null;
}

/** The select item that notifies, for a statement of the enqueuing transaction. */
export function notifyJobsDue(token: string): RawBuilder<unknown> {
  return sql`pg_notify(${JOBS_DUE_CHANNEL}, ${token})`;
}

/** Between tries to listen again: from 500 ms, doubling, to 10 s, each with jitter (instances restarted together do not reconnect in step). */
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 10_000;
/**
 * Wake-ups from notifications come at most this often: the first at once,
 * those that follow within the gap as one at its end. Instances under a
 * steady load notify on most commits; each wake-up is a look of the runner
 * (a claim, a due-time query), and one look claims all that is due.
 */
const WAKE_GAP_MS = 50;
/** The longest close() waits for the connection to end. */
const CLOSE_WAIT_MS = 3_000;

export interface WakeupOptions {
  /** Called on every notification, and once when listening again after a loss. */
  wake(): void;
  log: Pick<Logger, 'warn' | 'info'>;
}

export interface JobWakeups {
  /** Stops listening and ends the connection (at shutdown). */
  close(): Promise<void>;
}

/** What the listener needs of the store. */
export interface WakeupSource {
  /** PostgreSQL: a connection outside the pool. */
  session?: ((name: string) => SessionClient) | undefined;
  /** The token of the store's own notifications, left out. */
  wakeToken: string | null;
}

/**
 * Listens for jobs made due by other instances; null without a session
 * (SQLite). Resolves once the first try is over: listening, or (when it
 * failed) trying again in the background.
 */
export async function listenForJobs(store: WakeupSource, opts: WakeupOptions): Promise<JobWakeups | null> {
  if (!store.session) return null;
  const listener = new Listener(store.session, store.wakeToken, opts);
  await listener.connect();
  return listener;
}

class Listener implements JobWakeups {
  private client: SessionClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** When listening was lost (performance.now()), null while listening. */
  private lostSince: number | null = null;
  private delay = RECONNECT_FIRST_MS;
  private lastWake = -Infinity;
  private trailing: NodeJS.Timeout | null = null;

  constructor(
    private readonly session: (name: string) => SessionClient,
    private readonly ownToken: string | null,
    private readonly opts: WakeupOptions,
  ) {}

  async connect(): Promise<void> {
    this.timer = null;
    if (this.closed) return;
    const client = this.session(WAKEUP_SESSION_NAME);
    this.client = client;
    // Both may come for one loss; lost() acts on the first.
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, undefined));
    client.on('notification', (msg) => {
      if (client === this.client && !this.closed && msg.payload !== this.ownToken) this.notified();
    });
    try {
      await client.connect();
      // An idle session is ended by idle_session_timeout (PostgreSQL 14+) when the server sets one: not this one (older servers lack the setting).
      await client.query("SELECT set_config('idle_session_timeout', '0', false)").catch((err: unknown) => {
        if (isConnectionError(err)) throw err;
      });
      await client.query(`LISTEN ${JOBS_DUE_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (client !== this.client || this.closed) return;
    this.delay = RECONNECT_FIRST_MS;
    if (this.lostSince === null) return;
    this.opts.log.info({ downMs: Math.round(performance.now() - this.lostSince) }, 'job wake-ups: listening again; looking for jobs enqueued meanwhile');
    this.lostSince = null;
    this.wakeNow();
  }

  /** A notification: wakes the runner now, or at the end of the gap since the last wake-up (one for all that came meanwhile). */
  private notified(): void {
    if (this.trailing) return;
    const wait = this.lastWake + WAKE_GAP_MS - performance.now();
    if (wait <= 0) {
      this.wakeNow();
      return;
    }
    this.trailing = setTimeout(() => {
      this.trailing = null;
      if (!this.closed) this.wakeNow();
    }, wait);
    this.trailing.unref();
  }

  private wakeNow(): void {
    this.lastWake = performance.now();
    this.opts.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.trailing) clearTimeout(this.trailing);
    this.timer = null;
    this.trailing = null;
    const client = this.client;
    this.client = null;
    if (!client) return;
    // A connection still being made to a host that does not answer ends with its connect timeout; shutdown waits no longer than that.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([client.end().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** The connection broke, ended or could not be made: made again after a pause. Said once per outage. */
  private lost(client: SessionClient, err: unknown): void {
    if (client !== this.client || this.closed) return;
    this.client = null;
    // Frees the socket if it is still open; the client keeps our 'error' listener, so a late error is harmless.
    client.end().catch(() => undefined);
    if (this.lostSince === null) {
      this.lostSince = performance.now();
      this.opts.log.warn({ code: codeOf(err) }, "job wake-ups: the listening connection is gone; other instances' jobs are found by polling until it is back");
    }
    const wait = Math.round(this.delay * (0.5 + Math.random() / 2));
    this.delay = Math.min(this.delay * 2, RECONNECT_MAX_MS);
    this.timer = setTimeout(() => void this.connect(), wait);
    // The loop must not hold the process open (a shutdown without close()).
    this.timer.unref();
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
