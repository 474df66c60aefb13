// Pruning of history: finished runs (with their messages, attempts and
// failed jobs), old events and old failed jobs. Deletes go in small batches
// so a large backlog never holds a long lock over the live queue.
//
// A failed job stays for the operator, and its key keeps a duplicate from
// redoing the work. What was chosen:
// - a job of one run (RUN_JOB_KINDS, keyed `<kind>:<runId>`) is deleted in
//   the transaction that deletes its run, never before. So its key blocks
//   exactly as long as the run is kept, and no longer: a run made again
//   later under the same id (an old delivery sent again after its event was
//   pruned) is not kept from planning by a stale failure;
// - any other failed job (no kind of today is keyed by an event; the
//   recurring ones are keyed by channel) goes once its last attempt is older
//   than the cutoff: `run_at` of a failed job is the due time of the attempt
//   that failed, as close to its failure as the table says;
// - waiting and running jobs are never pruned: they are work, not history.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { RUN_JOB_KINDS, runJobKey } from '../job-kinds.js';

const BATCH = 1000;

export interface PruneResult {
  runs: number;
  events: number;
  /** Failed jobs, with their runs or on their own. */
  jobs: number;
}

export async function pruneBefore(db: Kysely<Database>, cutoff: number): Promise<PruneResult> {
  let runs = 0;
  let jobs = 0;
  for (;;) {
    const ids = (
      await db.selectFrom('runs').select('id').where('finished_at', 'is not', null).where('finished_at', '<', cutoff).limit(BATCH).execute()
    ).map((r) => r.id);
    if (ids.length === 0) break;
    jobs += await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('attempts').where('run_id', 'in', ids).execute();
      await trx.deleteFrom('messages').where('run_id', 'in', ids).execute();
      // By key, through its unique index; a job still waiting (a write-back retried past the retention) goes on and finds no run.
      const keys = ids.flatMap((id) => RUN_JOB_KINDS.map((k) => runJobKey(k, id)));
      const failed = await trx.deleteFrom('jobs').where('key', 'in', keys).where('state', '=', 'failed').executeTakeFirst();
      await trx.deleteFrom('runs').where('id', 'in', ids).execute();
      return Number(failed.numDeletedRows);
    });
    runs += ids.length;
    if (ids.length < BATCH) break;
  }
  jobs += await pruneFailedJobs(db, cutoff);
  let events = 0;
  for (;;) {
    const ids = (
      await db
        .selectFrom('events as e')
        .select('e.id')
        .where('e.received_at', '<', cutoff)
        // An event whose run is still going stays: it is that run's origin.
        .where((eb) => eb.not(eb.exists(eb.selectFrom('runs as r').select('r.id').whereRef('r.event_id', '=', 'e.id'))))
        .limit(BATCH)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) break;
    await db.deleteFrom('events').where('id', 'in', ids).execute();
    events += ids.length;
    if (ids.length < BATCH) break;
  }
  return { runs, events, jobs };
}

/** Failed jobs of no run whose last attempt was before `cutoff`. */
async function pruneFailedJobs(db: Kysely<Database>, cutoff: number): Promise<number> {
  let n = 0;
  for (;;) {
    const ids = (
      await db.selectFrom('jobs').select('id').where('state', '=', 'failed').where('kind', 'not in', RUN_JOB_KINDS).where('run_at', '<', cutoff).limit(BATCH).execute()
    ).map((r) => r.id);
    if (ids.length === 0) break;
    await db.deleteFrom('jobs').where('id', 'in', ids).where('state', '=', 'failed').execute();
    n += ids.length;
    if (ids.length < BATCH) break;
  }
  return n;
}
