// Per-chat ordering. At most one message of a chat is "live" (pending or
// sending) at a time; the rest wait with no due time. The next one becomes
// due only when the previous one succeeded, counted from its actual send.
// A message that becomes due gets its sendMessage job in the same
// transaction (makeDue), so a committed due message always has its job.
// A wait longer than PARK_AFTER_SECONDS (chat-timing.ts) does not make its
// message live: the run parks (its message keeps the time it is due in
// due_at, still waiting), the chat goes on with its other runs, and the
// run's wakeRun job makes it pending again at that time (wakeParkedRunTx).
// A chat is its channel's (delivery/ids.ts): every query of a chat's rows
// names the channel too.
import { sql, SqliteAdapter, type Kysely, type Transaction } from 'kysely';
import type { Plan } from '../../curation/plan-types.js';
import type { ChatsTable, Database } from './schema.js';
import { CompiledInsert } from './compiled-insert.js';
import { CompiledStatement } from './compiled-statement.js';
import { ACTIVE_RUN_STATES, LIVE_MESSAGE_STATES, type RunState } from '../run-lifecycle.js';
import { parksFor, waitOf, type ChatTiming } from '../chat-timing.js';
import { indexCondition, sqlList } from './state-sql.js';
import { enqueueJob } from './job-ops.js';
import { insertMessages, transitionMessages, transitionRun } from './transitions.js';
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
 * before it checks the condition). Not rewriting an existing row keeps a
 * page out of every such commit. Its SQL is compiled once (CHAT_LOCK):
 * building it cost about 30 µs of every planned run and every send (issue 21).
 * On SQLite it writes nothing: every write transaction there begins
 * `immediate` (connect.ts), holding the database's one write lock, so the row
 * would serialize nothing more, and a new chat's row cost a statement and
 * an index page in every planned run's commit (issue 21).
 */
export async function lockChat(trx: Transaction<Database>, key: string, now: number): Promise<void> {
  if (hasOneWriter(trx)) return;
  await CHAT_LOCK.run(trx, [{ chat_id: key, updated_at: now }]);
}

/** Whether the database lets one transaction write at a time (SQLite): a chat's lock row then adds nothing. */
const hasOneWriter = (trx: Transaction<Database>): boolean => trx.getExecutor().adapter instanceof SqliteAdapter;

const CHAT_LOCK = new CompiledInsert<ChatsTable>(['chat_id', 'updated_at'], (db, rows) =>
  db
    .insertInto('chats')
    .values(rows)
    .onConflict((oc) =>
      oc
        .column('chat_id')
        .doUpdateSet({ updated_at: (eb) => eb.ref('excluded.updated_at') })
        .where(sql<boolean>`false`),
    ),
);

/** A plan's messages, all waiting their turn; with `firstDueAt`, the first one due then (the caller enqueues its send job). */
export async function insertPlannedMessages(trx: Transaction<Database>, runId: string, { chatId, channelId }: ChatRef, plan: Plan, now: number, firstDueAt: number | null = null): Promise<void> {
  const last = plan.messages.length - 1;
  // Only the columns with a value: the rest are NULL or default to 0. The insert is compiled once (transitions.ts).
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
    firstDueAt,
  );
}

/**
 * A run just started with its plan (start-runs.ts): its messages, and the
 * chat's next message made due. What activateNextInChat would decide is
 * known without its read when nothing else of the chat may go first (no
 * live message, no other pending or planning run: chatFreeFor) and the first
 * message does not park: that message, due after its wait. It is then
 * inserted due, with its send job, sparing the costliest read of a planned
 * run (nextInChat) and the update that makes the message due (issue 21).
 * Otherwise the messages wait, and activateNextInChat decides as for any run.
 */
export async function queueNewRun(trx: Transaction<Database>, runId: string, chat: ChatRef, plan: Plan, now: number, timing: ChatTiming): Promise<void> {
  const first = plan.messages[0];
  if (first && inSeqOrder(plan) && !parksFor(first.delayMs, timing) && (await chatFreeFor(trx, chat, runId))) {
    const dueAt = now + waitOf(first.delayMs, timing);
    await insertPlannedMessages(trx, runId, chat, plan, now, dueAt);
    await enqueueJob(trx, sendMessageJob({ runId, seq: first.seq, chatId: chat.chatId, channelId: chat.channelId }, dueAt), now);
    return;
  }
  await insertPlannedMessages(trx, runId, chat, plan, now);
  await activateNextInChat(trx, chat, now, timing);
}

