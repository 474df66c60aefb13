// Recurring jobs. A recurring job is one row under a fixed key: its handler
// returns `every.done(now)`, which deletes the row and, in the same
// transaction, enqueues the next occurrence under the same key. Start-up
// calls `every.ensure()`: the key keeps several instances (or restarts)
// from scheduling it twice. A retry keeps the row (backoff as any job);
// a fail ends the series, visible in `jobs` with its reason, until
// ensure() runs again after the row is removed.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../delivery/store/schema.js';
import { enqueueJob } from '../delivery/store/job-ops.js';
import type { JobOutcome } from './types.js';

export interface Every {
  /** Enqueues the first occurrence unless one exists; call at start-up (or inside a transaction). */
  ensure(db: Kysely<Database> | Transaction<Database>, now: number): Promise<boolean>;
  /** The outcome a recurring handler returns after a good run: done, and the next one `intervalMs` later. */
  done(now: number): JobOutcome;
}

export function scheduleEvery(kind: string, key: string, intervalMs: number, payload: unknown = {}): Every {
  if (!(intervalMs > 0)) throw new Error(`scheduleEvery(${kind}): the interval must be positive`);
  return {
    ensure: (db, now) => enqueueJob(db, { kind, key, payload, runAt: now }, now),
    done: (now) => ({
      kind: 'done',
      write: async (trx) => {
        await enqueueJob(trx, { kind, key, payload, runAt: now + intervalMs }, now);
      },
    }),
  };
}
