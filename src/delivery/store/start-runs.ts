// The planEvent job's write, inside its settle on the chat's events lane, or
// the webhook's commit's for a chat's event it plans itself (record-event.ts):
// start a recorded event's runs, insert their planned messages, and cancel
// what a human took over.
import type { Transaction } from 'kysely';
import { customerName, type Event } from '../../channeltalk/event.js';
import type { Plan } from '../../curation/plan-types.js';
import type { Database, EventStatus, RunState } from './schema.js';
import { activateNextInChat, channelIs, lockChat, queueNewRun } from './chat-queue.js';
import { chatKey, type ChatRef } from '../ids.js';
import { userEventJson } from './run-follow-ups.js';
import { insertRun, transitionMessages, transitionRun } from './transitions.js';
import { CompiledStatement } from './compiled-statement.js';
import { isAnswer, resumeAnswered } from './answer-wait.js';
import { bulkTransition, COOLDOWN_FREE_RUN_STATES, plannedOutcome, type RunOutcome } from '../run-lifecycle.js';
import type { ChatTiming } from '../chat-timing.js';
import { asReason, reason as because, reasonColumns, reasonWords, type Reason } from '../../curation/reason-words.js';

/** The states a takeover moves a chat's runs from, asked of the lifecycle once. */
const TAKEOVER = bulkTransition({ kind: 'takeover' });

export interface RunCandidate {
  runId: string;
  curationId: string;
  oncePerChat: boolean;
  cooldownMs: number | null;
  /** null when the delivery lacked the profile: the run waits in `planning` until the user is fetched. */
  plan: Plan | null;
  /** Computed value name → profile key, written back after the sequence completes. */
  writeBack?: Record<string, string>;
  /** The curation version it is planned with (runs.curation_version): every later job of the run uses it. */
  curationVersion?: string | null;
}

/** What the planEvent job starts, planned from the recorded event. */
export interface IntakeItem {
  eventId: string;
  event: Event;
  /** When the delivery came (events.received_at): runs count their age and first due times from it, however late the job ran. */
  receivedAt: number;
  candidates: RunCandidate[];
  takeover: boolean;
  /** On takeover, runs of these curations keep going (their file does not cancel on this event). */
  keepCurations?: string[];
}

export interface StartedRun {
  runId: string;
  curationId: string;
  state: RunState;
}

export interface IntakeOutcome {
  eventId: string;
  duplicate: boolean;
  status: EventStatus;
  reason: string | null;
  runs: StartedRun[];
  /** Runs stopped because a human took over. */
  cancelledRuns: number;
}

/**
 * The planEvent job's write: starts the runs of a recorded event (its row
 * says `queued`), and settles the event's status. An event no longer queued
 * (started already, or pruned) starts nothing. The webhook's commit makes
 * the same write for a chat's event it plans itself (`taken`: its row was
 * inserted `acted` in the same transaction).
 */
