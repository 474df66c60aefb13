// From a normalized Event to a committed intake: match curations and plan
// (pure, in memory), then hand everything to the store in one transaction.
import type { Logger } from 'pino';
import { isTakeover, type Event } from '../channeltalk/event.js';
import { matchCurations, plan, type CurationSet } from '../curation/index.js';
import type { Store } from './store/store.js';
import type { IntakeOutcome, RunCandidate } from './store/intake-tx.js';
import { eventIdFor, runIdFor } from './ids.js';

export interface IntakeDeps {
  store: Store;
  logger: Logger;
  now?: () => number;
  /** Called after a commit that created work, so the dispatcher need not wait for its next poll. */
  onWork?: () => void;
  /** Observer for metrics. */
  onOutcome?: (event: Event, outcome: IntakeOutcome) => void;
}

export class Intake {
  constructor(private readonly deps: IntakeDeps) {}

  /** Commits the event with the runs it starts among `curations` (the delivering channel's set). */
  async accept(event: Event, curations: CurationSet): Promise<IntakeOutcome> {
    const receivedAt = (this.deps.now ?? Date.now)();
    const candidates = this.candidates(event, curations, receivedAt);
    const outcome = await this.deps.store.intake({
      eventId: eventIdFor(event.dedupeKey),
      event,
      receivedAt,
      candidates,
      takeover: isTakeover(event),
      keepCurations: isTakeover(event) ? curations.curations.filter((c) => !c.takeover.cancelOn.includes(event.kind)).map((c) => c.id) : [],
    });
    this.deps.logger.info(
      {
        eventId: outcome.eventId,
        kind: event.kind,
        chatId: event.chatId,
        userId: event.userId,
        channelId: event.channelId,
        status: outcome.status,
        duplicate: outcome.duplicate,
        runs: outcome.runs.map((r) => ({ runId: r.runId, curationId: r.curationId, state: r.state })),
        cancelledRuns: outcome.cancelledRuns || undefined,
        reason: outcome.reason ?? undefined,
      },
      'event received',
    );
    this.deps.onOutcome?.(event, outcome);
    if (outcome.runs.length > 0 || outcome.cancelledRuns > 0) this.deps.onWork?.();
    return outcome;
  }

  private candidates(event: Event, curations: CurationSet, now: number): RunCandidate[] {
    const out: RunCandidate[] = [];
    for (const curation of matchCurations(curations, event)) {
      const runId = runIdFor(curation.id, event.dedupeKey);
      // Without the profile in the delivery, planning waits for the dispatcher
      // to fetch the user: the route never calls Channel Talk.
      const deferred = curation.needsProfile && event.profile === null;
      out.push({
        runId,
        curationId: curation.id,
        oncePerChat: curation.limits.oncePerChat,
        cooldownMs: curation.limits.cooldownMs,
        plan: deferred ? null : plan(curation, event, event.profile, { runId, now }),
        writeBack: curation.writeBack,
      });
    }
    return out;
  }
}
