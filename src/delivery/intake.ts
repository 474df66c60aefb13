// From a normalized Event to a stored one, and from a stored one to its runs.
// The webhook's part (receive, accept) matches and plans, in memory, and
// commits the event: a chat's event that acts with its runs and messages
// started in that commit (record-event.ts), one whose chat has an earlier
// event still waiting (or whose start failed), and a profile change, with
// its planEvent job, whose part (intakeItem, then startRuns in the store)
// plans and starts the runs later. For an event nothing acts on the answer
// does not even wait for the commit.
import type { Logger } from 'pino';
import { isTakeover, type Event } from '../channeltalk/event.js';
import { matchCurations, plan, type Curation, type CurationSet } from '../curation/index.js';
import type { Store } from './store/store.js';
import type { IntakeItem, IntakeOutcome, RunCandidate } from './store/start-runs.js';
import { mayAct, verdictOf, type RecordItem, type RecordOutcome } from './store/record-event.js';
import { isAnswer } from './store/answer-wait.js';
import { eventIdFor, runIdFor, storedDedupeKey } from './ids.js';

export interface IntakeDeps {
  store: Store;
  logger: Logger;
  now?: () => number;
  /** Called after a commit that queued work, so the job runner looks at once. */
  onWork?: () => void;
  /** Observer for metrics (outcome.runTransitions: the runs an event started or stopped in its own commit). */
  onOutcome?: (event: Event, outcome: RecordOutcome) => void;
  /** An event answered before its commit could not be stored: it is lost (logged with its ids). For metrics. */
  onLost?: (event: Event) => void;
  /**
   * false: every event that acts is stored with its planEvent job, none is
   * started in its own commit (the tests of that job's path: its settle
   * meeting faults). The service leaves it on.
   */
  planInCommit?: boolean;
}

/**
 * What the webhook is answered with. `duplicate` is null when the answer did
 * not wait for the commit (Intake.receive), so whether the delivery was seen
 * before is not known yet; the record, once committed, says it.
 */
export type ReceiveOutcome = Omit<RecordOutcome, 'duplicate'> & { duplicate: boolean | null };

export class Intake {
  /**
   * The "event received" line: every field is an id, a kind or a count this
   * class builds, never the delivery's data, so pino's redaction walk over
   * each line (logger.ts, a tenth of an ignored webhook's time) is left out.
   */
  private readonly eventLog: Logger;

  constructor(private readonly deps: IntakeDeps) {
    this.eventLog = deps.logger.child({}, { redact: [] });
  }

  /**
   * Commits the event (and, when its curations match or a human took over, the
   * job that acts on it) among `curations`, the delivering channel's set. From
   * here on the event's dedupe key is its channel's (ids.ts), and so are its
   * event and run ids: another channel's delivery of the same ids is another event.
   */
  async accept(delivered: Event, curations: CurationSet): Promise<RecordOutcome> {
    const item = this.itemOf(delivered, curations);
    return this.received(item.event, await this.deps.store.record(item));
  }

  /**
   * The webhook's accept. An event nothing can act on (record-event.ts
   * mayAct: no curation matched, no takeover, not an answer, not a customer's
   * message) is answered at once, its commit still submitted in arrival
   * order within its lane: waiting for the fsync was most of an ignored
   * delivery's time, for a record only the console reads. A crash before the
   * commit loses that record (README); a refused one is logged and counted.
   * Everything that may act waits for its commit, as accept does.
   */
  async receive(delivered: Event, curations: CurationSet): Promise<ReceiveOutcome> {
    const item = this.itemOf(delivered, curations);
    const later = mayAct(item) ? null : this.deps.store.recordLater(item);
    if (later === null) return this.received(item.event, await this.deps.store.record(item));
    // Nothing awaits this chain: a throw in an observer is logged here, never an unhandled rejection.
    void later
      .then(
        (outcome) => this.received(item.event, outcome),
        (err: unknown) => this.lost(item, err),
      )
      .catch((err: unknown) => this.deps.logger.error({ eventId: item.eventId, err: storageError(err) }, 'could not report a recorded event'));
    const { status, reason } = verdictOf(item);
    return { eventId: item.eventId, duplicate: null, status, reason, runs: [], answerPolls: 0 };
  }

