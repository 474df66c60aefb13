// The lifecycle's lists and answers as SQL, so no query spells a state list
// out by hand and every write of runs.state persists what the lifecycle said.
import { sql, type RawBuilder } from 'kysely';
import {
  ACTIVE_RUN_STATES,
  AWAITING_RUN_STATES,
  DUE_MESSAGE_STATES,
  entersAwaiting,
  IN_FLIGHT_MESSAGE_STATES,
  isFinalRunState,
  leavesAwaitingAnswered,
  PLANNING_RUN_STATES,
  startsWriteBack,
  type RunPosition,
  type RunState,
} from '../run-lifecycle.js';
import type { JobState } from './schema.js';

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

/**
 * A partial index's predicate over a state column, as SQL text: `state =
 * 'x'` for one state, `state IN ('a', 'b')` for more. The same text serves
 * a new index (its migration) and a query that must use one.
 */
export function statePredicate<S extends string>(states: readonly S[], column = 'state'): string {
  if (states.length === 0) throw new Error('statePredicate: an empty state list would match nothing');
  for (const s of states) if (!/^[a-z_]+$/.test(s)) throw new Error(`statePredicate: ${JSON.stringify(s)} is no state name`);
  return states.length === 1 ? `${column} = '${states[0]}'` : `${column} IN (${states.map((s) => `'${s}'`).join(', ')})`;
}

const JOB_PENDING: readonly JobState[] = ['pending'];
const JOB_RUNNING: readonly JobState[] = ['running'];

/**
 * Every partial index on a state, by name, with the predicate the lifecycle's
 * constants give. The migrations that created the older ones spell theirs
 * out and must never change; a test checks they equal these. New indexes
 * take their predicate from here.
 */
export const STATE_INDEX_PREDICATES = {
  runs_planning: statePredicate(PLANNING_RUN_STATES),
  runs_active: statePredicate(ACTIVE_RUN_STATES),
  runs_awaiting: statePredicate(AWAITING_RUN_STATES),
  messages_due: statePredicate(DUE_MESSAGE_STATES),
  messages_claimed: statePredicate(IN_FLIGHT_MESSAGE_STATES),
  jobs_due: statePredicate(JOB_PENDING),
  jobs_lane_pending: `${statePredicate(JOB_PENDING)} AND lane IS NOT NULL`,
  jobs_running: statePredicate(JOB_RUNNING),
  jobs_lane_running: `${statePredicate(JOB_RUNNING)} AND lane IS NOT NULL`,
} as const;

/** A partial index's predicate as a query's condition, so the query uses that index. */
export function indexCondition(index: keyof typeof STATE_INDEX_PREDICATES): RawBuilder<boolean> {
  return sql<boolean>`${sql.raw(STATE_INDEX_PREDICATES[index])}`;
}
