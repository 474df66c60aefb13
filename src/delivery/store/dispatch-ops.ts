// What sending, planning and write-back ask of the database, each inside the
// transaction of its job's settle (src/jobs/): record each attempt, move a
// chat's queue forward after a send, commit a deferred plan. The queue depth
// for /healthz and /metrics.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Plan } from '../../curation/plan-types.js';
import type { Dialect } from './connect.js';
import type { Database, MessagesTable } from './schema.js';
import { activateFollowing, activateNextInChat, insertPlannedMessages, lockChat, waitingAfter } from './chat-queue.js';
import {
  ACTIVE_RUN_STATES,
  IllegalTransition,
  isFinalRunState,
  LIVE_MESSAGE_STATES,
  mustNext,
  next,
  plannedOutcome,
  sentPlanOf,
  STOPPABLE_MESSAGE_STATES,
} from '../run-lifecycle.js';
import { runStateColumns, sqlList } from './state-sql.js';
import { chatKey, type ChatRef } from '../ids.js';
import { afterTransition, userEventJson } from './run-follow-ups.js';
import { takeEarlyAnswer } from './answer-wait.js';

export type ClaimedMessage = Selectable<MessagesTable>;

/** The chat a stored message or run belongs to: its id in its channel. */
const chatOf = (row: { chat_id: string; channel_id: string | null }): ChatRef => ({ chatId: row.chat_id, channelId: row.channel_id });

export interface AttemptRecord {
  runId: string;
  seq: number;
  requestId: string;
  startedAt: number;
  status: number | null;
  latencyMs: number;
  errorKind: string | null;
  reason: string | null;
  instance: string | null;
}

export class DispatchOps {
  constructor(
    private readonly db: Kysely<Database>,
    // Kept for the store's constructor; the queries below read the same on both databases.
    _dialect: Dialect,
  ) {}

  /**
   * Messages not yet sent: due ones, ones in flight, and ones waiting their
   * turn. Each part goes through a partial index of live rows (messages_due,
   * messages_claimed; waiting messages only belong to runs still sending,
   * found through runs_active), so this counts the queue, not history. The
   * states are literals: a bound parameter would not match a partial index.
   */
  async queueDepth(): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`
      SELECT (SELECT COUNT(*) FROM messages WHERE state = 'pending')
           + (SELECT COUNT(*) FROM messages WHERE state = 'sending')
           + (SELECT COUNT(*) FROM messages WHERE state = 'waiting'
                AND run_id IN (SELECT id FROM runs WHERE state IN ${sqlList(ACTIVE_RUN_STATES)})) AS n`.execute(this.db);
    return Number(rows[0]?.n ?? 0);
  }
}

/** The message a sendMessage job sends, or undefined when it is gone (pruned). */
export function messageToSend(db: Kysely<Database>, runId: string, seq: number): Promise<ClaimedMessage | undefined> {
  return db.selectFrom('messages').selectAll().where('run_id', '=', runId).where('seq', '=', seq).executeTakeFirst();
}

/**
 * Inside the claim's transaction: the claimed jobs' messages are in flight
 * (`sending`, with the job's owner and lease), unless they stopped being
 * live meanwhile (a takeover cancelled them: the job then sends nothing).
 * One statement by primary key, in the claim's commit; returns the messages
 * now in flight, so the send needs no read of its own.
 */
export async function markInFlightTx(trx: Transaction<Database>, ms: ReadonlyArray<{ runId: string; seq: number; leaseEnd: number }>, owner: string): Promise<ClaimedMessage[]> {
  if (ms.length === 0) return [];
  // One claim gives every job of a kind the same lease end.
  const leaseEnd = Math.max(...ms.map((m) => m.leaseEnd));
  return trx
    .updateTable('messages')
    .set({ state: 'sending', claimed_by: owner, claim_until: leaseEnd })
    .where('state', 'in', LIVE_MESSAGE_STATES)
    .where((eb) => eb.or(ms.map((m) => eb.and([eb('run_id', '=', m.runId), eb('seq', '=', m.seq)]))))
    .returningAll()
    .execute();
}

// The three outcomes of a send, inside its job's settle, which has taken the
// chat's lock first (the job's lane is the chat), as every transaction that
// moves a chat's queue does: one lock order, no deadlock.

