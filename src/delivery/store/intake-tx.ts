// Intake in two transactions. recordEvent (the webhook's, group-committed):
// store the normalized event once and, when it may act, the planEvent job
// that will act on it; the webhook is answered after this commit. startRuns
// (that job's, on the chat's lane): start the event's runs, insert their
// planned messages, and cancel what a human took over. The stored event is
// the source of truth in between, so a crash after the answer loses nothing.
import type { Transaction } from 'kysely';
import type { Event } from '../../channeltalk/event.js';
import type { Plan } from '../../curation/plan-types.js';
import type { Database, EventStatus, RunState } from './schema.js';
import { activateNextInChat, channelIs, insertPlannedMessages, lockChat } from './chat-queue.js';
import { chatKey, type ChatRef } from '../ids.js';
import { chatEventsLane, userEventsLane } from '../../jobs/lanes.js';
import { runStateColumns } from './state-sql.js';
import { enqueueJob } from './job-ops.js';
import { afterTransition, userEventJson } from './run-follow-ups.js';
import { planEventJob, planRunJob } from '../../jobs/registry.js';
import { isAnswer, resumeAnswered } from './answer-wait.js';
import { answerPollsDueNow } from './answer-polls.js';
import {
  bulkTransition,
  COOLDOWN_FREE_RUN_STATES,
  mustNext,
  plannedOutcome,
  RUN_START,
  STOPPABLE_MESSAGE_STATES,
  type RunOutcome,
} from '../run-lifecycle.js';

/** What a takeover does to a chat's runs, asked of the lifecycle once. */
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

/** What the webhook commits: the event, and whether a planEvent job will act on it. */
export interface RecordItem {
  eventId: string;
  event: Event;
  receivedAt: number;
  /** The runs it may start (its curations matched), for the answer; none and no takeover: nothing will act on it. */
  candidates: Array<{ runId: string; curationId: string }>;
  takeover: boolean;
}

export interface RecordOutcome {
  eventId: string;
  duplicate: boolean;
  /** `queued`: stored with its planEvent job, which starts the runs. */
  status: EventStatus;
  reason: string | null;
  /** When queued: the runs the job will start unless the store says no (cooldown, once per chat). */
  runs: Array<{ runId: string; curationId: string }>;
  /** The customer wrote while runs of theirs wait for an answer: this many profile reads were made due now. */
  answerPolls: number;
}

