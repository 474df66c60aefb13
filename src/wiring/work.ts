// The job runner and what keeps work coming: its claims left by an earlier
// process, the recurring jobs of each channel (the webhook's health check
// and the missed-delivery sweep), the retention of old rows, and the
// PostgreSQL wake-ups between instances.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../delivery/store/store.js';
import { JobOps, stopRecurring } from '../delivery/store/job-ops.js';
import { JobRunner } from '../jobs/runner.js';
import { takeRunTransitions } from '../delivery/store/transition-log.js';
import type { Metrics } from '../server/metrics.js';
import { scheduleEvery } from '../jobs/recurring.js';
import { webhookHealthKey } from '../jobs/handlers/webhook-health.js';
import { sweepKey } from '../jobs/handlers/sweep.js';
import type { SweepReason } from '../webhook/sweep-log.js';

/**
 * The job runner's slots: sends take at most SEND_SLOTS at once (as many as
 * sending had before it became a job kind), each channel at most half of
 * them when there are several, and OTHER_SLOTS stay for planning, write-back
 * and the webhook's jobs however busy sending is.
 */
export const SEND_SLOTS = 16;
const OTHER_SLOTS = 8;

/** The runner, its handlers registered later (jobs/runner.ts register), and the claims a previous process of this identity left released. */
export async function newRunner(store: Store, jobOps: JobOps, instanceId: string, logger: Logger, metrics: Metrics): Promise<JobRunner> {
  const jobs = new JobRunner({
    db: store.db,
    ops: jobOps,
    owner: instanceId,
    logger: logger.child({ component: 'jobs' }),
    // SQLite has one writer, this process, which wakes the runner itself; on PostgreSQL other instances' leftovers need a look now and then.
    safetyMs: store.dialect === 'postgres' ? 30_000 : null,
    // SQLite: one writer, an fsync per commit that holds the event loop; settles arriving together share one.
    batchSettles: store.dialect === 'sqlite',
    // A settle that fails for want of storage turns /healthz `failing` until one commits.
    writes: store.writes,
    concurrency: SEND_SLOTS + OTHER_SLOTS,
    handlers: [],
    // Runs started and finished are counted from the transitions each committed settle made, whichever job made them.
    onCommitted: (trx) => {
      for (const e of takeRunTransitions(trx)) metrics.runTransition(e);
    },
  });
  if (store.dialect === 'sqlite') {
    // One process owns an SQLite file, so claims left by a previous run of it are stale now.
    await jobOps.reclaimExpired(Date.now(), Number.MAX_SAFE_INTEGER);
  } else {
    // Ours, left by a previous process of this identity (it held the identity's lock, which is ours now): stale.
    const released = await jobOps.releaseOwn(instanceId);
    if (released > 0) logger.info({ instanceId, released }, 'released the claims this instance left when its last process ended');
  }
  return jobs;
}

/** Brings a channel's sweep forward to now, saying why (its job carries the reason). */
export function sweepStarter(jobOps: JobOps, wake: () => void, logger: Logger) {
  return async (channel: string, reason: SweepReason): Promise<void> => {
    try {
      await jobOps.bringForward(sweepKey(channel), Date.now(), { reason });
      wake();
    } catch (err) {
      logger.error({ channel, err: { message: err instanceof Error ? err.message : String(err) } }, 'could not bring the webhook sweep forward');
    }
  };
}

/**
 * The webhook's health check and the sweep are recurring jobs, one row per
 * channel (the key keeps it one across instances and restarts), each
 * following the interval configured now (0 ends a series a previous start
 * began); the sweep also runs on start.
 */
export async function scheduleChannelJobs(config: Config, store: Store, jobOps: JobOps, channels: string[], sweepNow: (channel: string, reason: SweepReason) => Promise<void>): Promise<void> {
  for (const channel of channels) {
    const now = Date.now();
    if (config.webhook.healthIntervalMs > 0) {
      await scheduleEvery('webhookHealth', webhookHealthKey(channel), config.webhook.healthIntervalMs, { channel }).ensure(store.db, now);
    } else await stopRecurring(store.db, webhookHealthKey(channel));
    if (config.webhook.sweepIntervalMs > 0) {
      await jobOps.enqueue({ kind: 'sweep', key: sweepKey(channel), payload: { channel, coveredUntil: null, cursor: null }, runAt: now }, now);
      await sweepNow(channel, 'start');
    } else await stopRecurring(store.db, sweepKey(channel));
  }
}

/** Deletes finished runs, events and failed jobs past the retention (and audit rows past theirs), a minute after start and then hourly; returns the stop. */
export function startPruning(store: Store, retentionDays: number, logger: Logger, auditRetentionDays = 365): () => void {
  const prune = () => {
    void store.pruneAudit(Date.now() - auditRetentionDays * 86_400_000).then(
      (n) => (n ? logger.info({ auditRows: n, auditRetentionDays }, 'pruned old audit log rows') : undefined),
      (err: unknown) => logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'pruning the audit log failed'),
    );
    const cutoff = Date.now() - retentionDays * 86_400_000;
    void store.prune(cutoff).then(
      (r) => (r.runs || r.events || r.jobs ? logger.info({ ...r, retentionDays }, 'pruned old runs, events and failed jobs') : undefined),
      (err: unknown) => logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'pruning failed'),
    );
  };
  const hourly = setInterval(prune, 3_600_000);
  hourly.unref();
  const first = setTimeout(prune, 60_000);
  first.unref();
  return () => {
    clearInterval(hourly);
    clearTimeout(first);
  };
}
