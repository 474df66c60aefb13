// What a run's transition starts besides itself, in the same transaction:
// the write-back and the user event when a sequence completes, and any other
// follow-up work a kind of run end needs. Each follow-up is one entry in FOLLOW_UPS; the
// one place that moves a run (transitions.ts) calls afterTransition, so none can forget one.
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';
import { enqueueJob } from './job-ops.js';
import { answerPollJob, answerPollKey, answerWaitJob, answerWaitKey, planRunJob, userEventJob, wakeRunJob, wakeRunKey, writeBackJob } from '../job-kinds.js';
import type { Plan } from '../../curation/plan-types.js';
import { entersAwaiting, leavesAwaitingAnswered, recordsUserEvent, startsWriteBack, type RunOutcome, type RunPosition, type RunState } from '../run-lifecycle.js';
import { MIN_ANSWER_WAIT_MS } from '../../curation/ask.js';

export interface RunTransition {
  runId: string;
  from: RunPosition;
  to: RunState;
  /** The run's profile patch (runs.writeback_json), null when it writes nothing back. */
  writeBackJson: string | null;
  /** What moved it (a parked run's outcome carries when it wakes). */
  outcome: RunOutcome;
  now: number;
}

type FollowUp = (trx: Transaction<Database>, t: RunTransition) => Promise<void>;

/** A completed sequence with a profile patch enqueues its write-back; runStateColumns records `writeback_state = 'pending'`. */
const writeBack: FollowUp = async (trx, t) => {
  if (t.writeBackJson !== null && startsWriteBack(t.from, t.to)) await enqueueJob(trx, writeBackJob(t.runId, t.now), t.now);
};

/**
 * A completed run whose plan carries a user event records it. The body waits
 * on the run (runs.user_event_json, stored with the plan), so the job sends
 * what was planned; it is read here rather than carried by every caller,
 * once per completed run, by primary key.
 */
const userEvent: FollowUp = async (trx, t) => {
  if (!recordsUserEvent(t.from, t.to)) return;
  const run = await trx.selectFrom('runs').select('user_event_json').where('id', '=', t.runId).executeTakeFirst();
  if (run?.user_event_json) await enqueueJob(trx, userEventJob(t.runId, t.now), t.now);
};

/** runs.user_event_json for a plan: its user event, on a sequence only (a fallback records none). */
export function userEventJson(plan: Plan | null): string | null {
  return plan?.outcome === 'sequence' && plan.userEvent ? JSON.stringify(plan.userEvent) : null;
}

/**
 * A run that asked in the chat waits for the answer until its curation's
 * wait is over: the answerWait job ends it then. No wait is shorter than
 * MIN_ANSWER_WAIT_MS, so it first looks then; it reads the curation's own
 * wait and comes back at its end (the store does not know the curations).
 */
const answerWait: FollowUp = async (trx, t) => {
  if (entersAwaiting(t.from, t.to)) await enqueueJob(trx, answerWaitJob(t.runId, t.now + MIN_ANSWER_WAIT_MS, t.now), t.now);
  // Answered: the end of the wait has nothing left to end (one already running finds the run planning and stops).
  else if (leavesAwaitingAnswered(t.from, t.to)) await trx.deleteFrom('jobs').where('key', '=', answerWaitKey(t.runId)).where('state', '=', 'pending').execute();
};

/**
 * While it waits, the run reads its customer's profile for the answer (no
 * webhook brings a submitted form's): the answerPoll job, due now to work
 * out its first read (the store does not know the schedule). When the wait
 * ends, however it ends, a read not yet begun is dropped: no reads after it.
 */
const answerPoll: FollowUp = async (trx, t) => {
  if (entersAwaiting(t.from, t.to)) await enqueueJob(trx, answerPollJob(t.runId, t.now, false, t.now), t.now);
  else if (t.from === 'awaiting') await trx.deleteFrom('jobs').where('key', '=', answerPollKey(t.runId)).where('state', '=', 'pending').execute();
};

/** A run that enters `planning` (started without its profile, or answered) is planned by its planRun job. */
const planRun: FollowUp = async (trx, t) => {
  if (t.to === 'planning') await enqueueJob(trx, planRunJob(t.runId, t.now), t.now);
};

/**
 * A run parked on a long wait is woken by its wakeRun job at the wait's end.
 * Leaving `parked` any other way (a takeover) drops the wake not yet begun;
 * the wake that is running finds its run woken and ends.
 */
const wakeRun: FollowUp = async (trx, t) => {
  if (t.to === 'parked' && t.outcome.kind === 'parked') await enqueueJob(trx, wakeRunJob(t.runId, t.outcome.until, t.now), t.now);
  else if (t.from === 'parked') await trx.deleteFrom('jobs').where('key', '=', wakeRunKey(t.runId)).where('state', '=', 'pending').execute();
};

const FOLLOW_UPS: readonly FollowUp[] = [planRun, writeBack, userEvent, answerWait, answerPoll, wakeRun];

export async function afterTransition(trx: Transaction<Database>, t: RunTransition): Promise<void> {
  if (t.from === t.to) return;
  for (const f of FOLLOW_UPS) await f(trx, t);
}