/** Whether the plan's first message is its lowest seq (the one nextInChat would take). */
const inSeqOrder = (plan: Plan): boolean => plan.messages.every((m, i) => i === 0 || m.seq > plan.messages[i - 1]!.seq);

/**
 * Whether, but for `runId`, nothing of the chat may go before it: no message
 * is live and no other run is pending or planning (a run parked, awaiting
 * or ended does not hold the chat). Any of them, older or not: the caller
 * then asks nextInChat, which orders them.
 */
async function chatFreeFor(trx: Transaction<Database>, { chatId, channelId }: ChatRef, runId: string): Promise<boolean> {
  const row = await CHAT_FREE.first<{ live: unknown; other: unknown }>(trx, { chatId, channelId, runId });
  return row !== undefined && !isTrue(row.live) && !isTrue(row.other);
}

/** The chat's live messages (in flight or due): both chatFreeFor and nextInChat ask whether there is one. */
function liveMessagesOf(db: Kysely<Database> | Transaction<Database>, chatId: string, channelId: string | null) {
  return db
    .selectFrom('messages as l')
    .select('l.run_id')
    .where('l.chat_id', '=', chatId)
    .where('l.channel_id', channelIs(channelId), channelId)
    .where('l.state', 'in', LIVE_MESSAGE_STATES);
}

/** chatFreeFor's read, compiled once per database and channel shape (`IS NULL` for a chat of no channel; compiled-statement.ts): one per planned run. */
const CHAT_FREE = new CompiledStatement<ChatRef & { runId: string }>(['chatId', 'channelId', 'runId'], (db, { chatId, channelId, runId }) =>
  db.selectNoFrom((eb) => [
    eb.exists(liveMessagesOf(db, chatId, channelId)).as('live'),
    eb
      .exists(
        eb
          .selectFrom('runs as o')
          .select('o.id')
          .where('o.chat_id', '=', chatId)
          .where('o.channel_id', channelIs(channelId), channelId)
          .where('o.state', 'in', CHAT_HOLDING_RUN_STATES)
          .where('o.id', '!=', runId),
      )
      .as('other'),
  ]),
);

/** The runs nextInChat weighs besides live messages: a pending run's message may go first, a planning one holds the younger. */
const CHAT_HOLDING_RUN_STATES = ['pending', 'planning'] as const satisfies readonly RunState[];

/**
 * When nothing of the chat is live, makes the next message of its oldest
 * pending run due (its first, or the next after the run woke from a park).
 * A run whose next message would wait longer than the park threshold parks
 * instead, and the chat's next run is looked at. Call after anything that
 * may have freed the chat.
 */
export async function activateNextInChat(trx: Transaction<Database>, chat: ChatRef, now: number, timing: ChatTiming): Promise<void> {
  // Each pass either makes a message due (and ends) or parks one pending run, which the next pass no longer finds.
  for (;;) {
    const next = await nextInChat(trx, chat);
    // Nothing waits, a message of the chat is live (it goes first), or an older run still fetches its profile (its planning activates the chat again).
    if (!next || isTrue(next.live) || isTrue(next.older_planning)) return;
    const m = { runId: next.run_id, seq: next.seq, chatId: chat.chatId, channelId: chat.channelId };
    // A message that carries its due time has served its wait in a park: due now, or then.
    if (next.due_at !== null) return makeDue(trx, m, Math.max(now, next.due_at), now);
    if (!parksFor(next.delay_ms, timing)) return makeDue(trx, m, now + waitOf(next.delay_ms, timing), now);
    await parkRun(trx, m, now + waitOf(next.delay_ms, timing), now);
  }
}

/** An EXISTS as the driver gives it: 0/1 on SQLite, a boolean on PostgreSQL. */
const isTrue = (v: unknown): boolean => v === true || v === 1 || v === 1n;

