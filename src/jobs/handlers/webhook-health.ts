// Job kind webhookHealth: reads a channel's webhook every
// WEBHOOK_HEALTH_INTERVAL_SECONDS (a recurring job, one row per channel), so
// a webhook Channel Talk blocked shows in /healthz, the metric and the
// console, and a lifted block sets off a sweep. It never fails for good: a
// check that cannot reach Channel Talk is itself a result (`error`) and the
// next one comes at the usual time.
import type { WebhookRuntime } from '../../webhook/runtime.js';
import { scheduleEvery } from '../recurring.js';
import type { JobPayloads } from '../../delivery/job-kinds.js';
import type { JobHandler, JobOutcome } from '../types.js';
import type { KindContext } from '../../wiring/kind-context.js';

export interface WebhookHealthDeps {
  runtime: Pick<WebhookRuntime, 'checkHealth'>;
  intervalMs: number;
  leaseMs: number;
}

export const webhookHealthKey = (channel: string): string => `webhookHealth:${channel}`;

export function webhookHealthHandler(d: WebhookHealthDeps): JobHandler<JobPayloads['webhookHealth']> & { kind: 'webhookHealth' } {
  return {
    kind: 'webhookHealth',
    parse: channelPayload,
    leaseMs: d.leaseMs,
    async run(job, ctx): Promise<JobOutcome> {
      // The check is off here (another instance, or an earlier start, enqueued it): end the series.
      if (d.intervalMs <= 0) return { kind: 'done' };
      const every = scheduleEvery('webhookHealth', webhookHealthKey(job.payload.channel), d.intervalMs, job.payload);
      try {
        await d.runtime.checkHealth(job.payload.channel);
      } catch (err) {
        ctx.logger.warn({ channel: job.payload.channel, err: { message: err instanceof Error ? err.message : String(err) } }, 'webhook health check could not run; the next one comes at the usual time');
      }
      return every.done(ctx.now());
    },
  };
}

export function channelPayload(p: unknown): { channel: string } {
  const channel = (p as { channel?: unknown } | null)?.channel;
  if (typeof channel !== 'string' || channel.length === 0) throw new Error('the payload has no channel');
  return { channel };
}

/** The webhookHealth kind as the service registers it: the channel's webhook read on its interval. */
export const webhookHealthKind = (c: KindContext) =>
  webhookHealthHandler({ runtime: c.webhooks, intervalMs: c.config.webhook.healthIntervalMs, leaseMs: c.leaseMs });
