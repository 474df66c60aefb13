// Job kind sweep: recovers chats whose `userChat.opened` delivery never came
// (src/webhook/sweep.ts). One recurring row per channel carries the point
// the channel's sweeps have covered, so a restart goes on from there instead
// of looking at every opened chat again, and the cursor where the last
// sweep's page budget ran out, so the next one (on any instance, after a
// restart) goes on paging from there. Start-up and a lifted block bring
// the row forward to now (JobOps.bringForward); SWEEP_INTERVAL_SECONDS
// spaces the rest. Like the health check it never fails for good: a sweep
// that stopped early covers nothing new, and the next one starts again.
import { enqueueJob } from '../../delivery/store/job-ops.js';
import type { WebhookRuntime } from '../../webhook/runtime.js';
import { SWEEP_REASONS, type SweepReason } from '../../webhook/sweep-log.js';
import type { JobPayloads } from '../../delivery/job-kinds.js';
import type { JobHandler, JobOutcome } from '../types.js';
import { channelPayload } from './webhook-health.js';
import type { KindContext } from '../../wiring/kind-context.js';

export interface SweepDeps {
  runtime: Pick<WebhookRuntime, 'sweep' | 'coveredUntil' | 'setCoveredUntil' | 'sweepCursor' | 'setSweepCursor'>;
  intervalMs: number;
  leaseMs: number;
}

export const sweepKey = (channel: string): string => `sweep:${channel}`;

export function sweepHandler(d: SweepDeps): JobHandler<JobPayloads['sweep']> & { kind: 'sweep' } {
  return {
    kind: 'sweep',
    parse: (p) => {
      const { channel } = channelPayload(p);
      const { coveredUntil: covered, cursor, reason } = p as { coveredUntil?: unknown; cursor?: unknown; reason?: unknown };
      return {
        channel,
        // Why this one runs, when something brought it forward (start-up, a lifted block); else its interval.
        ...(isSweepReason(reason) ? { reason } : {}),
        coveredUntil: typeof covered === 'number' && Number.isFinite(covered) ? covered : null,
        // Rows written before the cursor was carried have none: from the top.
        cursor: typeof cursor === 'string' && cursor !== '' ? cursor : null,
      };
    },
    leaseMs: d.leaseMs,
    async run(job, ctx): Promise<JobOutcome> {
      // The sweep is off here (another instance, or an earlier start, enqueued it): end the series, never a next sweep due at once.
      if (d.intervalMs <= 0) return { kind: 'done' };
      const { channel } = job.payload;
      // This process may know a later point (a sweep after an unblock); else the row's.
      const known = d.runtime.coveredUntil(channel);
      if (known === null || (job.payload.coveredUntil !== null && job.payload.coveredUntil > known)) d.runtime.setCoveredUntil(channel, job.payload.coveredUntil);
      // The row is the durable position (it may have been written by another instance); this process's is only as recent.
      d.runtime.setSweepCursor(channel, job.payload.cursor);
      try {
        await d.runtime.sweep(channel, job.payload.reason ?? 'interval');
      } catch (err) {
        ctx.logger.warn({ channel, err: { message: err instanceof Error ? err.message : String(err) } }, 'webhook sweep could not run; the next one starts again');
      }
      const coveredUntil = d.runtime.coveredUntil(channel);
      const cursor = d.runtime.sweepCursor(channel);
      const now = ctx.now();
      return {
        kind: 'done',
        write: async (trx) => {
          await enqueueJob(trx, { kind: 'sweep', key: sweepKey(channel), payload: { channel, coveredUntil, cursor }, runAt: now + d.intervalMs }, now);
        },
      };
    },
  };
}

function isSweepReason(v: unknown): v is SweepReason {
  return typeof v === 'string' && (SWEEP_REASONS as readonly string[]).includes(v);
}

/** The sweep kind as the service registers it; a sweep pages with pauses between pages, so its lease is four claims' long. */
export const sweepKind = (c: KindContext) => sweepHandler({ runtime: c.webhooks, intervalMs: c.config.webhook.sweepIntervalMs, leaseMs: c.leaseMs * 4 });
