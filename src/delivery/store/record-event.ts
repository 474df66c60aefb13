// The webhook's transaction (group-committed, group-commit.ts): store the
// normalized event once and, when it may act, either start its runs right
// here (a chat's event planned in memory by the intake, start-runs.ts, when
// nothing of its chat waits as a planEvent job) or the planEvent job that will
// act on it (start-runs.ts, inside that job); the webhook is answered after this
// commit. The stored event is the source of truth in between, so a crash
// after the answer loses nothing that may act. An event nothing acts on
// (mayAct false) is answered before its commit (Intake.receive): a crash
// can lose its record, never an action.
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type { Event, UserMessageEvent } from '../../channeltalk/event.js';
import type { Database, EventStatus, EventsTable } from './schema.js';
import { chatEventsLane, userEventsLane } from '../lanes.js';
import { enqueueJob } from './job-ops.js';
import { planEventJob } from '../job-kinds.js';
import { isAnswer } from './answer-wait.js';
import { answerPollsDueNow } from './answer-polls.js';
import { reasonWords, type ReasonWords } from '../../curation/reason-words.js';
import { startRuns, type IntakeItem, type IntakeOutcome } from './start-runs.js';
import { CompiledStatement } from './compiled-statement.js';
import { asBusyError, DatabaseBusyError } from './busy.js';
import { asUnavailableError, DatabaseUnavailableError } from './unavailable.js';
import type { ChatTiming } from '../chat-timing.js';
import { runTransitionMark, takeRunTransitionsSince, type RunTransitionEvent } from './transition-log.js';

/** What the webhook commits: the event, and whether a planEvent job will act on it. */
export interface RecordItem {
  eventId: string;
  event: Event;
  receivedAt: number;
  /** The runs it may start (its curations matched), for the answer; none and no takeover: nothing will act on it. */
  candidates: Array<{ runId: string; curationId: string }>;
  takeover: boolean;
  /**
   * Its runs planned in memory (intake.ts intakeItem, from the delivering
   * channel's curations), when it is a chat's event that may act: then this
   * commit starts them itself (startRuns), unless its chat has an earlier
   * event still waiting as a planEvent job, or the start fails: then it gets
   * its planEvent job, as an item without it does.
   */
  planned?: IntakeItem;
}

export interface RecordOutcome {
  eventId: string;
  duplicate: boolean;
  /** `queued`: stored with its planEvent job, which starts the runs. */
  status: EventStatus;
  reason: string | null;
  /** When queued: the runs the job will start unless the store says no (cooldown, once per chat); when planned in this commit: the runs it started. */
  runs: Array<{ runId: string; curationId: string }>;
  /** The customer wrote while runs of theirs wait for an answer: this many profile reads were made due now. */
  answerPolls: number;
  /** Planned in this commit (no planEvent job): what startRuns did, for the "event planned" line after the commit. */
  planned?: IntakeOutcome;
  /** The run transitions its start in this commit made (runs started, a takeover's cancelled): counted once the commit is done, as a job's settle's are. */
  runTransitions?: RunTransitionEvent[];
  /** Its planning in this commit failed and was rolled back: it was stored with its planEvent job instead. The driver's code and message only. */
  planFailed?: { code?: string; message: string };
}

/** How an event is stored, decided from the item alone (no read): whether it acts (a planEvent job), its status and reason. */
export interface Verdict {
  acts: boolean;
  status: EventStatus;
  reason: string | null;
}

export function verdictOf(item: RecordItem): Verdict {
  const { event } = item;
  // An answer (a profile change) may resume a waiting run of its customer, whatever the chat; the rest act in a chat.
  const answer = isAnswer(event) && event.userId !== null;
  const acts = answer || (event.kind !== 'ignored' && event.chatId !== null && (item.candidates.length > 0 || item.takeover));
  const status: EventStatus = acts ? 'queued' : event.kind === 'ignored' || event.chatId === null ? 'ignored' : 'no_match';
  const reason = acts ? null : event.kind === 'ignored' ? event.reason : event.chatId === null ? 'no chat' : 'no curation matched';
  return { acts, status, reason };
}

/**
 * Whether recording `item` may change anything but the events table: a
 * planEvent job (verdictOf's `acts`), or a customer's message making their
 * waiting runs' profile reads due (answerPollsDueNow, below). When it may
 * not, nothing ever acts on the record, so the webhook need not wait for
 * its commit (Intake.receive). Keep this beside recordEvent: the two must
 * agree on every branch that writes more than the event row.
 */
