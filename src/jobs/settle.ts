// The one place a job's outcome is applied: its limits (maximum age and
// attempts turn a retry into a fail), the lock the outcome carries (a
// send's chat), the job's row (deleted when done, rescheduled, or failed) and the
// handler's own writes, in one transaction. A job no longer held by this
// instance (its lease ended and another took it over) changes nothing.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../delivery/store/schema.js';
import type { JobOps } from '../delivery/store/job-ops.js';
import { settleFailure } from '../delivery/backoff.js';
import type { Job, JobOutcome, SettledOutcome } from './types.js';

export interface Limits {
  maxAttempts: number | null;
  maxAgeMs: number | null;
}

/** A retry past the job's limits is a fail, with the reason an operator can read. */
export function withinLimits(outcome: JobOutcome, job: Pick<Job<unknown>, 'attempts' | 'createdAt'>, limits: Limits, now: number): SettledOutcome {
  switch (outcome.kind) {
    case 'done':
      return { kind: 'done' };
    case 'fail':
      return { kind: 'fail', reason: outcome.reason };
    case 'retry': {
      const seconds = Math.round((now - job.createdAt) / 1000);
      if (limits.maxAttempts !== null && job.attempts >= limits.maxAttempts) {
        return { kind: 'fail', reason: `gave up after ${job.attempts} attempts over ${seconds} s: ${outcome.reason}` };
      }
      if (limits.maxAgeMs !== null && now - job.createdAt >= limits.maxAgeMs) {
        return { kind: 'fail', reason: `gave up after ${job.attempts} attempts over ${seconds} s: ${outcome.reason}` };
      }
      return { kind: 'retry', at: outcome.at, reason: outcome.reason };
    }
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown job outcome ${JSON.stringify(unknown)}`);
    }
  }
}

/** settleFailure for a job: its age counts from its creation, its attempts from the claims. */
export function failureOutcome(err: unknown, job: Pick<Job<unknown>, 'attempts' | 'createdAt'>, limits: Limits, now: number, random: () => number): JobOutcome {
  const s = settleFailure(err, { ageMs: now - job.createdAt, maxAgeMs: limits.maxAgeMs ?? Number.POSITIVE_INFINITY, attempts: job.attempts, now, random });
  return 'retryAt' in s ? { kind: 'retry', at: s.retryAt, reason: s.note } : { kind: 'fail', reason: s.fail };
}

/**
 * Told of a settle's transaction once it has committed (the one that did:
 * a transaction the store ran again is a new one), for what the domain's
 * writes noted in it (store/transition-log.ts). Never for one rolled back.
 */
export type CommittedTransaction = (trx: Transaction<Database>) => void;

/** Applies the outcome; returns what was applied, or 'lost' when the job is no longer ours. */
export async function settle(
  db: Kysely<Database>,
  ops: JobOps,
  job: Job<unknown>,
  owner: string,
  outcome: JobOutcome,
  limits: Limits,
  now: number,
  onCommitted?: CommittedTransaction,
): Promise<SettledOutcome | 'lost'> {
  const final = withinLimits(outcome, job, limits, now);
  let last: Transaction<Database> | null = null;
  const applied = await db.transaction().execute((trx) => {
    last = trx;
    return settleIn(trx, ops, job, owner, outcome, final);
  });
  if (last !== null) onCommitted?.(last);
  return applied;
}

/** settle()'s work inside a transaction the caller holds (one job of a batch, settle-batch.ts). */
export async function settleIn(
  trx: Transaction<Database>,
  ops: JobOps,
  job: Job<unknown>,
  owner: string,
  outcome: JobOutcome,
  final: SettledOutcome,
): Promise<SettledOutcome | 'lost'> {
  await outcome.lock?.(trx);
  let held: boolean;
  switch (final.kind) {
    case 'done':
      // Deleted before the handler's writes, so a recurring job may enqueue its next occurrence under the same key.
      held = await ops.remove(trx, job.id, owner, job.attempts);
      break;
    case 'retry':
      held = await ops.reschedule(trx, job.id, owner, final.at, final.reason, job.attempts);
      break;
    case 'fail':
      held = await ops.fail(trx, job.id, owner, final.reason, job.attempts);
      break;
    default: {
      const unknown: never = final;
      throw new Error(`unknown job outcome ${JSON.stringify(unknown)}`);
    }
  }
  // No longer ours: nothing was changed (the lock taken above is only a lock).
  if (!held) return 'lost';
  await outcome.write?.(trx, final);
  return final;
}
