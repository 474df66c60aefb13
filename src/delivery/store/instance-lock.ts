// One identity, one live process. At start an instance releases the claims
// its identity left (its previous process died holding them), so two live
// processes with one identity would release, and settle, each other's
// claims. On PostgreSQL each identity is a session advisory lock, held on a
// connection of its own for as long as the process lives: the first free of
// `base`, `base-2`, `base-3`… is taken (an instance restarted after a crash
// gets the one its predecessor held: that session ended with it). If the
// connection drops (a database restart), the lock is taken again; should
// another process have taken it meanwhile, `onLost` is told and the process
// must stop. SQLite: one process owns the file (the service reclaims every
// claim at start), so the base is the identity and nothing is locked.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { SessionClient } from './connect.js';
import type { Store } from './store.js';
import { isConnectionError } from './unavailable.js';

/** The lock space of identities (int4 class key), apart from the migration lock's. */
const IDENTITY_LOCK_CLASS = 0x43555242;
const MAX_SLOTS = 64;
const RETAKE_FIRST_MS = 1_000;
const RETAKE_MAX_MS = 10_000;

export interface InstanceIdentity {
  id: string;
  /** Lets the identity go (at shutdown, after the last settle). */
  close(): Promise<void>;
}

export interface HoldOptions {
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** The identity was taken by another process while the connection was down: stop this one. */
  onLost(reason: string): void;
}

/** The identity's slot `n` (1: the base itself). */
export function slotId(base: string, n: number): string {
  return n === 1 ? base : `${base}-${n}`;
}

/** The lock's two keys for an identity: our class, and a 32-bit hash (a collision only makes an identity look taken, and the next slot is used). */
export function identityLockKey(id: string): [number, number] {
  return [IDENTITY_LOCK_CLASS, createHash('sha256').update(id).digest().readInt32BE(0)];
}

/** The application_name of the sessions that hold identities, as pg_stat_activity shows them. */
export const IDENTITY_SESSION_NAME = 'curation instance identity';

async function tryLock(client: SessionClient, id: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', identityLockKey(id));
  return rows[0]?.locked === true;
}

async function openSession(store: Store): Promise<SessionClient> {
  const client = store.session!(IDENTITY_SESSION_NAME);
  await client.connect();
  // An idle session is ended by idle_session_timeout (PostgreSQL 14+) when the server sets one: not this one.
  await client.query("SELECT set_config('idle_session_timeout', '0', false)").catch(() => undefined);
  return client;
}

export async function holdInstanceId(store: Store, base: string, opts: HoldOptions): Promise<InstanceIdentity> {
  if (!store.session) return { id: base, close: () => Promise.resolve() };
  const client = await openSession(store);
  for (let n = 1; n <= MAX_SLOTS; n++) {
    const id = slotId(base, n);
    if (await tryLock(client, id)) return new HeldIdentity(store, id, client, opts);
  }
  await client.end();
  throw new Error(`the instance identities ${base} to ${slotId(base, MAX_SLOTS)} are all in use by running processes: set INSTANCE_ID or STATE_DIR per instance`);
}

class HeldIdentity implements InstanceIdentity {
  private closed = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    readonly id: string,
    private client: SessionClient,
    private readonly opts: HoldOptions,
  ) {
    this.watch(client);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    // Ending the session lets the lock go.
    await this.client.end().catch(() => undefined);
  }

  private watch(client: SessionClient): void {
    client.on('end', () => {
      if (this.closed || client !== this.client) return;
      this.opts.log.warn({ instanceId: this.id }, 'the session that holds this instance identity ended; taking it again');
      this.retake(RETAKE_FIRST_MS);
    });
  }

  private retake(delayMs: number): void {
    this.timer = setTimeout(() => void this.retakeNow(delayMs), delayMs);
    this.timer.unref();
  }

  private async retakeNow(delayMs: number): Promise<void> {
    if (this.closed) return;
    let client: SessionClient | null = null;
    try {
      client = await openSession(this.store);
      if (this.closed) {
        await client.end();
        return;
      }
      if (await tryLock(client, this.id)) {
        this.client = client;
        this.watch(client);
        this.opts.log.info({ instanceId: this.id }, 'instance identity held again');
        return;
      }
      await client.end();
      this.opts.onLost(`another process took the instance identity ${this.id} while this one had no connection to the database`);
    } catch (err) {
      await client?.end().catch(() => undefined);
      // Still unreachable: the outage is logged once by the pool (pg-link.ts); try again later.
      if (!isConnectionError(err)) this.opts.log.error({ instanceId: this.id, err: { message: err instanceof Error ? err.message : String(err) } }, 'could not take the instance identity again; trying again');
      this.retake(Math.min(delayMs * 2, RETAKE_MAX_MS));
    }
  }
}
