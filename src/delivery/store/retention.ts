// Pruning of history: finished runs (with their messages and attempts) and old
// events. Deletes go in small batches so a large backlog never holds a long
// lock over the live queue.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

const BATCH = 1000;

export interface PruneResult {
  runs: number;
  events: number;
}

export async function pruneBefore(db: Kysely<Database>, cutoff: number): Promise<PruneResult> {
  let runs = 0;
  for (;;) {
    const ids = (
      await db.selectFrom('runs').select('id').where('finished_at', 'is not', null).where('finished_at', '<', cutoff).limit(BATCH).execute()
    ).map((r) => r.id);
    if (ids.length === 0) break;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('attempts').where('run_id', 'in', ids).execute();
      await trx.deleteFrom('messages').where('run_id', 'in', ids).execute();
      await trx.deleteFrom('runs').where('id', 'in', ids).execute();
    });
    runs += ids.length;
    if (ids.length < BATCH) break;
  }
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
  return { runs, events };
}
