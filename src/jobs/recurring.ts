// Recurring jobs. A recurring job is one row under a fixed key: its handler
// returns `every.done(now)`, which deletes the row and, in the same
// transaction, enqueues the next occurrence under the same key. Start-up
// calls `every.ensure()`: the key keeps several instances (or restarts)
// from scheduling it twice, and an occurrence already waiting is moved to
// follow the interval configured now (its last run plus the new interval;
// it kept the old one before). An interval of 0 ends the series at start-up
// (`stopRecurring`). A retry keeps the row (backoff as any job);
// a fail ends the series, visible in `jobs` with its reason, until
// ensure() runs again after the row is removed.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../delivery/store/schema.js';
import { enqueueJob, rescheduleRecurring } from '../delivery/store/job-ops.js';
import type { JobOutcome } from './types.js';

export interface Every {
  /** Enqueues the first occurrence unless one exists, else makes the waiting one follow `intervalMs`; call at start-up (or inside a transaction). True when it enqueued or moved one. */
  ensure(db: Kysely<Database> | Transaction<Database>, now: number): Promise<boolean>;
  /** The outcome a recurring handler returns after a good run: done, and the next one `intervalMs` later. */
  done(now: number): JobOutcome;
}

export function scheduleEvery(kind: string, key: string, intervalMs: number, payload: unknown = {}): Every {
  if (!(intervalMs > 0)) throw new Error(`scheduleEvery(${kind}): the interval must be positive`);
  return {
    ensure: async (db, now) => (await enqueueJob(db, { kind, key, payload, runAt: now }, now)) || (await rescheduleRecurring(db, key, intervalMs)),
    done: (now) => ({
      kind: 'done',
      write: async (trx) => {
        await enqueueJob(trx, { kind, key, payload, runAt: now + intervalMs }, now);
      },
    }),
  };
}
