// What a send asks of the database, each inside the transaction of its
// sendMessage job (src/jobs/handlers/send-message.ts): the claim marks the
// message in flight; the settle records the attempt and the send's outcome
// (sent, retried, failed) and moves the chat's queue forward.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AttemptsTable, Database, MessagesTable } from './schema.js';
import { CompiledInsert } from './compiled-insert.js';
import { activateFollowing, activateNextInChat, chatOf, waitingAfter } from './chat-queue.js';
import { isFinalRunState, isParkedRunState, sentPlanOf } from '../run-lifecycle.js';
import type { ChatTiming } from '../chat-timing.js';
import { transitionMessageCounted, transitionMessages, transitionMessagesReturning, transitionRun, type CountedMove, type MessageExtra } from './transitions.js';
import type { MessageEvent } from '../message-lifecycle.js';
import { takeEarlyAnswer } from './answer-wait.js';
import { reasonColumns, reasonWords, reason as because } from '../../curation/reason-words.js';
import type { Words } from '../../words.js';

export type ClaimedMessage = Selectable<MessagesTable>;

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
  return transitionMessagesReturning(trx, { messages: ms }, 'claim', { claimed_by: owner, claim_until: leaseEnd });
}

// The three outcomes of a send, inside its job's settle, which has taken the
// chat's lock first (the job's lane is the chat), as every transaction that
// moves a chat's queue does: one lock order, no deadlock.

/** Marks a message sent and makes the next one due (its job enqueued), or parks the run on a long wait; returns what became of its run. */
export async function markSentTx(
  trx: Transaction<Database>,
  m: ClaimedMessage,
  sentAt: number,
  channelMessageId: string | null,
  timing: ChatTiming,
  attempt?: AttemptRecord,
): Promise<'next' | 'parked' | 'completed' | 'fallback' | 'awaiting' | 'answered' | 'stopped'> {
  const sent = await settleMessage(trx, m, 'sent', { sent_at: sentAt, channel_message_id: channelMessageId, claimed_by: null, claim_until: null, reason: null }, attempt);
  // The next message's delay came with the move; a message that did not move (settled by another instance) has it read alone.
  const delayMs = m.is_last ? null : sent ? sent.nextWaitingDelayMs : await waitingAfter(trx, m.run_id, m.seq);
  const move = await transitionRun(trx, m.run_id, (run) => ({ kind: 'messageSent', last: delayMs === null, plan: sentPlanOf(run.outcome) }), sentAt, { strict: true });
  if (!move || (move.to === move.from && (isFinalRunState(move.to) || isParkedRunState(move.to))) || (move.to !== move.from && !move.applied)) {
    // Cancelled meanwhile, or finished (or parked) already: another instance took over an expired claim and sent it. Nothing follows.
    await activateNextInChat(trx, chatOf(m), sentAt, timing);
    return 'stopped';
  }
  const to = move.to;
  switch (to) {
    case 'sending':
      if (delayMs === null) throw new Error(`run ${m.run_id} goes on after message ${m.seq}, but no message follows`);
      return (await activateFollowing(trx, { runId: m.run_id, seq: m.seq, chatId: m.chat_id, channelId: m.channel_id }, delayMs, sentAt, timing)) === 'parked' ? 'parked' : 'next';
    case 'completed':
    case 'fallback':
      await activateNextInChat(trx, chatOf(m), sentAt, timing);
      return to;
    case 'awaiting': {
      // Answered while the ask was still going out: planned again at once, it keeps its place before the chat's later runs.
      const answered = await takeEarlyAnswer(trx, m.run_id, sentAt);
      // Asked in the chat: the chat is free while the run waits for the answer.
      await activateNextInChat(trx, chatOf(m), sentAt, timing);
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
  timing: ChatTiming,
  attempt?: AttemptRecord,
): Promise<void> {
  const run = await trx.selectFrom('runs').select('state').where('id', '=', m.run_id).executeTakeFirst();
  // A run that ended meanwhile (a takeover) sends nothing more; its job, when due, finds the message cancelled.
  const stopped = !run || isFinalRunState(run.state);
  const released = { claimed_by: null, claim_until: null, reason };
  if (stopped) await settleMessage(trx, m, 'abandon', { ...released, due_at: null }, attempt);
  else await settleMessage(trx, m, 'retry', { ...released, due_at: dueAt }, attempt);
  if (stopped) await activateNextInChat(trx, chatOf(m), now, timing);
}

/** A permanent failure: the message fails, the rest of its run is skipped, the run fails, the chat moves on. */
export async function markFailedTx(
  trx: Transaction<Database>,
  m: ClaimedMessage,
  reason: string,
  now: number,
  timing: ChatTiming,
  attempt?: AttemptRecord,
  /** The same detail as catalogue words (the failure's settlement); without them the detail is shown as the English it is. */
  detailWords?: Words,
): Promise<void> {
  const detail = detailWords ?? reason;
  const own = reasonColumns(because(reason, reasonWords('sendFailed', { detail })));
  const why = reasonColumns(because(`message ${m.seq} failed: ${reason}`, reasonWords('messageFailed', { n: m.seq + 1, detail })));
  await settleMessage(trx, m, 'fail', { due_at: null, claimed_by: null, claim_until: null, ...own }, attempt);
  await transitionMessages(trx, { runId: m.run_id, afterSeq: m.seq }, 'skip', why);
  await transitionRun(trx, m.run_id, { kind: 'messageFailed' }, now, { strict: true, set: () => why });
  await activateNextInChat(trx, chatOf(m), now, timing);
}

/**
 * The send's outcome on its message, with its attempt: the attempt's row,
 * then the move with the message's counters in the same statement
 * (transitionMessageCounted). Written in the same transaction as the rest of
 * the outcome, so a send costs one commit (one fsync), and a crash cannot
 * leave an attempt without its outcome or the reverse. A message that did not
 * move still counts the attempt, as it always has.
 */
async function settleMessage(trx: Transaction<Database>, m: ClaimedMessage, event: MessageEvent, set: MessageExtra, attempt?: AttemptRecord): Promise<CountedMove | undefined> {
  if (attempt) await insertAttempt(trx, attempt);
  const moved = await transitionMessageCounted(trx, { runId: m.run_id, seq: m.seq }, event, set, attempt?.startedAt ?? null);
  if (!moved && attempt) await countAttempt(trx, attempt);
  return moved;
}

async function insertAttempt(trx: Transaction<Database>, a: AttemptRecord): Promise<void> {
  await ATTEMPT_INSERT.run(trx, [
    {
      run_id: a.runId,
      seq: a.seq,
      request_id: a.requestId,
      started_at: a.startedAt,
      status: a.status,
      latency_ms: Math.round(a.latencyMs),
      error_kind: a.errorKind,
      reason: a.reason,
      instance: a.instance,
    },
  ]);
}

/** The attempt's insert, one per sent message, compiled once (compiled-insert.ts). */
const ATTEMPT_INSERT = new CompiledInsert<Omit<AttemptsTable, 'id'>>(['run_id', 'seq', 'request_id', 'started_at', 'status', 'latency_ms', 'error_kind', 'reason', 'instance'], (db, rows) => db.insertInto('attempts').values(rows));

/** The message's counters alone, for an attempt whose message did not move. */
async function countAttempt(trx: Transaction<Database>, a: AttemptRecord): Promise<void> {
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