/** Marks a message sent and makes the next one due (its job enqueued); returns what became of its run. */
export async function markSentTx(
  trx: Transaction<Database>,
  m: ClaimedMessage,
  sentAt: number,
  channelMessageId: string | null,
  delayScale: number,
  attempt?: AttemptRecord,
): Promise<'next' | 'completed' | 'fallback' | 'awaiting' | 'answered' | 'stopped'> {
  if (attempt) await writeAttempt(trx, attempt);
  await trx
    .updateTable('messages')
    .set({ state: 'sent', sent_at: sentAt, channel_message_id: channelMessageId, claimed_by: null, claim_until: null, reason: null })
    .where('run_id', '=', m.run_id)
    .where('seq', '=', m.seq)
    .execute();
  const run = await trx.selectFrom('runs').select(['state', 'outcome', 'writeback_json']).where('id', '=', m.run_id).executeTakeFirst();
  const delayMs = !run || m.is_last ? null : await waitingAfter(trx, m.run_id, m.seq);
  const to = run ? mustNext(run.state, { kind: 'messageSent', last: delayMs === null, plan: sentPlanOf(run.outcome) }) : null;
  if (!run || to === null || (to === run.state && (isFinalRunState(to) || to === 'awaiting'))) {
    // Cancelled meanwhile, or finished (or waiting for its answer) already: another instance took over an expired claim and sent it. Nothing follows.
    await activateNextInChat(trx, chatOf(m), sentAt, delayScale);
    return 'stopped';
  }
  if (to !== run.state) {
    await trx
      .updateTable('runs')
      .set(runStateColumns(run.state, to, sentAt, run.writeback_json))
      .where('id', '=', m.run_id)
      .where('state', '=', run.state)
      .execute();
    await afterTransition(trx, { runId: m.run_id, from: run.state, to, writeBackJson: run.writeback_json, now: sentAt });
  }
  switch (to) {
    case 'sending':
      if (delayMs === null) throw new Error(`run ${m.run_id} goes on after message ${m.seq}, but no message follows`);
      await activateFollowing(trx, { runId: m.run_id, seq: m.seq, chatId: m.chat_id, channelId: m.channel_id }, delayMs, sentAt, delayScale);
      return 'next';
    case 'completed':
    case 'fallback':
      await activateNextInChat(trx, chatOf(m), sentAt, delayScale);
      return to;
    case 'awaiting': {
      // Answered while the ask was still going out: planned again at once, it keeps its place before the chat's later runs.
      const answered = await takeEarlyAnswer(trx, m.run_id, sentAt);
      // Asked in the chat: the chat is free while the run waits for the answer.
      await activateNextInChat(trx, chatOf(m), sentAt, delayScale);
      return answered ? 'answered' : 'awaiting';
    }
    default:
      throw new Error(`a sent message cannot leave run ${m.run_id} ${to}`);
  }
}

/** A transient failure: the message is due again at `dueAt` (its job is rescheduled alike), unless the run ended meanwhile. */
export async function markRetryTx(
  trx: Transaction<Database>,
  m: ClaimedMessage,
  dueAt: number,
  reason: string,
  now: number,
  delayScale: number,
  attempt?: AttemptRecord,
): Promise<void> {
  if (attempt) await writeAttempt(trx, attempt);
  const run = await trx.selectFrom('runs').select('state').where('id', '=', m.run_id).executeTakeFirst();
  // A run that ended meanwhile (a takeover) sends nothing more; its job, when due, finds the message cancelled.
  const stopped = !run || isFinalRunState(run.state);
  await trx
    .updateTable('messages')
    .set({ state: stopped ? 'cancelled' : 'pending', due_at: stopped ? null : dueAt, claimed_by: null, claim_until: null, reason })
    .where('run_id', '=', m.run_id)
    .where('seq', '=', m.seq)
    .where('state', '=', 'sending')
    .execute();
  if (stopped) await activateNextInChat(trx, chatOf(m), now, delayScale);
}

/** A permanent failure: the message fails, the rest of its run is skipped, the chat moves on. */
export async function markFailedTx(trx: Transaction<Database>, m: ClaimedMessage, reason: string, now: number, delayScale: number, attempt?: AttemptRecord): Promise<void> {
  if (attempt) await writeAttempt(trx, attempt);
  await trx
    .updateTable('messages')
    .set({ state: 'failed', due_at: null, claimed_by: null, claim_until: null, reason })
    .where('run_id', '=', m.run_id)
    .where('seq', '=', m.seq)
    .execute();
  await trx
    .updateTable('messages')
    .set({ state: 'skipped', reason: `message ${m.seq} failed: ${reason}` })
    .where('run_id', '=', m.run_id)
    .where('seq', '>', m.seq)
    .where('state', 'in', STOPPABLE_MESSAGE_STATES)
    .execute();
  const run = await trx.selectFrom('runs').select(['state', 'writeback_json']).where('id', '=', m.run_id).executeTakeFirst();
  const to = run ? mustNext(run.state, { kind: 'messageFailed' }) : null;
  if (run && to !== null && to !== run.state) {
    await trx
      .updateTable('runs')
      .set({ ...runStateColumns(run.state, to, now, run.writeback_json), reason: `message ${m.seq} failed: ${reason}` })
      .where('id', '=', m.run_id)
      .where('state', '=', run.state)
      .execute();
  }
  await activateNextInChat(trx, chatOf(m), now, delayScale);
}

