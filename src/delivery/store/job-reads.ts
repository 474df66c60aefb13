// What the job handlers read and note of their run or event: named store
// operations, so the handlers hold no SQL (eslint keeps kysely out of
// src/jobs/handlers/). Each reads by primary key.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, EventsTable, RunsTable } from './schema.js';
import { CompiledStatement } from './compiled-statement.js';

/** The database handle a handler passes on to the store, without knowing what it is. */
export type StoreDb = Kysely<Database>;

/** What names a run's curation: its id, its channel, and the version it was planned with. */
export type RunRef = Pick<Selectable<RunsTable>, 'channel_id' | 'curation_id' | 'curation_version'>;

/** A recorded event the planEvent job acts on. */
export function eventToPlan(db: StoreDb, eventId: string): Promise<EventToPlan | undefined> {
  return EVENT_TO_PLAN.first<EventToPlan>(db, { eventId });
}

export type EventToPlan = Pick<Selectable<EventsTable>, 'id' | 'status' | 'event_json' | 'received_at'>;

/** eventToPlan's read, one per recorded event that acts, compiled once (compiled-statement.ts; issue 21). */
const EVENT_TO_PLAN = new CompiledStatement<{ eventId: string }>(['eventId'], (db, p) => db.selectFrom('events').select(['id', 'status', 'event_json', 'received_at']).where('id', '=', p.eventId));

/** The planEvent job gave up on an event it could not read: it says why, and keeps no body. */
export async function failEventTx(trx: Transaction<Database>, eventId: string, reason: string): Promise<void> {
  await trx.updateTable('events').set({ status: 'failed', reason, event_json: null }).where('id', '=', eventId).where('status', '=', 'queued').execute();
}

/** The whole run, for planning it. */
export function runToPlan(db: StoreDb, runId: string): Promise<Selectable<RunsTable> | undefined> {
  return db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
}

/** The run keeps counting its planning attempts for the console (the job's count is the one that decides). */
export async function notePlanningAttemptsTx(trx: Transaction<Database>, runId: string, attempts: number): Promise<void> {
  await trx.updateTable('runs').set({ planning_attempts: attempts }).where('id', '=', runId).execute();
}

/** The seq after the run's messages so far (its ask's): a replanned run's messages follow them. */
export async function nextSeqOf(db: StoreDb, runId: string): Promise<number> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.max('seq').as('last')).where('run_id', '=', runId).executeTakeFirst();
  return row?.last === null || row?.last === undefined ? 0 : Number(row.last) + 1;
}

/** A parked run, for the job that wakes it (the end of its wait for an answer, or of a long delay). */
export function runToWake(db: StoreDb, runId: string) {
  return db.selectFrom('runs').select(['id', 'state', 'asked_at', 'curation_id', 'curation_version', 'channel_id', 'chat_id']).where('id', '=', runId).executeTakeFirst();
}

/** A completed run's user event, for the userEvent job. */
export function runUserEvent(db: StoreDb, runId: string) {
  return db.selectFrom('runs').select(['id', 'user_id', 'channel_id', 'chat_id', 'user_event_json']).where('id', '=', runId).executeTakeFirst();
}

/** A completed run's profile patch, for the writeBack job. */
export function runWriteBack(db: StoreDb, runId: string) {
  return db.selectFrom('runs').select(['id', 'user_id', 'channel_id', 'chat_id', 'writeback_json', 'writeback_state']).where('id', '=', runId).executeTakeFirst();
}