/**
 * The chat's next message to go: the first waiting one of its oldest pending
 * run, with whether it must wait: a message of the chat is live, or an older
 * run of the chat is still planning. One statement where activateNextInChat
 * asked three, on every planned run and every send that frees a chat (issue
 * 21). The checks sit in the select list, not in a derived table (whose scan
 * the plan checks would take for a table's): each is an index search within
 * the chat's own rows.
 */
function nextInChat(trx: Transaction<Database>, chat: ChatRef): Promise<NextInChat | undefined> {
  return NEXT_IN_CHAT.first<NextInChat>(trx, chat);
}

interface NextInChat {
  run_id: string;
  seq: number;
  delay_ms: number;
  due_at: number | null;
  live: unknown;
  older_planning: unknown;
}

/** nextInChat's read, compiled once per database and channel shape (compiled-statement.ts). */
const NEXT_IN_CHAT = new CompiledStatement<ChatRef>(['chatId', 'channelId'], (db, { chatId, channelId }) =>
  db
    .selectFrom('messages as m')
    .innerJoin('runs as r', 'r.id', 'm.run_id')
    .select(['m.run_id', 'm.seq', 'm.delay_ms', 'm.due_at'])
    .select((eb) => [
      eb.exists(liveMessagesOf(db, chatId, channelId)).as('live'),
      eb
        .exists(
          eb
            .selectFrom('runs as o')
            .select('o.id')
            .where('o.chat_id', '=', chatId)
            .where('o.channel_id', channelIs(channelId), channelId)
            .where('o.state', '=', 'planning')
            .whereRef('o.created_at', '<', 'r.created_at'),
        )
        .as('older_planning'),
    ])
    .where('m.chat_id', '=', chatId)
    .where('m.channel_id', channelIs(channelId), channelId)
    .where('m.state', '=', 'waiting')
    .where('r.state', '=', 'pending')
    .orderBy('r.created_at')
    .orderBy('r.id')
    .orderBy('m.seq')
    .limit(1),
);

/** The message becomes the chat's live one, due at `dueAt`, with its send job. */
async function makeDue(trx: Transaction<Database>, m: LiveMessage, dueAt: number, now: number): Promise<void> {
  await transitionMessages(trx, { runId: m.runId, seq: m.seq }, 'activate', { due_at: dueAt });
  await enqueueJob(trx, sendMessageJob(m, dueAt), now);
}

/**
 * The run parks until `until`: its message stays waiting and keeps the time
 * it is due (no live message, so the chat is free), and the transition's
 * follow-up enqueues the wakeRun job for that time.
 */
async function parkRun(trx: Transaction<Database>, m: LiveMessage, until: number, now: number): Promise<void> {
  await trx.updateTable('messages').set({ due_at: until }).where('run_id', '=', m.runId).where('seq', '=', m.seq).where('state', '=', 'waiting').execute();
  await transitionRun(trx, m.runId, { kind: 'parked', until }, now, { strict: true });
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

/**
 * The message after `sent` of its run, `delayMs` (scaled) after the actual
 * send: due then, with the chat held meanwhile, or, when that is longer than
 * the park threshold, the run parks and the chat's next run may go.
 * Returns which.
 */
export async function activateFollowing(trx: Transaction<Database>, sent: LiveMessage, delayMs: number, sentAt: number, timing: ChatTiming): Promise<'due' | 'parked'> {
  const following = { ...sent, seq: sent.seq + 1 };
  const dueAt = sentAt + waitOf(delayMs, timing);
  if (!parksFor(delayMs, timing)) {
    await makeDue(trx, following, dueAt, sentAt);
    return 'due';
  }
  await parkRun(trx, following, dueAt, sentAt);
  await activateNextInChat(trx, { chatId: sent.chatId, channelId: sent.channelId }, sentAt, timing);
  return 'parked';
}

/**
 * A parked run's wait is over (its wakeRun job, whose settle holds the
 * chat's lock): it is pending again, and goes when the chat is free, before
 * the chat's younger runs. False when it was not parked any more (a
 * takeover cancelled it meanwhile).
 */
export async function wakeParkedRunTx(trx: Transaction<Database>, runId: string, chat: ChatRef, now: number, timing: ChatTiming): Promise<boolean> {
  const move = await transitionRun(trx, runId, { kind: 'woken' }, now);
  if (!move?.applied) return false;
  await activateNextInChat(trx, chat, now, timing);
  return true;
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
