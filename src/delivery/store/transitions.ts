// The one way a run's or a message's state changes. Each function asks the
// pure lifecycle (run-lifecycle.ts next(), message-lifecycle.ts
// nextMessage()), writes the row with a condition on the state it moves from
// (so two writers on PostgreSQL cannot both apply: the second finds the
// state changed and applies nothing), and, for a run, starts the
// transition's follow-ups (run-follow-ups.ts) in the same transaction. No
// other store code writes runs.state or messages.state.
import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { Database, MessagesTable, RunsTable } from './schema.js';
import { runStateColumns } from './state-sql.js';
import { afterTransition } from './run-follow-ups.js';
import { noteRunTransition } from './transition-log.js';
import { IllegalTransition, mustNext, next, RUN_START, type RunOutcome, type RunState } from '../run-lifecycle.js';
import { messageMove, mustNextMessage, MESSAGE_START, type MessageEvent } from '../message-lifecycle.js';
import { CompiledInsert } from './compiled-insert.js';
import { CompiledStatement } from './compiled-statement.js';

/** What a transition reads of its run: the state it moves from, and what the lifecycle's answer and the follow-ups need. */
export interface RunRow {
  state: RunState;
  curation_id: string;
  outcome: string | null;
  reason: string | null;
  reason_words: string | null;
  writeback_json: string | null;
}

/** Columns written with a run's state (a plan, a reason); never the state or the columns runStateColumns owns. */
export type RunExtra = Omit<Updateable<RunsTable>, 'state' | 'updated_at' | 'finished_at' | 'writeback_state' | 'asked_at'>;

export interface RunTransitionOptions {
  /** Further columns, written with the state, from the row as read. */
  set?: (run: RunRow) => RunExtra;
  /** The write-back patch the run carries from this transition on (a plan decides it); by default the row's. */
  writeBackJson?: string | null;
  /** An illegal outcome is a bug at this caller: throw it instead of leaving the run as it is. */
  strict?: boolean;
  /** Write the row (its extra columns, updated_at) even when the run stays in its state: a planning retry records why. */
  writeUnchanged?: boolean;
}

/** What became of the run: from where to where, the row as read, and whether this write applied (false: it stays, or a concurrent writer moved it first). */
export interface RunMove {
  from: RunState;
  to: RunState;
  run: RunRow;
  applied: boolean;
}

/**
 * Moves a stored run by `outcome` (or the outcome its row calls for).
 * Undefined when the run is gone or the outcome is illegal from its state
 * (unless `strict`): nothing is written then.
 */
export async function transitionRun(
  trx: Transaction<Database>,
  runId: string,
  outcome: RunOutcome | ((run: RunRow) => RunOutcome),
  now: number,
  opts: RunTransitionOptions = {},
): Promise<RunMove | undefined> {
  const run = await RUN_READ.first<RunRow>(trx, { runId });
  if (!run) return undefined;
  const o = typeof outcome === 'function' ? outcome(run) : outcome;
  const to = opts.strict ? mustNext(run.state, o) : next(run.state, o);
  if (to instanceof IllegalTransition) return undefined;
  const from = run.state;
  if (to === from && !opts.writeUnchanged) return { from, to, run, applied: false };
  const writeBackJson = opts.writeBackJson === undefined ? run.writeback_json : opts.writeBackJson;
  const set: Record<string, unknown> = { ...(opts.set?.(run) ?? {}), ...runStateColumns(from, to, now, writeBackJson) };
  const applied = (await runMove(from, set).changed(trx, runMoveParams(runId, set))) > 0;
  if (applied && to !== from) noteRunTransition(trx, { runId, curationId: run.curation_id, from, to });
  if (applied) await afterTransition(trx, { runId, from, to, writeBackJson, outcome: o, now });
  return { from, to, run, applied };
}

/** transitionRun's read, compiled once (compiled-statement.ts): one per planned run and per sent message. */
const RUN_READ = new CompiledStatement<{ runId: string }>(['runId'], (db, p) =>
  db.selectFrom('runs').select(['state', 'curation_id', 'outcome', 'reason', 'reason_words', 'writeback_json']).where('id', '=', p.runId),
);

// transitionRun's write (one per planned run and per sent message),
// compiled once per state it moves from, columns written and database
// (compiled-statement.ts; issue 21). The state it moves from is part of the
// statement's text, not a value: written as a literal (sqlite-compiler.ts),
// as the built query wrote it.

// The compiled moves below share one shape: a move's statement compiled once
// per key (its event or state, the columns it writes, ...), each written
// column bound as the parameter `set.<column>`.