/** Stores the event once; an event that may act is stored with its full body and its planEvent job. */
export async function recordEvent(trx: Transaction<Database>, item: RecordItem): Promise<RecordOutcome> {
  const { event, eventId, receivedAt } = item;
  // An answer (a profile change) may resume a waiting run of its customer, whatever the chat; the rest act in a chat.
  const answer = isAnswer(event) && event.userId !== null;
  const acts = answer || (event.kind !== 'ignored' && event.chatId !== null && (item.candidates.length > 0 || item.takeover));
  const status: EventStatus = acts ? 'queued' : event.kind === 'ignored' || event.chatId === null ? 'ignored' : 'no_match';
  const reason = acts ? null : event.kind === 'ignored' ? event.reason : event.chatId === null ? 'no chat' : 'no curation matched';
  // The record keeps ids and kinds only; the full event (with the profile) is kept only until its job has started the runs.
  const { profile: _profile, ...rest } = event;
  const summary = 'text' in rest ? { ...rest, text: undefined, textLength: rest.text.length } : rest;
  const inserted = await trx
    .insertInto('events')
    .values({
      id: eventId,
      dedupe_key: event.dedupeKey,
      kind: event.kind,
      channel_id: event.channelId,
      chat_id: event.chatId,
      user_id: event.userId,
      status,
      reason,
      received_at: receivedAt,
      summary_json: JSON.stringify(summary),
      event_json: acts ? JSON.stringify(event) : null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { eventId, duplicate: true, status: 'ignored', reason: 'duplicate delivery', runs: [], answerPolls: 0 };
  // Its lane: the chat's events, so they act in the order they came (an answer's: the customer's). Not the
  // chat's send lane: planning never waits behind a send in flight; startRuns takes the chat's lock itself.
  const lane = event.chatId !== null ? chatEventsLane({ channelId: event.channelId, chatId: event.chatId }) : userEventsLane(event.channelId, event.userId, eventId);
  if (acts) await enqueueJob(trx, planEventJob(eventId, lane, receivedAt), receivedAt);
  // The customer wrote: a form they may have just submitted sent nothing, so their waiting runs read the profile now.
  const answerPolls = event.kind === 'userMessage' && event.userId !== null ? await answerPollsDueNow(trx, event.channelId, event.userId, receivedAt) : 0;
  return { eventId, duplicate: false, status, reason, runs: acts ? item.candidates : [], answerPolls };
}

/**
 * The planEvent job's write: starts the runs of a recorded event (its row
 * says `queued`), and settles the event's status. An event no longer queued
 * (started already, or pruned) starts nothing.
 */
export async function startRuns(trx: Transaction<Database>, item: IntakeItem, delayScale: number): Promise<IntakeOutcome> {
  const { event, eventId, receivedAt } = item;
  const none = (reason: string): IntakeOutcome => ({ eventId, duplicate: false, status: 'ignored', reason, runs: [], cancelledRuns: 0 });
  const row = await trx.selectFrom('events').select('status').where('id', '=', eventId).executeTakeFirst();
  if (!row || row.status !== 'queued') return none(row ? 'already started' : 'the event is gone');
  // An answer to a run's form resumes the customer's waiting runs (answer-wait.ts); it starts nothing.
  if (isAnswer(event)) return resumeAnswered(trx, eventId, event, receivedAt);
  if (event.kind === 'ignored' || event.chatId === null) return none('no chat');
  const chatId = event.chatId;
  // The chat is the delivering channel's: another channel's chat of the same id is another chat.
  const chat: ChatRef = { channelId: event.channelId, chatId };
  await lockChat(trx, chatKey(chat), receivedAt);

  let cancelledRuns = 0;
  if (item.takeover) cancelledRuns = await cancelChat(trx, chat, `human takeover: ${event.kind}`, receivedAt, item.keepCurations ?? [], delayScale);

  const runs: StartedRun[] = [];
  const notStarted: string[] = [];
  for (const c of item.candidates) {
    const why = await whyNotStart(trx, c, event, receivedAt);
    if (why) {
      notStarted.push(`${c.curationId}: ${why}`);
      continue;
    }
    // The lifecycle decides the run's first state, exactly as deferred planning will for a run planned later.
    const outcome: RunOutcome = c.plan === null ? { kind: 'deferred' } : plannedOutcome(c.plan);
    const state = mustNext(RUN_START, outcome);
    const writeback_json = c.plan?.outcome === 'sequence' ? writeBackJson(c.writeBack ?? {}, c.plan.values) : null;
    const ins = await trx
      .insertInto('runs')
      .values({
        id: c.runId,
        curation_id: c.curationId,
        event_id: eventId,
        channel_id: event.channelId,
        chat_id: chatId,
        user_id: event.userId,
        ...runStateColumns(RUN_START, state, receivedAt, writeback_json),
        outcome: c.plan?.outcome ?? null,
        reason: c.plan?.reason ?? null,
        lang: c.plan?.lang ?? null,
        once_key: c.oncePerChat ? `${c.curationId}|${chatKey(chat)}` : null,
        values_json: c.plan ? JSON.stringify(c.plan.values) : null,
        problems_json: c.plan ? JSON.stringify(c.plan.problems) : null,
        profile_json: event.profile ? JSON.stringify(event.profile) : null,
        event_json: c.plan === null ? JSON.stringify(event) : null,
        created_at: receivedAt,
        planning_attempts: 0,
        writeback_json,
        user_event_json: userEventJson(c.plan),
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!ins) {
      notStarted.push(`${c.curationId}: already ran in this chat`);
      continue;
    }
    // Deferred planning is a job, committed with the run; a plan that completes at once may start its write-back.
    if (state === 'planning') await enqueueJob(trx, planRunJob(c.runId, receivedAt), receivedAt);
    await afterTransition(trx, { runId: c.runId, from: RUN_START, to: state, writeBackJson: writeback_json, now: receivedAt });
    if (c.plan && outcome.kind === 'planned') {
      await insertPlannedMessages(trx, c.runId, chat, c.plan, receivedAt);
      await activateNextInChat(trx, chat, receivedAt, delayScale);
    }
    runs.push({ runId: c.runId, curationId: c.curationId, state });
  }

  const status: EventStatus = runs.length > 0 || cancelledRuns > 0 ? 'acted' : 'no_match';
  const reason =
    runs.length > 0 || cancelledRuns > 0
      ? null
      : notStarted.length > 0
        ? notStarted.join('; ')
        : item.takeover
          ? 'takeover with no running sequence'
          : 'no curation matched';
  await trx.updateTable('events').set({ status, reason, event_json: null }).where('id', '=', eventId).execute();
  return { eventId, duplicate: false, status, reason, runs, cancelledRuns };
}

async function whyNotStart(trx: Transaction<Database>, c: RunCandidate, event: Event, now: number): Promise<string | null> {
  if (c.cooldownMs !== null && c.cooldownMs > 0 && event.userId !== null) {
    // A user id is its channel's: another channel's customer of the same id has a cooldown of their own.
    const recent = await trx
      .selectFrom('runs')
      .select('id')
      .where('user_id', '=', event.userId)
      .where('channel_id', channelIs(event.channelId), event.channelId)
      .where('curation_id', '=', c.curationId)
      .where('created_at', '>', now - c.cooldownMs)
      .where('state', 'not in', COOLDOWN_FREE_RUN_STATES)
      .limit(1)
      .executeTakeFirst();
    if (recent) return 'customer is in cooldown';
  }
  return null;
}

/** Stops every running sequence of a chat (of its channel only); a message already in flight finishes, nothing after it is sent. */
export async function cancelChat(
  trx: Transaction<Database>,
  chat: ChatRef,
  reason: string,
  now: number,
  keepCurations: string[],
  delayScale: number,
): Promise<number> {
  let runs = trx
    .updateTable('runs')
    .set({ state: TAKEOVER.to, reason, finished_at: now, updated_at: now })
    .where('chat_id', '=', chat.chatId)
    .where('channel_id', channelIs(chat.channelId), chat.channelId)
    .where('state', 'in', TAKEOVER.from);
  if (keepCurations.length > 0) runs = runs.where('curation_id', 'not in', keepCurations);
  const cancelled = await runs.returning('id').execute();
  if (cancelled.length === 0) return 0;
  await trx
    .updateTable('messages')
    .set({ state: 'cancelled', reason, due_at: null })
    .where('run_id', 'in', cancelled.map((r) => r.id))
    .where('state', 'in', STOPPABLE_MESSAGE_STATES)
    .execute();
  // A run kept on (its curation does not cancel on this event) may have been waiting behind a cancelled one.
  await activateNextInChat(trx, chat, now, delayScale);
  return cancelled.length;
}

/** The profile patch a completed run will write, or null when the curation writes nothing back. */
export function writeBackJson(writeBack: Record<string, string>, values: Record<string, unknown>): string | null {
  const patch: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(writeBack)) if (values[name] !== undefined && values[name] !== null) patch[key] = values[name];
  return Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
}
