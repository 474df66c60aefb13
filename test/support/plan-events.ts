// In-process route tests have no job runner: after a delivery was answered
// (its event stored with a planEvent job), they run those jobs here, with
// the real handler and the real settle, until none is left.
import pino from 'pino';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import type { Store } from '../../src/delivery/store/store.js';
import type { ChannelRegistry } from '../../src/channel-registry.js';
import type { CurationSet } from '../../src/curation/index.js';
import { planEventHandler } from '../../src/jobs/handlers/plan-event.js';
import { settle } from '../../src/jobs/settle.js';
import type { Job, JobContext } from '../../src/jobs/types.js';

type Curations = ChannelRegistry | ((channelId: string | null) => CurationSet | undefined);

/** Runs every waiting planEvent job (in lane order, as the runner would); returns how many ran. */
export async function planQueued(store: Store, curations: Curations, now = Date.now()): Promise<number> {
  // A delivery nothing acts on is answered before its commit (Intake.receive): let those commits land first.
  await store.recorded();
  const ops = new JobOps(store.db, store.dialect);
  const byChannel = typeof curations === 'function' ? curations : (id: string | null) => curations.forChannelId(id)?.curations;
  const handler = planEventHandler({ db: store.db, curations: byChannel, timing: store.timing, leaseMs: 60_000 });
  const logger = pino({ level: 'silent' });
  let ran = 0;
  for (let round = 0; round < 1_000; round++) {
    // Far in the future: a test's clock may be anywhere (an integer: PostgreSQL stores times as bigint).
    const rows = await ops.claim(Math.floor(Number.MAX_SAFE_INTEGER / 2), 100, 'test', new Map([['planEvent', 60_000]]));
    if (rows.length === 0) return ran;
    for (const row of rows) {
      const job: Job<{ eventId: string }> = { id: row.id, kind: row.kind, key: row.key, payload: handler.parse(JSON.parse(row.payload_json)), attempts: row.attempts, runAt: row.run_at, createdAt: row.created_at, lane: row.lane, pool: row.pool, leaseEnd: row.locked_until ?? now };
      const ctx: JobContext = { now: () => now, logger, failure: (err) => ({ kind: 'fail', reason: String(err) }) };
      const outcome = await handler.run(job, ctx);
      await settle(store.db, ops, job, 'test', outcome, { maxAttempts: null, maxAgeMs: null }, now);
      ran++;
    }
  }
  throw new Error('planQueued: jobs kept coming');
}
