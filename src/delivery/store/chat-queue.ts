// Per-chat ordering. At most one message of a chat is "live" (pending or
// sending) at a time; the rest wait with no due time. The next one becomes
// due only when the previous one succeeded, counted from its actual send.
// A message that becomes due gets its sendMessage job in the same
// transaction (makeDue), so a committed due message always has its job.
// A chat is its channel's (delivery/ids.ts): every query of a chat's rows
// names the channel too.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Plan } from '../../curation/plan-types.js';
import type { Database } from './schema.js';
import { ACTIVE_RUN_STATES, LIVE_MESSAGE_STATES } from '../run-lifecycle.js';
import { indexCondition, sqlList } from './state-sql.js';
import { enqueueJob } from './job-ops.js';
import { insertMessages, transitionMessages } from './transitions.js';
import { sendMessageJob, type LiveMessage } from '../job-kinds.js';
import type { ChatRef } from '../ids.js';

/** The chat a stored message or run belongs to: its id in its channel. */
export const chatOf = (row: { chat_id: string; channel_id: string | null }): ChatRef => ({ chatId: row.chat_id, channelId: row.channel_id });

/** The operator that compares `channel_id` with a channel: a chat of no channel is `IS NULL`, which `= NULL` never matches. */
export const channelIs = (channelId: string | null): 'is' | '=' => (channelId === null ? 'is' : '=');

/**
 * Serializes every transaction that changes which message of a chat is live;
 * `key` is the chat's key (ids.ts chatKey, or a `chat:` lane's). In
 * PostgreSQL the upsert holds the row lock until commit, even though its
 * update never applies (`WHERE false`: PostgreSQL locks the conflicting row
 * before it checks the condition); SQLite has one writer anyway. Not
 * rewriting an existing row keeps a page out of every such commit.
 */
export async function lockChat(trx: Transaction<Database>, key: string, now: number): Promise<void> {
  await trx
    .insertInto('chats')
    .values({ chat_id: key, updated_at: now })
    .onConflict((oc) =>
      oc
        .column('chat_id')
        .doUpdateSet({ updated_at: (eb) => eb.ref('excluded.updated_at') })
        .where(sql<boolean>`false`),
    )
    .execute();
}

export async function insertPlannedMessages(trx: Transaction<Database>, runId: string, { chatId, channelId }: ChatRef, plan: Plan, now: number): Promise<void> {
  const last = plan.messages.length - 1;
  // Only the columns with a value: the rest are NULL or default to 0. Building
  // this 12-row insert is the costliest statement of an intake.
  await insertMessages(
    trx,
    plan.messages.map((m, i) => ({
      run_id: runId,
      seq: m.seq,
      chat_id: chatId,
      channel_id: channelId,
      request_id: m.body.requestId ?? `${runId}-${m.seq}`,
      delay_ms: m.delayMs,
      body_json: JSON.stringify(m.body),
      is_last: i === last ? 1 : 0,
      created_at: now,
    })),
  );
}

/**
 * When nothing of the chat is live, makes the first message of its oldest
 * waiting run due. Call after anything that may have freed the chat.
 */
export async function activateNextInChat(trx: Transaction<Database>, chat: ChatRef, now: number, delayScale: number): Promise<void> {
  const { chatId, channelId } = chat;
  const live = await trx
    .selectFrom('messages')
    .select('run_id')
    .where('chat_id', '=', chatId)
    .where('channel_id', channelIs(channelId), channelId)
    .where('state', 'in', LIVE_MESSAGE_STATES)
    .limit(1)
    .executeTakeFirst();
  if (live) return;
  const next = await trx
    .selectFrom('messages as m')
    .innerJoin('runs as r', 'r.id', 'm.run_id')
    .select(['m.run_id', 'm.seq', 'm.delay_ms', 'm.channel_id', 'r.created_at'])
    .where('m.chat_id', '=', chatId)
    .where('m.channel_id', channelIs(channelId), channelId)
    .where('m.state', '=', 'waiting')
    .where('r.state', '=', 'pending')
    .orderBy('r.created_at')
    .orderBy('r.id')
    .orderBy('m.seq')
    .limit(1)
    .executeTakeFirst();
  if (!next) return;
  // An older run still fetching its profile goes first; its planning activates the chat again.
  const older = await trx
    .selectFrom('runs')
    .select('id')
    .where('chat_id', '=', chatId)
    .where('channel_id', channelIs(channelId), channelId)
    .where('state', '=', 'planning')
    .where('created_at', '<', next.created_at)
    .limit(1)
    .executeTakeFirst();
  if (older) return;
  await makeDue(trx, { runId: next.run_id, seq: next.seq, chatId, channelId }, now + Math.round(next.delay_ms * delayScale), now);
}

/** The message becomes the chat's live one, due at `dueAt`, with its send job. */
async function makeDue(trx: Transaction<Database>, m: LiveMessage, dueAt: number, now: number): Promise<void> {
  await transitionMessages(trx, { runId: m.runId, seq: m.seq }, 'activate', { due_at: dueAt });
  await enqueueJob(trx, sendMessageJob(m, dueAt), now);
}

/** The delay of the message after `seq` of a run, when it waits its turn; null when none follows. */
export async function waitingAfter(trx: Transaction<Database>, runId: string, seq: number): Promise<number | null> {
  const next = await trx
    .selectFrom('messages')
    .select('delay_ms')
    .where('run_id', '=', runId)
    .where('seq', '=', seq + 1)
    .where('state', '=', 'waiting')
    .executeTakeFirst();
  return next ? next.delay_ms : null;
}

/** Makes the message after `sent` of its run due, `delayMs` (scaled) after the actual send. */
export async function activateFollowing(trx: Transaction<Database>, sent: LiveMessage, delayMs: number, sentAt: number, delayScale: number): Promise<void> {
  await makeDue(trx, { ...sent, seq: sent.seq + 1 }, sentAt + Math.round(delayMs * delayScale), sentAt);
}

/**
 * Messages not yet sent, for /healthz and /metrics: due ones, ones in
 * flight, and ones waiting their turn. Each part goes through a partial index
 * of live rows (messages_due, messages_claimed; waiting messages only belong
 * to runs still sending, found through runs_active), so this counts the
 * queue, not history. Each condition is its index's own predicate
 * (state-sql.ts): a bound parameter would not match a partial index.
 */
export async function queueDepth(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    SELECT (SELECT COUNT(*) FROM messages WHERE ${indexCondition('messages_due')})
         + (SELECT COUNT(*) FROM messages WHERE ${indexCondition('messages_claimed')})
         + (SELECT COUNT(*) FROM messages WHERE state = 'waiting'
              AND run_id IN (SELECT id FROM runs WHERE state IN ${sqlList(ACTIVE_RUN_STATES)})) AS n`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