export async function startRuns(trx: Transaction<Database>, item: IntakeItem, timing: ChatTiming, opts: { taken?: boolean } = {}): Promise<IntakeOutcome> {
  const { event, eventId, receivedAt } = item;
  const none = (reason: string): IntakeOutcome => ({ eventId, duplicate: false, status: 'ignored', reason, runs: [], cancelledRuns: 0 });
  const answer = isAnswer(event);
  if (!answer && (event.kind === 'ignored' || event.chatId === null)) return none((await whyNotQueued(trx, eventId)) ?? 'no chat');
  // Taken from `queued` at once, as `acted`: the status read and, for an event that acts, its end in one statement.
  // `taken`: the webhook's commit inserted the row as `acted` just now (record-event.ts planInCommit): it is this call's already.
  if (!opts.taken && (await EVENT_TAKE.changed(trx, { eventId })) === 0) return none((await whyNotQueued(trx, eventId)) ?? 'already started');
  // An answer to a run's form resumes the customer's waiting runs (answer-wait.ts); it starts nothing.
  if (answer) return resumeAnswered(trx, eventId, event, receivedAt);
  const chatId = event.chatId;
  if (chatId === null) return none('no chat'); // never here (returned above): it tells the compiler the chat is there
  // The chat is the delivering channel's: another channel's chat of the same id is another chat.
  const chat: ChatRef = { channelId: event.channelId, chatId };
  await lockChat(trx, chatKey(chat), receivedAt);

  let cancelledRuns = 0;
  if (item.takeover) cancelledRuns = await cancelChat(trx, chat, because(`human takeover: ${event.kind}`, reasonWords('humanTakeover', { event: event.kind })), receivedAt, item.keepCurations ?? [], timing);

  const runs: StartedRun[] = [];
  const notStarted: Reason[] = [];
  for (const c of item.candidates) {
    const why = await whyNotStart(trx, c, event, receivedAt);
    if (why) {
      notStarted.push(because(`${c.curationId}: ${why.text}`, ...why.words));
      continue;
    }
    // The lifecycle decides the run's first state, exactly as deferred planning will for a run planned later.
    const outcome: RunOutcome = c.plan === null ? { kind: 'deferred' } : plannedOutcome(c.plan);
    const writeback_json = c.plan?.outcome === 'sequence' ? writeBackJson(c.writeBack ?? {}, c.plan.values) : null;
    // A run started without its profile gets its planRun job, and a plan that completes at once its write-back: the start's follow-ups.
    const state = await insertRun(
      trx,
      {
        id: c.runId,
        curation_id: c.curationId,
        event_id: eventId,
        channel_id: event.channelId,
        chat_id: chatId,
        user_id: event.userId,
        outcome: c.plan?.outcome ?? null,
        reason: c.plan?.reason ?? null,
        reason_words: c.plan?.reasonWords?.length ? JSON.stringify(c.plan.reasonWords) : null,
        lang: c.plan?.lang ?? null,
        once_key: c.oncePerChat ? `${c.curationId}|${chatKey(chat)}` : null,
        values_json: c.plan ? JSON.stringify(c.plan.values) : null,
        problems_json: c.plan ? JSON.stringify(c.plan.problems) : null,
        profile_json: event.profile ? JSON.stringify(event.profile) : null,
        customer_name: customerName(event.profile),
        event_json: c.plan === null ? JSON.stringify(event) : null,
        created_at: receivedAt,
        planning_attempts: 0,
        writeback_json,
        user_event_json: userEventJson(c.plan),
        curation_version: c.curationVersion ?? null,
      },
      outcome,
      receivedAt,
    );
    if (state === undefined) {
      notStarted.push(because(`${c.curationId}: already ran in this chat`, reasonWords('alreadyRan', { curation: c.curationId })));
      continue;
    }
    if (c.plan && outcome.kind === 'planned') {
      await queueNewRun(trx, c.runId, chat, c.plan, receivedAt, timing);
    }
    runs.push({ runId: c.runId, curationId: c.curationId, state });
  }

  const status: EventStatus = runs.length > 0 || cancelledRuns > 0 ? 'acted' : 'no_match';
  const why =
    runs.length > 0 || cancelledRuns > 0
      ? null
      : notStarted.length > 0
        ? because(notStarted.map((r) => r.text).join('; '), ...notStarted.flatMap((r) => r.words))
        : item.takeover
          ? because('takeover with no running sequence', reasonWords('takeoverNothingRunning'))
          : because('no curation matched', reasonWords('noCurationMatched'));
  const columns = reasonColumns(why);
  // EVENT_TAKE wrote `acted` with no reason already: only another end is written again.
  if (status !== 'acted' || columns.reason !== null || columns.reason_words !== null) {
    await EVENT_SETTLE.run(trx, { eventId, status, reason: columns.reason, reasonWords: columns.reason_words });
  }
  return { eventId, duplicate: false, status, reason: columns.reason, runs, cancelledRuns };
}

/** Why an event does not start anything: gone, or no longer queued (started already); null when it is still queued. */
async function whyNotQueued(trx: Transaction<Database>, eventId: string): Promise<string | null> {
  const row = await EVENT_STATUS.first<{ status: EventStatus }>(trx, { eventId });
  if (!row) return 'the event is gone';
  return row.status === 'queued' ? null : 'already started';
}