export function mayAct(item: RecordItem): boolean {
  return verdictOf(item).acts || makesAnswerPollsDue(item.event);
}

function makesAnswerPollsDue(event: Event): event is UserMessageEvent & { userId: string } {
  return event.kind === 'userMessage' && event.userId !== null;
}

/**
 * Stores the event once. A chat's event that may act, planned in memory
 * (item.planned), has its runs started here when its chat has no earlier
 * event waiting as a planEvent job; any other event that may act is stored
 * with its full body and its planEvent job.
 */
export async function recordEvent(trx: Transaction<Database>, item: RecordItem, insert: EventInsert, timing: ChatTiming): Promise<RecordOutcome> {
  const { event, eventId, receivedAt } = item;
  const { acts, status, reason } = verdictOf(item);
  let planFailed: RecordOutcome['planFailed'];
  if (acts && item.planned && event.chatId !== null && !isAnswer(event)) {
    const lane = chatEventsLane({ channelId: event.channelId, chatId: event.chatId });
    // A chat's events act in arrival order: an earlier one still waiting as a job (retried, or recorded before a
    // restart; or earlier in this very batch) plans first, so this one queues behind it in the same lane.
    const waiting = await LANE_WAITING.first<{ waiting: boolean | number }>(trx, { lane });
    if (!waiting?.waiting) {
      const done = await planInCommit(trx, item, item.planned, insert, timing);
      if ('outcome' in done) return done.outcome;
      planFailed = done.failed;
    }
  }
  // An ignored delivery's reason is the normalizer's own sentence: shown as it is (no words).
  const words: ReasonWords | null = acts
    ? null
    : event.kind === 'ignored'
      ? event.words
        ? reasonWords('ignored', { why: event.words })
        : null
      : reasonWords(event.chatId === null ? 'noChat' : 'noCurationMatched');
  // The record keeps ids and kinds only; the full event (with the profile) is kept only until its job has started the runs.
  const inserted = await insert.run(trx, eventRow(item, status, reason, words, acts));
  if (!inserted) return { eventId, duplicate: true, status: 'ignored', reason: 'duplicate delivery', runs: [], answerPolls: 0 };
  // Its lane: the chat's events, so they act in the order they came (an answer's: the customer's). Not the
  // chat's send lane: planning never waits behind a send in flight; startRuns takes the chat's lock itself.
  const lane = event.chatId !== null ? chatEventsLane({ channelId: event.channelId, chatId: event.chatId }) : userEventsLane(event.channelId, event.userId, eventId);
  if (acts) await enqueueJob(trx, planEventJob(eventId, lane, receivedAt), receivedAt);
  // The customer wrote: a form they may have just submitted sent nothing, so their waiting runs read the profile now.
  const answerPolls = makesAnswerPollsDue(event) ? await answerPollsDueNow(trx, event.channelId, event.userId, receivedAt) : 0;
  return { eventId, duplicate: false, status, reason, runs: acts ? item.candidates : [], answerPolls, ...(planFailed ? { planFailed } : {}) };
}

/** The event's row: the summary the console reads; its full body only while a planEvent job will act on it. */
function eventRow(item: RecordItem, status: EventStatus, reason: string | null, words: ReasonWords | null, withBody: boolean): EventsTable {
  const { event } = item;
  const { profile: _profile, ...rest } = event;
  const summary = 'text' in rest ? { ...rest, text: undefined, textLength: rest.text.length } : rest;
  return {
    id: item.eventId,
    dedupe_key: event.dedupeKey,
    kind: event.kind,
    channel_id: event.channelId,
    chat_id: event.chatId,
    user_id: event.userId,
    status,
    reason,
    reason_words: words ? JSON.stringify([words]) : null,
    received_at: item.receivedAt,
    summary_json: JSON.stringify(summary),
    event_json: withBody ? JSON.stringify(event) : null,
  };
}

/**
 * Starts the event's runs in this commit, under a savepoint: its row is
 * inserted already taken (`acted`, no body; startRuns writes another end),
 * then startRuns writes its runs, messages and first jobs as the planEvent
 * job would. A failure other than the database's (a bug in a curation's
 * plan, a constraint) rolls back this item's part alone: the caller stores
 * it with its planEvent job, so the batch commits and the job path acts on it
 * or fails it as before. A busy or unreachable database fails the batch, as
 * any statement of it would (503).
 */
