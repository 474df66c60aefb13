// Deferred planning is a planRun job: claim those jobs the way the runner
// would, and return their runs, for store tests that drive planning by hand.
import { JobOps } from '../../src/delivery/store/job-ops.js';
import type { Store } from '../../src/delivery/store/store.js';
import type { RunsTable } from '../../src/delivery/store/schema.js';

export async function claimPlanning(store: Store, now: number, limit: number, owner: string, leaseMs: number): Promise<RunsTable[]> {
  const jobs = await new JobOps(store.db, store.dialect).claim(now, limit, owner, new Map([['planRun', leaseMs]]));
  const ids = jobs.map((j) => (JSON.parse(j.payload_json) as { runId: string }).runId);
  if (ids.length === 0) return [];
  const runs = await store.db.selectFrom('runs').selectAll().where('id', 'in', ids).execute();
  return ids.map((id) => runs.find((r) => r.id === id)).filter((r): r is RunsTable => r !== undefined && r.state === 'planning');
}
