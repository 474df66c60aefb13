// Store tests drive an event all the way in one call: the webhook's record
// (group-committed) and then its planEvent job's startRuns, as the job
// engine would run it, with the job then gone as after a settle.
import type { Store } from '../../src/delivery/store/store.js';
import { startRuns, type IntakeItem, type IntakeOutcome } from '../../src/delivery/store/start-runs.js';

export async function intake(store: Store, item: IntakeItem): Promise<IntakeOutcome> {
  const recorded = await store.record({
    eventId: item.eventId,
    event: item.event,
    receivedAt: item.receivedAt,
    candidates: item.candidates.map((c) => ({ runId: c.runId, curationId: c.curationId })),
    takeover: item.takeover,
  });
  if (recorded.status !== 'queued') return { eventId: recorded.eventId, duplicate: recorded.duplicate, status: recorded.status, reason: recorded.reason, runs: [], cancelledRuns: 0 };
  const outcome = await store.db.transaction().execute((trx) => startRuns(trx, item, store.timing));
  await store.db.deleteFrom('jobs').where('key', '=', `planEvent:${item.eventId}`).execute();
  return outcome;
}
