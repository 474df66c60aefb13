// The run transitions a transaction made, told once it has committed: the
// metrics count runs started and finished from them (never from callbacks
// scattered over the handlers, which miss ends and count ends that did not
// happen). A transition notes itself here under its transaction; whoever
// commits that transaction takes the notes after the commit (the job
// engine's settle, jobs/settle.ts). A transaction run again (busy) is a new
// one with notes of its own, and one that rolls back is never taken: its
// notes go with it.
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { RunPosition, RunState } from '../run-lifecycle.js';

export interface RunTransitionEvent {
  runId: string;
  curationId: string;
  from: RunPosition;
  to: RunState;
}

const notes = new WeakMap<Transaction<Database>, RunTransitionEvent[]>();

export function noteRunTransition(trx: Transaction<Database>, e: RunTransitionEvent): void {
  const list = notes.get(trx);
  if (list) list.push(e);
  else notes.set(trx, [e]);
}

/** How many notes the transaction holds now: the mark a part of it takes its own notes from (takeRunTransitionsSince). */
export function runTransitionMark(trx: Transaction<Database>): number {
  return notes.get(trx)?.length ?? 0;
}

/**
 * The notes made since `mark`, taken out of the transaction's: for a part of
 * a transaction rolled back to its savepoint (its notes go with it), or one
 * whose caller hands them on once the whole commits (a webhook's runs started
 * in its own commit, record-event.ts).
 */
export function takeRunTransitionsSince(trx: Transaction<Database>, mark: number): RunTransitionEvent[] {
  return notes.get(trx)?.splice(mark) ?? [];
}

/** The transaction's notes, once: call it after the commit. */
export function takeRunTransitions(trx: Transaction<Database>): RunTransitionEvent[] {
  const list = notes.get(trx) ?? [];
  notes.delete(trx);
  return list;
}
