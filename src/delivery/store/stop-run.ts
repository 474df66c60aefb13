// An operator stops one run from the console (issue 20 item 4): what a
// takeover does to a chat's runs, for this run only, under the chat's lock:
// its messages not yet in flight are cancelled (one in flight finishes), its
// follow-ups end (a pending wake or profile read is dropped), and the chat's
// next run may go.
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { ChatTiming } from '../chat-timing.js';
import { activateNextInChat, chatOf, lockChat } from './chat-queue.js';
import { chatKey } from '../ids.js';
import { transitionMessages, transitionRun } from './transitions.js';
import { asReason, reasonColumns, type Reason } from '../../curation/reason-words.js';

export type StopResult = 'stopped' | 'finished' | 'unknown';

export async function stopRunTx(trx: Transaction<Database>, runId: string, why: string | Reason, now: number, timing: ChatTiming): Promise<StopResult> {
  const run = await trx.selectFrom('runs').select(['chat_id', 'channel_id']).where('id', '=', runId).executeTakeFirst();
  if (!run) return 'unknown';
  // The chat's lock first, then the run's state, as every transaction that moves a chat's queue.
  await lockChat(trx, chatKey(chatOf(run)), now);
  const reason = reasonColumns(asReason(why));
  const move = await transitionRun(trx, runId, { kind: 'takeover' }, now, { set: () => reason });
  if (!move?.applied) return 'finished';
  await transitionMessages(trx, { runIds: [runId] }, 'stop', { ...reason, due_at: null });
  await activateNextInChat(trx, chatOf(run), now, timing);
  return 'stopped';
}
