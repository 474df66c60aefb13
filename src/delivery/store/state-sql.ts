// The lifecycle's lists and answers as SQL, so no query spells a state list
// out by hand and every write of runs.state persists what the lifecycle said.
import { sql, type RawBuilder } from 'kysely';
import { entersAwaiting, isFinalRunState, leavesAwaitingAnswered, startsWriteBack, type RunPosition, type RunState } from '../run-lifecycle.js';

/**
 * `('pending', 'sending')`: literals, not bound parameters, because a query
 * only uses a partial index (`WHERE state IN ('pending', 'sending')`) when
 * its own condition names the same constants.
 */
export function sqlList<S extends string>(states: readonly S[]): RawBuilder<S> {
  if (states.length === 0) throw new Error('sqlList: an empty state list would match nothing');
  return sql<S>`(${sql.join(states.map((s) => sql.lit(s)))})`;
}

/**
 * The columns that record a run moving from `from` to `to` at `now`: its end
 * time when it finishes, and its profile write-back when it completes with one (its job is
 * enqueued beside, by afterTransition in run-follow-ups.ts). When it asks in
 * the chat, when it did (which keeps it from asking again), and when the answer came.
 */
export function runStateColumns(from: RunPosition, to: RunState, now: number, writeBackJson: string | null) {
  return {
    state: to,
    updated_at: now,
    ...(isFinalRunState(to) && !isFinalRunState(from) ? { finished_at: now } : {}),
    ...(writeBackJson !== null && startsWriteBack(from, to) ? { writeback_state: 'pending' as const } : {}),
    ...(entersAwaiting(from, to) ? { asked_at: now } : {}),
    ...(leavesAwaitingAnswered(from, to) ? { answered_at: now } : {}),
  };
}
