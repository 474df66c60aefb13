// Job kind planEvent: a webhook event was stored and answered; plan what it
// starts (match and plan in memory, from the curations loaded now) and
// commit the runs and their messages with the job's settle. Its lane is the
// chat's events (`chatEvents:<channelId>/<chatId>`), so a chat's events act in the order
// they came (an opening before the takeover that follows it), without
// waiting behind the chat's sends (startRuns takes the chat's lock itself).
import type { Kysely, Transaction } from 'kysely';
import type { Event } from '../../channeltalk/event.js';
import type { CurationSet } from '../../curation/index.js';
import type { Database } from '../../delivery/store/schema.js';
import { startRuns, type IntakeOutcome } from '../../delivery/store/start-runs.js';
import { intakeItem } from '../../delivery/intake.js';
import { eventIdPayload, type JobPayloads } from '../registry.js';
import type { JobHandler, JobOutcome } from '../types.js';

export interface PlanEventDeps {
  db: Kysely<Database>;
  curations: (channelId: string | null) => CurationSet | undefined;
  delayScale: number;
  leaseMs: number;
  /** After the commit: runs started or cancelled (wake the senders, count them). */
  onStarted?: (event: Event, outcome: IntakeOutcome) => void;
}

export function planEventHandler(d: PlanEventDeps): JobHandler<JobPayloads['planEvent']> & { kind: 'planEvent' } {
  return {
    kind: 'planEvent',
    parse: eventIdPayload,
    leaseMs: d.leaseMs,
    // No age or attempt limit: the event is a customer's chat, and only a database failure delays it.
    async run(job, ctx): Promise<JobOutcome> {
      const row = await d.db.selectFrom('events').select(['id', 'status', 'event_json', 'received_at']).where('id', '=', job.payload.eventId).executeTakeFirst();
      // Started already, or pruned: nothing to do.
      if (!row || row.status !== 'queued' || row.event_json === null) return { kind: 'done' };
      let event: Event;
      try {
        event = JSON.parse(row.event_json) as Event;
      } catch {
        const reason = 'the stored event is not valid JSON';
        return { kind: 'fail', reason, write: (trx) => markFailed(trx, row.id, reason) };
      }
      const curations = d.curations(event.channelId);
      if (!curations) {
        const reason = `no configured channel serves channel ${event.channelId ?? '(none)'}`;
        ctx.logger.error({ eventId: row.id, channelId: event.channelId }, 'event not acted on: its channel is no longer configured');
        return { kind: 'fail', reason, write: (trx) => markFailed(trx, row.id, reason) };
      }
      const item = intakeItem(row.id, event, curations, Number(row.received_at));
      return {
        kind: 'done',
        write: async (trx) => {
          const outcome = await startRuns(trx, item, d.delayScale);
          ctx.logger.info(
            {
              eventId: row.id,
              chatId: event.chatId,
              status: outcome.status,
              runs: outcome.runs.map((r) => ({ runId: r.runId, curationId: r.curationId, state: r.state })),
              cancelledRuns: outcome.cancelledRuns || undefined,
              reason: outcome.reason ?? undefined,
            },
            'event planned',
          );
          // After the commit: settle's transaction ends right after this write.
          setImmediate(() => d.onStarted?.(event, outcome));
        },
      };
    },
  };
}

async function markFailed(trx: Transaction<Database>, eventId: string, reason: string): Promise<void> {
  await trx.updateTable('events').set({ status: 'failed', reason, event_json: null }).where('id', '=', eventId).where('status', '=', 'queued').execute();
}