  private itemOf(delivered: Event, curations: CurationSet): RecordItem {
    const event: Event = { ...delivered, dedupeKey: storedDedupeKey(delivered) };
    const receivedAt = (this.deps.now ?? Date.now)();
    const matched = matchCurations(curations, event);
    const candidates = matched.map((c) => ({ runId: runIdFor(c.id, event.dedupeKey), curationId: c.id }));
    const eventId = eventIdFor(event.dedupeKey);
    const item: RecordItem = { eventId, event, receivedAt, candidates, takeover: isTakeover(event) };
    // A chat's event that acts is planned now, from the delivering channel's curations (the set its planEvent job
    // would take: curationsFor its channel), so the commit can start its runs. A profile change goes the job way.
    if (this.deps.planInCommit === false || event.chatId === null || isAnswer(event) || !verdictOf(item).acts) return item;
    try {
      return { ...item, planned: plannedItem(eventId, event, curations, matched, receivedAt) };
    } catch (err) {
      // A curation that cannot plan this event: its planEvent job tries again, and fails it as it always has
      // (and says why there). Here the error's class only: a plan's message may quote the customer's values.
      this.deps.logger.warn({ eventId, chatId: event.chatId, channelId: event.channelId, error: err instanceof Error ? err.name : typeof err }, 'could not plan the event in its commit: its planEvent job will');
      return item;
    }
  }

  /** After the commit: the log lines, the metrics, and the job runner woken when there is work. */
  private received(event: Event, outcome: RecordOutcome): RecordOutcome {
    const { planned } = outcome;
    if (planned) {
      // The line the planEvent job writes for the events it plans (jobs/handlers/plan-event.ts).
      this.deps.logger.info(eventPlannedFields(planned.eventId, event.chatId, planned), 'event planned');
    }
    if (outcome.planFailed) {
      this.deps.logger.warn({ eventId: outcome.eventId, chatId: event.chatId, err: outcome.planFailed }, 'could not start the event in its commit: its planEvent job will');
    }
    this.eventLog.info(
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
    // Planned in the commit: its first sends (or a deferred run's planRun job) are due now.
    if (outcome.status === 'queued' || outcome.answerPolls > 0 || (planned && (planned.runs.length > 0 || planned.cancelledRuns > 0))) this.deps.onWork?.();
    return outcome;
  }

  /** An event answered before its commit was refused: nothing acts on it, but the console will not show it. Ids only. */
  private lost(item: RecordItem, err: unknown): void {
    const { event } = item;
    this.deps.logger.error(
      { eventId: item.eventId, kind: event.kind, chatId: event.chatId, channelId: event.channelId, err: storageError(err) },
      'could not store an event answered before its commit: its record is lost (nothing acts on it)',
    );
    this.deps.onLost?.(event);
  }
}

/** What a log line may say about a storage failure: the driver's code and message, never the data. */
export function storageError(err: unknown): { code?: string; message: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? { code, message: err.message } : { message: err.message };
}

/** The "event planned" line's fields, from the webhook's commit or the planEvent job: ids, states and counts only. */
export function eventPlannedFields(eventId: string, chatId: string | null, outcome: IntakeOutcome) {
  return {
    eventId,
    chatId,
    status: outcome.status,
    runs: outcome.runs.map((r) => ({ runId: r.runId, curationId: r.curationId, state: r.state })),
    cancelledRuns: outcome.cancelledRuns || undefined,
    reason: outcome.reason ?? undefined,
  };
}

/** What the planEvent job hands to the store: the event's runs, planned in memory (pure), and what a takeover keeps. */
export function intakeItem(eventId: string, event: Event, curations: CurationSet, receivedAt: number): IntakeItem {
  return plannedItem(eventId, event, curations, matchCurations(curations, event), receivedAt);
}

/** intakeItem with the curations that match the event found already (the webhook's match). */
function plannedItem(eventId: string, event: Event, curations: CurationSet, matched: readonly Curation[], receivedAt: number): IntakeItem {
  const takeover = isTakeover(event);
  return {
    eventId,
    event,
    receivedAt,
    candidates: candidatesOf(matched, event, receivedAt),
    takeover,
    keepCurations: takeover ? curations.curations.filter((c) => !c.takeover.cancelOn.includes(event.kind)).map((c) => c.id) : [],
  };
}

export function runCandidates(event: Event, curations: CurationSet, now: number): RunCandidate[] {
  return candidatesOf(matchCurations(curations, event), event, now);
}

function candidatesOf(matched: readonly Curation[], event: Event, now: number): RunCandidate[] {
  const out: RunCandidate[] = [];
  for (const curation of matched) {
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