type MoveParams = Record<string, unknown>;

/** The statement compiled for `key`, compiled by `make` the first time. */
function compiledOnce(cache: Map<string, CompiledStatement<MoveParams>>, key: string, make: () => CompiledStatement<MoveParams>): CompiledStatement<MoveParams> {
  let statement = cache.get(key);
  if (statement === undefined) {
    statement = make();
    cache.set(key, statement);
  }
  return statement;
}

/** The parameter names of the columns written. */
const setNames = (columns: readonly string[]): string[] => columns.map((c) => `set.${c}`);

/** Binds each column written as `set.<column>` in `p`. */
function bindSet(p: MoveParams, set: Record<string, unknown>): MoveParams {
  for (const [c, v] of Object.entries(set)) p[`set.${c}`] = v;
  return p;
}

/** The columns written, as the statement's builder sees them (their parameters). */
const boundSet = (columns: readonly string[], p: MoveParams): Record<string, unknown> => Object.fromEntries(columns.map((c) => [c, p[`set.${c}`]]));

const RUN_MOVES = new Map<string, CompiledStatement<MoveParams>>();

function runMoveParams(runId: string, set: Record<string, unknown>): MoveParams {
  return bindSet({ runId }, set);
}

function runMove(from: RunState, set: Record<string, unknown>): CompiledStatement<MoveParams> {
  const columns = Object.keys(set);
  return compiledOnce(RUN_MOVES, `${from}:${columns.join(',')}`, () =>
    new CompiledStatement<MoveParams>(['runId', ...setNames(columns)], (db, p) =>
      db
        .updateTable('runs')
        .set(boundSet(columns, p))
        .where('id', '=', p.runId as string)
        .where('state', '=', from),
    ),
  );
}

/** Every column of runs, in the order the run's insert binds them (RUN_INSERT). */
const RUN_COLUMNS = [
  'id',
  'curation_id',
  'event_id',
  'channel_id',
  'chat_id',
  'user_id',
  'state',
  'outcome',
  'reason',
  'reason_words',
  'lang',
  'once_key',
  'values_json',
  'problems_json',
  'profile_json',
  'event_json',
  'created_at',
  'updated_at',
  'finished_at',
  'planning_attempts',
  'writeback_json',
  'writeback_state',
  'user_event_json',
  'asked_at',
  'answered_at',
  'curation_version',
  'customer_name',
] as const satisfies ReadonlyArray<keyof RunsTable>;
/** Fails to compile when a column of runs is missing from RUN_COLUMNS (the insert would leave it out). */
const everyRunColumn: Exclude<keyof RunsTable, (typeof RUN_COLUMNS)[number]> extends never ? true : never = true;
void everyRunColumn;

/** A run's insert (`ON CONFLICT DO NOTHING RETURNING id`), compiled once (compiled-insert.ts): each column given, null for none. */
const RUN_INSERT = new CompiledInsert<RunsTable>(RUN_COLUMNS, (db, rows) =>
  db
    .insertInto('runs')
    .values(rows)
    .onConflict((oc) => oc.doNothing())
    .returning('id'),
);

/**
 * A new run, in the state the lifecycle gives `outcome` from RUN_START, with
 * that transition's follow-ups. Undefined when a run of its id or its
 * once-per-chat key exists already (nothing is inserted then).
 */
export async function insertRun(
  trx: Transaction<Database>,
  values: Omit<Insertable<RunsTable>, 'state' | 'updated_at' | 'finished_at' | 'writeback_state' | 'asked_at' | 'answered_at'>,
  outcome: RunOutcome,
  now: number,
): Promise<RunState | undefined> {
  const state = mustNext(RUN_START, outcome);
  const writeBackJson = values.writeback_json ?? null;
  const given: Insertable<RunsTable> = { ...values, ...runStateColumns(RUN_START, state, now, writeBackJson) };
  // A column not given is NULL, as the insert would leave it; planning_attempts is the one with a default.
  const row = Object.fromEntries(RUN_COLUMNS.map((c) => [c, given[c] ?? (c === 'planning_attempts' ? 0 : null)])) as unknown as RunsTable;
  const { rows } = await RUN_INSERT.run<{ id: string }>(trx, [row]);
  if (rows.length === 0) return undefined;
  noteRunTransition(trx, { runId: values.id, curationId: values.curation_id, from: RUN_START, to: state });
  await afterTransition(trx, { runId: values.id, from: RUN_START, to: state, writeBackJson, outcome, now });
  return state;
}

