// The takeover found by reading the chat before a message (issue 17 item 3):
// the same transition a takeover event makes (cancelChat), and the message
// that was about to go, already claimed in flight, is cancelled with it.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { ChatTiming } from '../chat-timing.js';
import type { ClaimedMessage } from './send-outcomes.js';
import { activateNextInChat, lockChat } from './chat-queue.js';
import { FINAL_RUN_STATES } from '../run-lifecycle.js';
import { cancelChat } from './start-runs.js';
import { chatKey } from '../ids.js';
import { transitionMessages } from './transitions.js';
import { asReason, reasonColumns, type Reason } from '../../curation/reason-words.js';

/** The curation a run belongs to, with the version it was planned with (its chat-read rules decide whether to read the chat); undefined when the run is gone. */
export function runCuration(db: Kysely<Database>, runId: string) {
  return db.selectFrom('runs').select(['channel_id', 'curation_id', 'curation_version']).where('id', '=', runId).executeTakeFirst();
}

/** Stops the chat's runs (those of curations not kept) as a takeover; returns whether the message's own run was stopped. */
export async function takeOverBeforeSendTx(
  trx: Transaction<Database>,
  m: ClaimedMessage,
  reason: string | Reason,
  now: number,
  keepCurations: string[],
  timing: ChatTiming,
): Promise<boolean> {
  const chat = { chatId: m.chat_id, channelId: m.channel_id };
  await lockChat(trx, chatKey(chat), now);
  const before = await runState(trx, m.run_id);
  await cancelChat(trx, chat, reason, now, keepCurations, timing);
  const after = await runState(trx, m.run_id);
  // Never so: the run's own curation stops on what the read found, so cancelChat ends it unless it had ended.
  if (after !== undefined && !(FINAL_RUN_STATES as readonly string[]).includes(after)) throw new Error(`run ${m.run_id} is still ${after} after a takeover its curation stops on`);
  // Stopped now, or already by a takeover event: the claimed message goes with its run, and,
  // the chat's live message gone, whatever waits behind it in the chat becomes due.
  await transitionMessages(trx, { runId: m.run_id, seq: m.seq }, 'abandon', { ...reasonColumns(asReason(reason)), due_at: null, claimed_by: null, claim_until: null });
  await activateNextInChat(trx, chat, now, timing);
  return before !== 'cancelled' && after === 'cancelled';
}

async function runState(trx: Transaction<Database>, runId: string): Promise<string | undefined> {
  const r = await trx.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst();
  return r?.state;
}