// The planEvent job's statements on its event, compiled once
// (compiled-statement.ts; issue 21). An event that acts costs EVENT_TAKE
// alone; EVENT_STATUS is read only when it took nothing or has no chat.

const EVENT_STATUS = new CompiledStatement<{ eventId: string }>(['eventId'], (db, p) => db.selectFrom('events').select('status').where('id', '=', p.eventId));

/** A queued event taken to `acted` (its body dropped): it changes no row when the event is gone or was started already. */
const EVENT_TAKE = new CompiledStatement<{ eventId: string }>(['eventId'], (db, p) =>
  db.updateTable('events').set({ status: 'acted', reason: null, reason_words: null, event_json: null }).where('id', '=', p.eventId).where('status', '=', 'queued'),
);

const EVENT_SETTLE = new CompiledStatement<{ eventId: string; status: EventStatus; reason: string | null; reasonWords: string | null }>(['eventId', 'status', 'reason', 'reasonWords'], (db, p) =>
  db.updateTable('events').set({ status: p.status, reason: p.reason, reason_words: p.reasonWords, event_json: null }).where('id', '=', p.eventId),
);

async function whyNotStart(trx: Transaction<Database>, c: RunCandidate, event: Event, now: number): Promise<Reason | null> {
  if (c.cooldownMs !== null && c.cooldownMs > 0 && event.userId !== null) {
    // A user id is its channel's: another channel's customer of the same id has a cooldown of their own.
    const recent = await COOLDOWN_RUN.first(trx, { userId: event.userId, channelId: event.channelId, curationId: c.curationId, since: now - c.cooldownMs });
    if (recent) return because('customer is in cooldown', reasonWords('cooldown', { curation: c.curationId }));
  }
  return null;
}

/** whyNotStart's cooldown read (a run of the customer's, in its channel, of the curation, since `since`), compiled once per database and channel shape. */
const COOLDOWN_RUN = new CompiledStatement<{ userId: string; channelId: string | null; curationId: string; since: number }>(['userId', 'channelId', 'curationId', 'since'], (db, p) =>
  db
    .selectFrom('runs')
    .select('id')
    .where('user_id', '=', p.userId)
    .where('channel_id', channelIs(p.channelId), p.channelId)
    .where('curation_id', '=', p.curationId)
    .where('created_at', '>', p.since)
    .where('state', 'not in', COOLDOWN_FREE_RUN_STATES)
    .limit(1),
);

/**
 * Stops every running sequence of a chat (of its channel only); a message
 * already in flight finishes, nothing after it is sent. Each run moves by the
 * takeover (with its follow-ups: a waiting run's profile reads end), under
 * the chat's lock the caller holds.
 */
export async function cancelChat(
  trx: Transaction<Database>,
  chat: ChatRef,
  why: string | Reason,
  now: number,
  keepCurations: string[],
  timing: ChatTiming,
): Promise<number> {
  let live = trx
    .selectFrom('runs')
    .select('id')
    .where('chat_id', '=', chat.chatId)
    .where('channel_id', channelIs(chat.channelId), chat.channelId)
    .where('state', 'in', TAKEOVER.from);
  if (keepCurations.length > 0) live = live.where('curation_id', 'not in', keepCurations);
  const reason = reasonColumns(asReason(why));
  const cancelled: string[] = [];
  for (const { id } of await live.orderBy('created_at').orderBy('id').execute()) {
    const move = await transitionRun(trx, id, { kind: 'takeover' }, now, { set: () => reason });
    if (move?.applied) cancelled.push(id);
  }
  if (cancelled.length === 0) return 0;
  await transitionMessages(trx, { runIds: cancelled }, 'stop', { ...reason, due_at: null });
  // A run kept on (its curation does not cancel on this event) may have been waiting behind a cancelled one.
  await activateNextInChat(trx, chat, now, timing);
  return cancelled.length;
}

/** The profile patch a completed run will write, or null when the curation writes nothing back. */
export function writeBackJson(writeBack: Record<string, string>, values: Record<string, unknown>): string | null {
  const patch: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(writeBack)) if (values[name] !== undefined && values[name] !== null) patch[key] = values[name];
  return Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
}
