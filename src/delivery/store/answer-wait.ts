// A run that asked the customer in the chat for missing answers waits in
// `awaiting`. Three things end the wait, each in its own transaction:
// - the answer, found by reading the customer's profile (the answerPoll job:
//   answer-polls.ts; a submitted form sends no webhook, so this is the way
//   that always works). The run goes back to `planning` and the planRun job
//   plans it from the new profile (which never asks again: plan-run.ts);
// - the answer, delivered: a profile change of that customer (normalize.ts's
//   profileChanged: a contact upsert, or a form message's update), in its
//   planEvent job (on the customer's lane), resumes the run the same way;
// - the end of the wait (the answerWait job): the run ends as `fallback`.
// Neither moves a chat's queue (a waiting run has no message left), so they
// change the run's row with a condition on its state instead of taking the
// chat's lock: the answer's lane is the user's, not the chat's, and must not
// lock chats another lane owns.
//
// The customer may answer before the run waits: the form is out, and the
// ask's later messages are still being sent. Such an early answer is kept on
// the run as runs.answered_at (a time, nothing of the answer: planRun fetches
// the profile) and taken when the run enters `awaiting`, in that send's
// transaction (takeEarlyAnswer): the run is planned again at once. It counts
// only for a run that has not asked yet (asked_at null), after one of its
// form messages went out, and when it answers what the run asks (answers()).
// Both sides write the run's row with a condition on its state, so on
// PostgreSQL, whichever commits second sees the other: an answer that finds
// the run gone to `awaiting` meanwhile resumes it the usual way.
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Event, ProfileChangedEvent } from '../../channeltalk/event.js';
import type { FieldProblem } from '../../curation/plan-types.js';
import { formatDuration } from '../../curation/durations.js';
import { parseReasonWords, reason as because, reasonColumns, reasonWords } from '../../curation/reason-words.js';
import type { Database, RunState } from './schema.js';
import type { IntakeOutcome, StartedRun } from './start-runs.js';
import { indexCondition, sqlList } from './state-sql.js';
import { transitionRun } from './transitions.js';
import { ACTIVE_RUN_STATES } from '../run-lifecycle.js';

/** The deliveries that may answer a run's question. */
export function isAnswer(event: Event): event is ProfileChangedEvent {
  return event.kind === 'profileChanged';
}

interface WaitingRun {
  id: string;
  curation_id: string;
  state: RunState;
  problems_json: string | null;
  profile_json: string | null;
}

/**
 * The answer's effect, in its planEvent job's transaction (startRuns): the
 * customer's runs that wait and that this change answers go back to
 * planning, each with its planRun job. The outcome lists them as the runs
 * the event acted on, so the intake wakes the job runner.
 */
export async function resumeAnswered(trx: Transaction<Database>, eventId: string, event: ProfileChangedEvent, now: number): Promise<IntakeOutcome> {
  // runs_awaiting's own predicate (state-sql.ts), so the partial index applies.
  const waiting = await runsOf(trx, event, indexCondition('runs_awaiting'));
  const runs: StartedRun[] = [];
  for (const run of waiting.filter((r) => answers(r, event))) {
    if (await resumeWaiting(trx, run.id, now)) runs.push({ runId: run.id, curationId: run.curation_id, state: 'planning' });
  }
  runs.push(...(await keepEarlyAnswer(trx, event, now)));
  const why =
    runs.length === 0
      ? waiting.length > 0
        ? because('the profile change does not touch the answers the waiting runs asked for', reasonWords('answerNotTouched'))
        : because('no run waits for an answer of this customer', reasonWords('noRunWaits'))
      : runs.every((r) => r.state !== 'planning')
        ? because('answered while the ask was still being sent: the run is planned again once its ask is out', reasonWords('answeredWhileAsking'))
        : null;
  const status = runs.length > 0 ? 'acted' : 'no_match';
  const columns = reasonColumns(why);
  await trx.updateTable('events').set({ status, ...columns, event_json: null }).where('id', '=', eventId).execute();
  return { eventId, duplicate: false, status, reason: columns.reason, runs, cancelledRuns: 0 };
}

/** The customer's runs in `state` (of the answer's channel, or of none). */
async function runsOf(trx: Transaction<Database>, event: ProfileChangedEvent, state: RawBuilder<boolean>): Promise<WaitingRun[]> {
  let q = trx.selectFrom('runs').select(['id', 'curation_id', 'state', 'problems_json', 'profile_json']).where('user_id', '=', event.userId).where(state);
  // A user id belongs to one channel; a delivery of another channel's webhook does not answer this one's runs.
  const channelId = event.channelId;
  if (channelId !== null) q = q.where((eb) => eb.or([eb('channel_id', '=', channelId), eb('channel_id', 'is', null)]));
  return q.orderBy('created_at').orderBy('id').execute();
}

/**
 * The answer came while a run still sends its ask: kept as runs.answered_at
 * when its form is out and the answer is to it. The condition on the state
 * in the write decides against a send committed meanwhile: a run that
 * entered `awaiting` since the read is resumed as a waiting one.
 */