/** Which messages an event is applied to. */
export type MessageTarget =
  /** One message. */
  | { runId: string; seq: number }
  /** A run's messages after `afterSeq`. */
  | { runId: string; afterSeq: number }
  /** Every message of these runs. */
  | { runIds: readonly string[] }
  /** These messages (a claim of several jobs). */
  | { messages: ReadonlyArray<{ runId: string; seq: number }> };

export type MessageExtra = Omit<Updateable<MessagesTable>, 'state'>;
export type MessageRow = Selectable<MessagesTable>;

function messageUpdate(trx: Kysely<Database> | Transaction<Database>, target: MessageTarget, event: MessageEvent, set: MessageExtra) {
  const { from, to } = messageMove(event);
  const q = trx.updateTable('messages').set({ ...set, state: to }).where('state', 'in', from);
  if ('messages' in target) return q.where((eb) => eb.or(target.messages.map((m) => eb.and([eb('run_id', '=', m.runId), eb('seq', '=', m.seq)]))));
  if ('runIds' in target) return q.where('run_id', 'in', target.runIds);
  if ('afterSeq' in target) return q.where('run_id', '=', target.runId).where('seq', '>', target.afterSeq);
  return q.where('run_id', '=', target.runId).where('seq', '=', target.seq);
}

/**
 * Applies a message event to the targeted messages the lifecycle lets it
 * move (the others, final or not yet there, stay as they are). Returns how
 * many moved.
 */
export async function transitionMessages(trx: Transaction<Database>, target: MessageTarget, event: MessageEvent, set: MessageExtra = {}): Promise<number> {
  if ('runIds' in target && target.runIds.length === 0) return 0;
  if ('messages' in target && target.messages.length === 0) return 0;
  if ('seq' in target) return oneMessageMove(event, set, false).changed(trx, oneMessageParams(target, set, null));
  const res = await messageUpdate(trx, target, event, set).executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** transitionMessages, returning the moved rows (a claim sends what it moved, with no read of its own). */
export async function transitionMessagesReturning(trx: Transaction<Database>, target: MessageTarget, event: MessageEvent, set: MessageExtra = {}): Promise<MessageRow[]> {
  if ('runIds' in target && target.runIds.length === 0) return [];
  if ('messages' in target && target.messages.length === 0) return [];
  if ('messages' in target) {
    const p: MoveParams = {};
    for (const [i, m] of target.messages.entries()) {
      p[`runId.${i}`] = m.runId;
      p[`seq.${i}`] = m.seq;
    }
    bindSet(p, set);
    return (await manyMessagesMove(event, set, target.messages.length).run<MessageRow>(trx, p)).rows;
  }
  return messageUpdate(trx, target, event, set).returningAll().execute();
}

// A claim's in-flight mark (send-outcomes.ts markInFlightTx): the claimed
// messages by key, returning their rows, once per claim of sends. Compiled
// once per event, columns written and number of messages (at most the send
// slots, SEND_SLOTS), where Kysely built it on every claim (issue 21).

const MANY_MESSAGES_MOVES = new Map<string, CompiledStatement<MoveParams>>();

function manyMessagesMove(event: MessageEvent, set: MessageExtra, n: number): CompiledStatement<MoveParams> {
  const columns = Object.keys(set);
  return compiledOnce(MANY_MESSAGES_MOVES, `${event}:${n}:${columns.join(',')}`, () => {
    const keys = Array.from({ length: n }, (_, i) => i);
    const names = [...keys.flatMap((i) => [`runId.${i}`, `seq.${i}`]), ...setNames(columns)];
    return new CompiledStatement<MoveParams>(names, (db, p) =>
      messageUpdate(db, { messages: keys.map((i) => ({ runId: p[`runId.${i}`] as string, seq: p[`seq.${i}`] as number })) }, event, boundSet(columns, p)).returningAll(),
    );
  });
}

/** What transitionMessageCounted found beside the move: the delay of the run's next message when it waits its turn (null when none follows or it does not wait). */
export interface CountedMove {
  nextWaitingDelayMs: number | null;
}

/**
 * transitionMessages on one message, and in the same statement the send
 * attempt it settles counted on its row (attempts + 1; first_attempt_at kept
 * from the first), when `attemptAt` is given, and the delay of the run's next
 * waiting message read (what chat-queue.ts waitingAfter asks). A send's settle
 * asked these in three statements; this is one per sent message (issue 21).
 * Undefined when the message did not move: then nothing was written, not
 * even the count, which the caller writes alone (countAttempt).
 */
export async function transitionMessageCounted(
  trx: Transaction<Database>,
  target: { runId: string; seq: number },
  event: MessageEvent,
  set: MessageExtra,
  attemptAt: number | null,
): Promise<CountedMove | undefined> {
  const row = await oneMessageMove(event, set, true).first<{ next_waiting_delay_ms: number | null }>(trx, oneMessageParams(target, set, attemptAt));
  return row === undefined ? undefined : { nextWaitingDelayMs: row.next_waiting_delay_ms ?? null };
}

// One message's move (makeDue's, a send's settle): a statement of every sent
// message, compiled once per event, columns written and database
// (compiled-statement.ts), where building it cost 10-30 µs (issue 21).

/** The compiled moves, by event, counted or not, and the columns written besides the state. */
const ONE_MESSAGE_MOVES = new Map<string, CompiledStatement<MoveParams>>();

/** The values of a one-message move: its target, each column written (as `set.<column>`), and for a counted move the next seq and the attempt's time. */
function oneMessageParams(target: { runId: string; seq: number }, set: MessageExtra, attemptAt: number | null): MoveParams {
  return bindSet({ runId: target.runId, seq: target.seq, nextSeq: target.seq + 1, attemptAt }, set);
}

function oneMessageMove(event: MessageEvent, set: MessageExtra, counted: boolean): CompiledStatement<MoveParams> {
  const columns = Object.keys(set);
  return compiledOnce(ONE_MESSAGE_MOVES, `${event}:${counted ? 'counted' : 'plain'}:${columns.join(',')}`, () => {
    const names = ['runId', 'seq', ...setNames(columns), ...(counted ? ['nextSeq', 'attemptAt'] : [])];
    return new CompiledStatement<MoveParams>(names, (db, p) => {
      const target = { runId: p.runId as string, seq: p.seq as number };
      const update = messageUpdate(db, target, event, boundSet(columns, p));
      return counted ? countedMove(update, p) : update;
    });
  });
}

/** transitionMessageCounted's statement: the attempt counted (when `attemptAt` is given) and the next waiting message's delay returned. */
function countedMove(update: ReturnType<typeof messageUpdate>, p: MoveParams) {
  return update
    .$if(p.attemptAt !== null, (q) => q.set((eb) => ({ attempts: eb('attempts', '+', 1), first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(p.attemptAt as number)) })))
    .returning((eb) =>
      eb
        .selectFrom('messages as n')
        .select('n.delay_ms')
        .whereRef('n.run_id', '=', 'messages.run_id')
        .where('n.seq', '=', p.nextSeq as number)
        .where('n.state', '=', 'waiting')
        .as('next_waiting_delay_ms'),
    );
}

