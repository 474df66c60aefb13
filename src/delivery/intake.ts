// From a normalized Event to a stored one, and from a stored one to its runs.
// The webhook's part (accept) only matches, in memory, and commits the event
// with its planEvent job: the answer never waits for planning. The job's part
// (runCandidates, then startRuns in the store) plans and starts the runs.
import type { Logger } from 'pino';
import { isTakeover, type Event } from '../channeltalk/event.js';
import { matchCurations, plan, type CurationSet } from '../curation/index.js';
import type { Store } from './store/store.js';
import type { IntakeItem, RunCandidate } from './store/start-runs.js';
import type { RecordOutcome } from './store/record-event.js';
import { eventIdFor, runIdFor, storedDedupeKey } from './ids.js';

export interface IntakeDeps {
  store: Store;
  logger: Logger;
  now?: () => number;
  /** Called after a commit that queued work, so the job runner looks at once. */
  onWork?: () => void;
  /** Observer for metrics. */
  onOutcome?: (event: Event, outcome: RecordOutcome) => void;
}

export class Intake {
  constructor(private readonly deps: IntakeDeps) {}

  /**
   * Commits the event (and, when its curations match or a human took over, the
   * job that acts on it) among `curations`, the delivering channel's set. From
   * here on the event's dedupe key is its channel's (ids.ts), and so are its
   * event and run ids: another channel's delivery of the same ids is another event.
   */
  async accept(delivered: Event, curations: CurationSet): Promise<RecordOutcome> {
    const event: Event = { ...delivered, dedupeKey: storedDedupeKey(delivered) };
    const receivedAt = (this.deps.now ?? Date.now)();
    const candidates = matchCurations(curations, event).map((c) => ({ runId: runIdFor(c.id, event.dedupeKey), curationId: c.id }));
    const outcome = await this.deps.store.record({ eventId: eventIdFor(event.dedupeKey), event, receivedAt, candidates, takeover: isTakeover(event) });
    this.deps.logger.info(
      {
        eventId: outcome.eventId,
        kind: event.kind,
        chatId: event.chatId,
        userId: event.userId,
        channelId: event.channelId,
        status: outcome.status,
        duplicate: outcome.duplicate,
        runs: outcome.runs.length > 0 ? outcome.runs.map((r) => r.runId) : undefined,
        reason: outcome.reason ?? undefined,
        answerPolls: outcome.answerPolls > 0 ? outcome.answerPolls : undefined,
      },
      'event received',
    );
    this.deps.onOutcome?.(event, outcome);
    if (outcome.status === 'queued' || outcome.answerPolls > 0) this.deps.onWork?.();
    return outcome;
  }
}

/** What the planEvent job hands to the store: the event's runs, planned in memory (pure), and what a takeover keeps. */
export function intakeItem(eventId: string, event: Event, curations: CurationSet, receivedAt: number): IntakeItem {
  const takeover = isTakeover(event);
  return {
    eventId,
    event,
    receivedAt,
    candidates: runCandidates(event, curations, receivedAt),
    takeover,
    keepCurations: takeover ? curations.curations.filter((c) => !c.takeover.cancelOn.includes(event.kind)).map((c) => c.id) : [],
  };
}

export function runCandidates(event: Event, curations: CurationSet, now: number): RunCandidate[] {
  const out: RunCandidate[] = [];
  for (const curation of matchCurations(curations, event)) {
    const runId = runIdFor(curation.id, event.dedupeKey);
    // Without the profile in the delivery, planning waits for the planRun job
    // to fetch the user: neither the route nor this job calls Channel Talk.
    const deferred = curation.needsProfile && event.profile === null;
    out.push({
      runId,
      curationId: curation.id,
      oncePerChat: curation.limits.oncePerChat,
      cooldownMs: curation.limits.cooldownMs,
      plan: deferred ? null : plan(curation, event, event.profile, { runId, now }),
      writeBack: curation.writeBack,
      curationVersion: curation.version?.id ?? null,
    });
  }
  return out;
}