/** A deferred run's plan, inside the caller's transaction (the planRun job's settle). False when the run was not planning any more. */
export async function completePlanningTx(
  trx: Transaction<Database>,
  runId: string,
  plan: Plan,
  profile: Record<string, unknown> | null,
  now: number,
  delayScale: number,
  writeBack: string | null = null,
): Promise<boolean> {
  const found = await trx.selectFrom('runs').select(['chat_id', 'channel_id']).where('id', '=', runId).executeTakeFirst();
  if (!found) return false;
  // The chat's lock first, then the run's state: a takeover committed meanwhile is seen, not overwritten.
  await lockChat(trx, chatKey(chatOf(found)), now);
  const run = await trx.selectFrom('runs').select(['state', 'chat_id', 'channel_id']).where('id', '=', runId).executeTakeFirst();
  if (!run) return false;
  // The same question intake asks for a run planned at once, so both paths end a plan alike.
  const outcome = plannedOutcome(plan);
  const to = next(run.state, outcome);
  if (to instanceof IllegalTransition) return false;
  const writeback_json = plan.outcome === 'sequence' ? writeBack : null;
  await trx
    .updateTable('runs')
    .set({
      ...runStateColumns(run.state, to, now, writeback_json),
      outcome: plan.outcome,
      reason: plan.reason,
      lang: plan.lang,
      values_json: JSON.stringify(plan.values),
      problems_json: JSON.stringify(plan.problems),
      profile_json: profile ? JSON.stringify(profile) : null,
      writeback_json,
      user_event_json: userEventJson(plan),
      claimed_by: null,
      claim_until: null,
    })
    .where('id', '=', runId)
    .where('state', '=', run.state)
    .execute();
  await afterTransition(trx, { runId, from: run.state, to, writeBackJson: writeback_json, now });
  if (outcome.kind === 'planned') await insertPlannedMessages(trx, runId, chatOf(run), plan, now);
  // The run no longer holds its place as one being planned: its first message, or the chat's next run, may go.
  await activateNextInChat(trx, chatOf(run), now, delayScale);
  return true;
}

/** Planning could not fetch the profile: note why (its job retries), or give up for good and let the chat move on. */
export async function failPlanningTx(trx: Transaction<Database>, runId: string, reason: string, retryAt: number | null, now: number, delayScale: number): Promise<void> {
  const found = await trx.selectFrom('runs').select(['chat_id', 'channel_id']).where('id', '=', runId).executeTakeFirst();
  if (!found) return;
  await lockChat(trx, chatKey(chatOf(found)), now);
  const run = await trx.selectFrom('runs').select(['state', 'writeback_json']).where('id', '=', runId).executeTakeFirst();
  if (!run) return;
  const to = next(run.state, { kind: retryAt === null ? 'planningFailed' : 'planningRetry' });
  if (to instanceof IllegalTransition) return; // planned or cancelled meanwhile
  // The retry's time lives on the planRun job; runs.claim_until is no queue any more.
  await trx
    .updateTable('runs')
    .set({ ...runStateColumns(run.state, to, now, run.writeback_json), reason, claimed_by: null, claim_until: null })
    .where('id', '=', runId)
    .where('state', '=', run.state)
    .execute();
  if (isFinalRunState(to)) await activateNextInChat(trx, chatOf(found), now, delayScale);
}

/** Records the write-back's end; a retry is the writeBack job's, and changes nothing here. */
export async function finishWriteBackTx(
  db: Kysely<Database> | Transaction<Database>,
  runId: string,
  result: { done: true } | { done: false; retryAt: number | null; reason: string },
): Promise<void> {
  if (!result.done && result.retryAt !== null) return;
  await db
    .updateTable('runs')
    .set(
      result.done
        ? { writeback_state: 'done', writeback_due_at: null }
        : { writeback_state: 'failed', writeback_due_at: null, reason: `profile write-back failed: ${result.reason}` },
    )
    .where('id', '=', runId)
    .where('writeback_state', '=', 'pending')
    .execute();
}

/**
 * The attempt's row and the message's counters. Written in the same
 * transaction as the outcome, so a send costs one commit (one fsync), and a
 * crash cannot leave an attempt without its outcome or the reverse.
 */
async function writeAttempt(trx: Transaction<Database>, a: AttemptRecord): Promise<void> {
  await trx
    .insertInto('attempts')
    .values({
      run_id: a.runId,
      seq: a.seq,
      request_id: a.requestId,
      started_at: a.startedAt,
      status: a.status,
      latency_ms: Math.round(a.latencyMs),
      error_kind: a.errorKind,
      reason: a.reason,
      instance: a.instance,
    })
    .execute();
  await trx
    .updateTable('messages')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(a.startedAt)),
    }))
    .where('run_id', '=', a.runId)
    .where('seq', '=', a.seq)
    .execute();
}