/** A planned message as inserted: every column the insert gives (the rest are NULL or default to 0). */
export type PlannedMessageRow = Pick<MessagesTable, 'run_id' | 'seq' | 'chat_id' | 'channel_id' | 'request_id' | 'delay_ms' | 'body_json' | 'is_last' | 'created_at'>;

/** The columns of a planned run's messages, in the order MESSAGES_INSERT binds them. */
const MESSAGE_COLUMNS = ['run_id', 'seq', 'chat_id', 'channel_id', 'request_id', 'state', 'delay_ms', 'due_at', 'body_json', 'is_last', 'created_at'] as const satisfies ReadonlyArray<keyof MessagesTable>;
type MessageInsertRow = PlannedMessageRow & Pick<MessagesTable, 'state' | 'due_at'>;

/** The messages' multi-row insert, compiled once per row count (compiled-insert.ts). */
const MESSAGES_INSERT = new CompiledInsert<MessageInsertRow>(MESSAGE_COLUMNS, (db, rows) => db.insertInto('messages').values(rows));

/**
 * New messages of a planned run, in the state the lifecycle gives them (they
 * wait their turn). With `firstDueAt`, the first one is inserted as the
 * chat's live one, due then: the state `activate` gives it (as
 * chat-queue.ts makeDue would move it just after), in the same statement;
 * the caller enqueues its send job.
 */
export async function insertMessages(trx: Transaction<Database>, rows: readonly PlannedMessageRow[], firstDueAt: number | null = null): Promise<void> {
  if (rows.length === 0) return;
  const waiting = mustNextMessage(MESSAGE_START, 'planned');
  const due = firstDueAt === null ? null : mustNextMessage(waiting, 'activate');
  await MESSAGES_INSERT.run(
    trx,
    rows.map((r, i) => (i === 0 && due !== null ? { ...r, state: due, due_at: firstDueAt } : { ...r, state: waiting, due_at: null })),
  );
}
