// Job kind planEvent: a webhook event was stored and answered; plan what it
// starts (match and plan in memory, from the curations loaded now) and
// commit the runs and their messages with the job's settle. Its lane is the
// chat's events (`chatEvents:<channelId>/<chatId>`), so a chat's events act in the order
// they came (an opening before the takeover that follows it), without
// waiting behind the chat's sends (startRuns takes the chat's lock itself).
import type { Event } from '../../channeltalk/event.js';
import type { CurationSet } from '../../curation/index.js';
import { startRuns, type IntakeOutcome } from '../../delivery/store/start-runs.js';
import { eventPlannedFields, intakeItem } from '../../delivery/intake.js';
import { eventIdPayload, type JobPayloads } from '../../delivery/job-kinds.js';
import type { JobHandler, JobOutcome } from '../types.js';
import { eventToPlan, failEventTx, type StoreDb } from '../../delivery/store/job-reads.js';
import type { KindContext } from '../../wiring/kind-context.js';
import type { ChatTiming } from '../../delivery/chat-timing.js';

export interface PlanEventDeps {
  db: StoreDb;
  curations: (channelId: string | null) => CurationSet | undefined;
  /** DELAY_SCALE and PARK_AFTER_SECONDS: how the chat's next message is spaced. */
  timing: ChatTiming;
  leaseMs: number;
}

export function planEventHandler(d: PlanEventDeps): JobHandler<JobPayloads['planEvent']> & { kind: 'planEvent' } {
  return {
    kind: 'planEvent',
    parse: eventIdPayload,
    leaseMs: d.leaseMs,
    // No age or attempt limit: the event is a customer's chat, and only a database failure delays it.
    async run(job, ctx): Promise<JobOutcome> {
      const row = await eventToPlan(d.db, job.payload.eventId);
      // Started already, or pruned: nothing to do.
      if (!row || row.status !== 'queued' || row.event_json === null) return { kind: 'done' };
      let event: Event;
      try {
        event = JSON.parse(row.event_json) as Event;
      } catch {
        const reason = 'the stored event is not valid JSON';
        return { kind: 'fail', reason, write: (trx) => failEventTx(trx, row.id, reason) };
      }
      const curations = d.curations(event.channelId);
      if (!curations) {
        const reason = `no configured channel serves channel ${event.channelId ?? '(none)'}`;
        return {
          kind: 'fail',
          reason,
          write: (trx) => failEventTx(trx, row.id, reason),
          committed: () => ctx.logger.error({ eventId: row.id, channelId: event.channelId }, 'event not acted on: its channel is no longer configured'),
        };
      }
      const item = intakeItem(row.id, event, curations, Number(row.received_at));
      // Set by each run of the write (a retried transaction runs it again): what the committed one started.
      let started: IntakeOutcome | null = null;
      return {
        kind: 'done',
        write: async (trx) => {
          started = await startRuns(trx, item, d.timing);
        },
        committed: () => {
          const outcome = started;
          if (!outcome) return;
          ctx.logger.info(eventPlannedFields(row.id, event.chatId, outcome), 'event planned');
        },
      };
    },
  };
}

/** The planEvent kind as the service registers it (the runs it starts and cancels are counted from their transitions: wiring/work.ts). */
export const planEventKind = (c: KindContext) => planEventHandler({ db: c.store.db, curations: c.curationsFor, timing: c.config.timing, leaseMs: c.leaseMs });
