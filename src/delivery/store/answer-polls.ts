// The store's side of reading a waiting run's answer from the profile
// (delivery/answer-polls.ts says why): the run the answerPoll job looks at,
// its resume when an asked key changed, and the customer's message that
// makes the pending read due at once.
import type { Kysely, Transaction } from 'kysely';
import type { Database, RunState } from './schema.js';
import { answerPollJob, answerPollKey } from '../job-kinds.js';
import { enqueueJob } from './job-ops.js';
import { parseObject, problemKeys, resumeWaiting } from './answer-wait.js';

export interface RunToRead {
  id: string;
  state: RunState;
  askedAt: number | null;
  userId: string | null;
  channelId: string | null;
  chatId: string;
  curationId: string;
  /** The keys the run asked for. */
  asked: string[];
  /** The profile it was planned with, to compare the one read now against. */
  plannedWith: Record<string, unknown> | null;
}

export async function runToRead(db: Kysely<Database>, runId: string): Promise<RunToRead | undefined> {
  const r = await db
    .selectFrom('runs')
    .select(['id', 'state', 'asked_at', 'user_id', 'channel_id', 'chat_id', 'curation_id', 'problems_json', 'profile_json'])
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    id: r.id,
    state: r.state,
    askedAt: r.asked_at,
    userId: r.user_id,
    channelId: r.channel_id,
    chatId: r.chat_id,
    curationId: r.curation_id,
    asked: problemKeys(r.problems_json),
    plannedWith: r.profile_json === null ? null : parseObject(r.profile_json),
  };
}

/**
 * The run's next read, while it still waits: a read that began before the
 * wait ended (and so was not dropped with it) schedules none after it.
 */
export async function scheduleNextPollTx(trx: Transaction<Database>, runId: string, at: number, read: boolean, createdAt: number, now: number): Promise<boolean> {
  const run = await trx.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst();
  if (run?.state !== 'awaiting') return false;
  return enqueueJob(trx, answerPollJob(runId, at, read, createdAt), now);
}

/** The profile read shows the answer: the run goes back to planning (false when it no longer waits: answered another way, expired, taken over). */
export function resumePolledAnswerTx(trx: Transaction<Database>, runId: string, now: number): Promise<boolean> {
  return resumeWaiting(trx, runId, now);
}

/**
 * The customer wrote in a chat: each of their waiting runs (of the
 * delivering channel, or of none) reads the profile at once instead of at
 * its next scheduled read. Returns how many reads it made due. A read being
 * made right now is left alone: it is reading already.
 */
export async function answerPollsDueNow(trx: Transaction<Database>, channelId: string | null, userId: string, now: number): Promise<number> {
  // The state as a literal, so the partial index runs_awaiting applies.
  let q = trx.selectFrom('runs').select('id').where('user_id', '=', userId).where('state', '=', 'awaiting');
  if (channelId !== null) q = q.where((eb) => eb.or([eb('channel_id', '=', channelId), eb('channel_id', 'is', null)]));
  const waiting = await q.execute();
  let due = 0;
  for (const { id } of waiting) {
    const res = await trx
      .updateTable('jobs')
      .set({ run_at: now, payload_json: JSON.stringify({ runId: id, read: true }) })
      .where('key', '=', answerPollKey(id))
      .where('state', '=', 'pending')
      .executeTakeFirst();
    due += Number(res.numUpdatedRows);
  }
  return due;
}
