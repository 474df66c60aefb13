// What planning and write-back ask of the database, each inside the
// transaction of its job's settle (src/jobs/handlers/plan-run.ts,
// write-back.ts): commit a deferred plan, record why planning failed, record
// a write-back's end.
import type { Kysely, Transaction } from 'kysely';
import type { Plan } from '../../curation/plan-types.js';
import type { Database } from './schema.js';
import type { ChatTiming } from '../chat-timing.js';
import { activateNextInChat, chatOf, insertPlannedMessages, lockChat } from './chat-queue.js';
import { isFinalRunState, plannedOutcome } from '../run-lifecycle.js';
import { chatKey } from '../ids.js';
import { userEventJson } from './run-follow-ups.js';
import { transitionRun } from './transitions.js';
import { customerName } from '../../channeltalk/event.js';
import { asReason, reason as because, reasonColumns, reasonWords, type Reason } from '../../curation/reason-words.js';
import type { Words } from '../../words.js';

/** A deferred run's plan, inside the caller's transaction (the planRun job's settle). False when the run was not planning any more. */
export async function completePlanningTx(
  trx: Transaction<Database>,
  runId: string,
  plan: Plan,
  profile: Record<string, unknown> | null,
  now: number,
  timing: ChatTiming,
  writeBack: string | null = null,
): Promise<boolean> {
  const found = await trx.selectFrom('runs').select(['chat_id', 'channel_id']).where('id', '=', runId).executeTakeFirst();
  if (!found) return false;
  // The chat's lock first, then the run's state: a takeover committed meanwhile is seen, not overwritten.
  await lockChat(trx, chatKey(chatOf(found)), now);
  // The same question intake asks for a run planned at once, so both paths end a plan alike.
  const outcome = plannedOutcome(plan);
  const name = customerName(profile);
  const writeback_json = plan.outcome === 'sequence' ? writeBack : null;
  const move = await transitionRun(trx, runId, outcome, now, {
    writeBackJson: writeback_json,
    set: () => ({
      outcome: plan.outcome,
      reason: plan.reason,
      reason_words: plan.reasonWords?.length ? JSON.stringify(plan.reasonWords) : null,
      lang: plan.lang,
      values_json: JSON.stringify(plan.values),
      problems_json: JSON.stringify(plan.problems),
      profile_json: profile ? JSON.stringify(profile) : null,
      // The fetched profile names the customer; without one the name the delivery gave stays.
      ...(name !== null ? { customer_name: name } : {}),
      writeback_json,
      user_event_json: userEventJson(plan),
    }),
  });
  if (!move?.applied) return false;
  if (outcome.kind === 'planned') await insertPlannedMessages(trx, runId, chatOf(found), plan, now);
  // The run no longer holds its place as one being planned: its first message, or the chat's next run, may go.
  await activateNextInChat(trx, chatOf(found), now, timing);
  return true;
}

/** Planning could not fetch the profile: note why (its job retries), or give up for good and let the chat move on. */
/** True when this write ended the run (failed): a run planned or cancelled meanwhile is left as it is. */
export async function failPlanningTx(trx: Transaction<Database>, runId: string, reason: string | Reason, retryAt: number | null, now: number, timing: ChatTiming): Promise<boolean> {
  const found = await trx.selectFrom('runs').select(['chat_id', 'channel_id']).where('id', '=', runId).executeTakeFirst();
  if (!found) return false;
  await lockChat(trx, chatKey(chatOf(found)), now);
  // A retry stays `planning` and records why; the retry's time lives on the planRun job. Planned or cancelled meanwhile: nothing.
  const move = await transitionRun(trx, runId, { kind: retryAt === null ? 'planningFailed' : 'planningRetry' }, now, { writeUnchanged: true, set: () => reasonColumns(asReason(reason)) });
  const ended = move?.applied === true && isFinalRunState(move.to);
  if (ended) await activateNextInChat(trx, chatOf(found), now, timing);
  return ended;
}

/** Records the write-back's end; a retry is the writeBack job's, and changes nothing here. */
export async function finishWriteBackTx(
  db: Kysely<Database> | Transaction<Database>,
  runId: string,
  result: { done: true } | { done: false; retryAt: number | null; reason: string; words?: Words },
): Promise<void> {
  if (!result.done && result.retryAt !== null) return;
  await db
    .updateTable('runs')
    .set(
      result.done
        ? { writeback_state: 'done' }
        : { writeback_state: 'failed', ...reasonColumns(because(`profile write-back failed: ${result.reason}`, reasonWords('writeBackFailed', { detail: result.words ?? result.reason }))) },
    )
    .where('id', '=', runId)
    .where('writeback_state', '=', 'pending')
    .execute();
}
