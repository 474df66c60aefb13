// What a run's transition starts besides itself, in the same transaction:
// the write-back when a sequence completes, and any other follow-up work a
// kind of run end needs. Each follow-up is one entry in FOLLOW_UPS; every
// place that moves a run calls afterTransition, so none can forget one.
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';
import { enqueueJob } from './job-ops.js';
import { answerWaitJob, writeBackJob } from '../../jobs/registry.js';
import { entersAwaiting, startsWriteBack, type RunPosition, type RunState } from '../run-lifecycle.js';
import { MIN_ANSWER_WAIT_MS } from '../../curation/ask.js';

export interface RunTransition {
  runId: string;
  from: RunPosition;
  to: RunState;
  /** The run's profile patch (runs.writeback_json), null when it writes nothing back. */
  writeBackJson: string | null;
  now: number;
}

type FollowUp = (trx: Transaction<Database>, t: RunTransition) => Promise<void>;

/** A completed sequence with a profile patch enqueues its write-back; runStateColumns records `writeback_state = 'pending'`. */
const writeBack: FollowUp = async (trx, t) => {
  if (t.writeBackJson !== null && startsWriteBack(t.from, t.to)) await enqueueJob(trx, writeBackJob(t.runId, t.now), t.now);
};

/**
 * A run that asked in the chat waits for the answer until its curation's
 * wait is over: the answerWait job ends it then. No wait is shorter than
 * MIN_ANSWER_WAIT_MS, so it first looks then; it reads the curation's own
 * wait and comes back at its end (the store does not know the curations).
 */
const answerWait: FollowUp = async (trx, t) => {
  if (entersAwaiting(t.from, t.to)) await enqueueJob(trx, answerWaitJob(t.runId, t.now + MIN_ANSWER_WAIT_MS, t.now), t.now);
};

const FOLLOW_UPS: readonly FollowUp[] = [writeBack, answerWait];

export async function afterTransition(trx: Transaction<Database>, t: RunTransition): Promise<void> {
  if (t.from === t.to) return;
  for (const f of FOLLOW_UPS) await f(trx, t);
}