async function keepEarlyAnswer(trx: Transaction<Database>, event: ProfileChangedEvent, now: number): Promise<StartedRun[]> {
  // Literals: runs_active's states (state-sql.ts); runs_user_curation finds the customer's runs.
  const asking = await runsOf(trx, event, sql<boolean>`state IN ${sqlList(ACTIVE_RUN_STATES)} AND outcome = 'ask' AND asked_at IS NULL AND answered_at IS NULL`);
  const kept: StartedRun[] = [];
  for (const run of asking) {
    if (!answers(run, event) || !(await formWentOut(trx, run.id, now))) continue;
    const res = await trx
      .updateTable('runs')
      .set({ answered_at: now })
      .where('id', '=', run.id)
      .where('state', 'in', ACTIVE_RUN_STATES)
      .where('asked_at', 'is', null)
      .where('answered_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) > 0) kept.push({ runId: run.id, curationId: run.curation_id, state: run.state });
    else if (await resumeWaiting(trx, run.id, now)) kept.push({ runId: run.id, curationId: run.curation_id, state: 'planning' });
  }
  return kept;
}

/**
 * Whether one of the run's form messages was out when the answer came: sent
 * or tried by then, or in flight now (Channel Talk may have shown it before
 * the send's outcome is written). An answer before that is to no question.
 */
async function formWentOut(trx: Transaction<Database>, runId: string, at: number): Promise<boolean> {
  const out = await trx
    .selectFrom('messages')
    .select('body_json')
    .where('run_id', '=', runId)
    .where((eb) => eb.or([eb('state', '=', 'sending'), eb('first_attempt_at', '<=', at), eb('sent_at', '<=', at)]))
    .execute();
  return out.some((m) => hasForm(m.body_json));
}

function hasForm(bodyJson: string): boolean {
  const body = parseObject(bodyJson);
  return body !== null && body.form !== undefined && body.form !== null;
}

/**
 * The run just entered `awaiting` (the send of its ask's last message, in
 * that transaction): an answer kept while it was still sending resumes it at
 * once, and is used up. Once: a run enters `awaiting` only once (it never
 * asks twice), and resumeWaiting leaves it no longer waiting.
 */
export async function takeEarlyAnswer(trx: Transaction<Database>, runId: string, now: number): Promise<boolean> {
  // After this transaction's own write of the state: on PostgreSQL that write took the row's lock and saw an answer committed before it.
  const run = await trx.selectFrom('runs').select(['state', 'answered_at']).where('id', '=', runId).executeTakeFirst();
  if (run?.state !== 'awaiting' || run.answered_at === null) return false;
  return resumeWaiting(trx, runId, now);
}

/**
 * Whether the change answers what the run asked: a submitted form that wrote
 * one of the run's problem keys, or an upsert in which one of them differs
 * from the profile the run was planned with (another edit of the profile,
 * such as an email, leaves the run waiting). Without a profile to compare,
 * the replanning decides.
 */
export function answers(run: Pick<WaitingRun, 'problems_json' | 'profile_json'>, event: ProfileChangedEvent): boolean {
  const asked = problemKeys(run.problems_json);
  if (asked.length === 0) return true;
  switch (event.via) {
    case 'formSubmitted':
      // Another form of the chat (a support bot's, say) that writes none of the asked keys answers nothing.
      return asked.some((k) => event.keys.includes(k));
    case 'userUpsert': {
      if (event.profile === null || run.profile_json === null) return true;
      const before = parseObject(run.profile_json);
      const after = event.profile;
      return before === null || asked.some((k) => JSON.stringify(after[k] ?? null) !== JSON.stringify(before[k] ?? null));
    }
    default: {
      const unknown: never = event.via;
      throw new Error(`unknown answer delivery ${String(unknown)}`);
    }
  }
}

/** The run waits no more: back to planning, with its planRun job (the transition's follow-ups). False when it no longer waits. */
export async function resumeWaiting(trx: Transaction<Database>, runId: string, now: number): Promise<boolean> {
  const move = await transitionRun(trx, runId, { kind: 'answered' }, now);
  return move?.applied === true;
}

/** The wait ran out: the run ends as the fallback it sent. False when it no longer waits (answered, or a human took over). */
export async function expireAnswerWaitTx(trx: Transaction<Database>, runId: string, waitMs: number, now: number): Promise<boolean> {
  const why = `no answer in the chat within ${formatDuration(waitMs)}`;
  const words = reasonWords('noAnswerWithin', { waitMs });
  // The words go on after the run's own (its ask's); a run older than words keeps its English only.
  const move = await transitionRun(trx, runId, { kind: 'answerExpired' }, now, {
    set: (run) => ({
      reason: run.reason ? `${run.reason}; ${why}` : why,
      reason_words: run.reason && !run.reason_words ? null : JSON.stringify([...(parseReasonWords(run.reason_words) ?? []), words]),
    }),
  });
  return move?.applied === true;
}

export function problemKeys(json: string | null): string[] {
  if (json === null) return [];
  try {
    const list = JSON.parse(json) as unknown;
    return Array.isArray(list) ? list.flatMap((p) => (typeof (p as FieldProblem | null)?.field === 'string' ? [(p as FieldProblem).field] : [])) : [];
  } catch {
    return [];
  }
}

/** A stored JSON object (a profile, a message body), or null when it is not one. */
export function parseObject(json: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