async function planInCommit(
  trx: Transaction<Database>,
  item: RecordItem,
  planned: IntakeItem,
  insert: EventInsert,
  timing: ChatTiming,
): Promise<{ outcome: RecordOutcome } | { failed: { code?: string; message: string } }> {
  const { event, eventId } = item;
  const mark = runTransitionMark(trx);
  await sql`savepoint plan_in_commit`.execute(trx);
  try {
    if (!(await insert.run(trx, eventRow(item, 'acted', null, null, false)))) {
      await sql`release savepoint plan_in_commit`.execute(trx);
      return { outcome: { eventId, duplicate: true, status: 'ignored', reason: 'duplicate delivery', runs: [], answerPolls: 0 } };
    }
    const started = await startRuns(trx, planned, timing, { taken: true });
    // The customer wrote: a form they may have just submitted sent nothing, so their waiting runs read the profile now.
    const answerPolls = makesAnswerPollsDue(event) ? await answerPollsDueNow(trx, event.channelId, event.userId, item.receivedAt) : 0;
    await sql`release savepoint plan_in_commit`.execute(trx);
    const runTransitions = takeRunTransitionsSince(trx, mark);
    return { outcome: { eventId, duplicate: false, status: started.status, reason: started.reason, runs: started.runs, answerPolls, planned: started, runTransitions } };
  } catch (err) {
    if (aboutTheDatabase(err)) throw err;
    // Rolled back to before the event's row; a failure to roll back (the transaction itself is gone) fails the batch with the first error.
    try {
      await sql`rollback to savepoint plan_in_commit`.execute(trx);
      takeRunTransitionsSince(trx, mark);
      await sql`release savepoint plan_in_commit`.execute(trx);
    } catch {
      throw err;
    }
    return { failed: failureOf(err) };
  }
}

/** Busy or unreachable: the database's, not this item's; the batch fails (and is answered 503) as before. */
function aboutTheDatabase(err: unknown): boolean {
  return asBusyError(err) instanceof DatabaseBusyError || asUnavailableError(err) instanceof DatabaseUnavailableError;
}

function failureOf(err: unknown): { code?: string; message: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? { code, message: err.message } : { message: err.message };
}

/**
 * Whether a chat's events lane has a job waiting or running (a planEvent of
 * an earlier event): one probe of each partial index (jobs_lane_pending,
 * jobs_lane_running; an `or` of the two states made SQLite scan the table).
 */
const LANE_WAITING = new CompiledStatement<{ lane: string }>(['lane'], (db, p) =>
  db.selectNoFrom((eb) =>
    eb
      .or([
        eb.exists(eb.selectFrom('jobs').select('id').where('lane', '=', p.lane).where('state', '=', 'pending')),
        eb.exists(eb.selectFrom('jobs').select('id').where('lane', '=', p.lane).where('state', '=', 'running')),
      ])
      .as('waiting'),
  ),
);

/** The events table's columns, in the order of the insert's parameters. */
const EVENT_COLUMNS = ['id', 'dedupe_key', 'kind', 'channel_id', 'chat_id', 'user_id', 'status', 'reason', 'reason_words', 'received_at', 'summary_json', 'event_json'] as const satisfies ReadonlyArray<keyof EventsTable>;

/**
 * The webhook's insert (`... ON CONFLICT (dedupe_key) DO NOTHING RETURNING
 * id`), built and compiled by Kysely once per database, then run with each
 * event's values: its SQL text depends only on the dialect, and building and
 * compiling the query tree on every webhook was about 9 % of an ignored
 * delivery's time. Only the values change; on SQLite the statement cache
 * (statement-cache.ts) then reuses the prepared statement as before.
 */
export class EventInsert {
  private readonly sqlText: string;

  constructor(db: Kysely<Database>) {
    // Any row will do: every value is bound, none is written into the SQL (checked below).
    const template = Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c, c === 'received_at' ? i : `v${i}`])) as unknown as EventsTable;
    const compiled = db.insertInto('events').values(template).onConflict((oc) => oc.column('dedupe_key').doNothing()).returning('id').compile();
    const expected = EVENT_COLUMNS.map((c) => template[c]);
    if (compiled.parameters.length !== expected.length || compiled.parameters.some((p, i) => p !== expected[i])) {
      throw new Error(`the events insert does not bind its values in column order: ${compiled.sql}`);
    }
    this.sqlText = compiled.sql;
  }

  /** Inserts the row; false when an event of the same dedupe key is already stored. */
  async run(trx: Transaction<Database>, row: EventsTable): Promise<boolean> {
    const { rows } = await trx.executeQuery<{ id: string }>(CompiledQuery.raw(this.sqlText, EVENT_COLUMNS.map((c) => row[c])));
    return rows.length > 0;
  }
}
