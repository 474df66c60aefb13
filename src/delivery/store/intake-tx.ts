// The intake transaction: store the event (once), start its runs, insert their
// planned messages, and cancel what a human took over. Everything one
// delivery causes is committed together, before the webhook is answered.
import type { Transaction } from 'kysely';
import type { Event } from '../../channeltalk/event.js';
import type { Plan } from '../../curation/plan-types.js';
import type { Database, EventStatus, RunState } from './schema.js';
import { activateNextInChat, insertPlannedMessages, lockChat } from './chat-queue.js';
import { runStateColumns } from './state-sql.js';
import { enqueueJob } from './job-ops.js';
import { afterTransition } from './run-follow-ups.js';
import { planRunJob } from '../../jobs/registry.js';
import { isAnswer, resumeAnswered } from './answer-wait.js';
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

export interface IntakeItem {
  eventId: string;
  event: Event;
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

export async function intakeOne(trx: Transaction<Database>, item: IntakeItem, delayScale: number): Promise<IntakeOutcome> {
  const { event, eventId, receivedAt } = item;
  // The event's record keeps ids and kinds only: profile values and the customer's own words stay out of it.
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
      status: event.kind === 'ignored' ? 'ignored' : 'no_match',
      reason: event.kind === 'ignored' ? event.reason : null,
      received_at: receivedAt,
      summary_json: JSON.stringify(summary),
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    return { eventId, duplicate: true, status: 'ignored', reason: 'duplicate delivery', runs: [], cancelledRuns: 0 };
  }
  // Issue 12 item 4 (helper fl): an answer to a run's form resumes the customer's waiting runs (store/answer-wait.ts). Lead: move when merging.
  if (isAnswer(event)) return resumeAnswered(trx, eventId, event, receivedAt);
  if (event.kind === 'ignored' || event.chatId === null) {
    return { eventId, duplicate: false, status: 'ignored', reason: event.kind === 'ignored' ? event.reason : 'no chat', runs: [], cancelledRuns: 0 };
  }
  const chatId = event.chatId;
  await lockChat(trx, chatId, receivedAt);

  let cancelledRuns = 0;
  if (item.takeover) cancelledRuns = await cancelChat(trx, chatId, `human takeover: ${event.kind}`, receivedAt, item.keepCurations ?? [], delayScale);

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
        once_key: c.oncePerChat ? `${c.curationId}|${chatId}` : null,
        values_json: c.plan ? JSON.stringify(c.plan.values) : null,
        problems_json: c.plan ? JSON.stringify(c.plan.problems) : null,
        profile_json: event.profile ? JSON.stringify(event.profile) : null,
        event_json: c.plan === null ? JSON.stringify(event) : null,
        created_at: receivedAt,
        planning_attempts: 0,
        writeback_json,
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
      await insertPlannedMessages(trx, c.runId, chatId, event.channelId, c.plan, receivedAt);
      await activateNextInChat(trx, chatId, receivedAt, delayScale);
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
  await trx.updateTable('events').set({ status, reason }).where('id', '=', eventId).execute();
  return { eventId, duplicate: false, status, reason, runs, cancelledRuns };
}

async function whyNotStart(trx: Transaction<Database>, c: RunCandidate, event: Event, now: number): Promise<string | null> {
  if (c.cooldownMs !== null && c.cooldownMs > 0 && event.userId !== null) {
    const recent = await trx
      .selectFrom('runs')
      .select('id')
      .where('user_id', '=', event.userId)
      .where('curation_id', '=', c.curationId)
      .where('created_at', '>', now - c.cooldownMs)
      .where('state', 'not in', COOLDOWN_FREE_RUN_STATES)
      .limit(1)
      .executeTakeFirst();
    if (recent) return 'customer is in cooldown';
  }
  return null;
}

/** Stops every running sequence of a chat; a message already in flight finishes, nothing after it is sent. */
export async function cancelChat(
  trx: Transaction<Database>,
  chatId: string,
  reason: string,
  now: number,
  keepCurations: string[],
  delayScale: number,
): Promise<number> {
  let runs = trx
    .updateTable('runs')
    .set({ state: TAKEOVER.to, reason, finished_at: now, updated_at: now })
    .where('chat_id', '=', chatId)
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
  await activateNextInChat(trx, chatId, now, delayScale);
  return cancelled.length;
}

/** The profile patch a completed run will write, or null when the curation writes nothing back. */
export function writeBackJson(writeBack: Record<string, string>, values: Record<string, unknown>): string | null {
  const patch: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(writeBack)) if (values[name] !== undefined && values[name] !== null) patch[key] = values[name];
  return Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
}
