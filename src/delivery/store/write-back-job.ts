// A run that enters `completed` with a profile patch starts its write-back:
// the run records `writeback_state = 'pending'` (runStateColumns) and, in
// the same transaction, the job that will do it is enqueued.
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';
import { enqueueJob } from './job-ops.js';
import { writeBackJob } from '../../jobs/registry.js';
import { startsWriteBack, type RunPosition, type RunState } from '../run-lifecycle.js';

export async function startWriteBack(trx: Transaction<Database>, runId: string, from: RunPosition, to: RunState, writeBackJson: string | null, now: number): Promise<void> {
  if (writeBackJson !== null && startsWriteBack(from, to)) await enqueueJob(trx, writeBackJob(runId, now), now);
}
