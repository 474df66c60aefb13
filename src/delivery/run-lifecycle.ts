// The run lifecycle, in one place: the states a run, its messages and its
// profile write-back can be in, which outcome moves a run where, and which
// states are live or final. Pure: the store asks next() and persists the
// answer, so intake and deferred planning cannot disagree about a run.
import type { Plan } from '../curation/plan-types.js';

export const RUN_STATES = ['planning', 'pending', 'sending', 'awaiting', 'parked', 'completed', 'fallback', 'cancelled', 'failed', 'skipped'] as const;
export type RunState = (typeof RUN_STATES)[number];

/**
 * Still going: the run may send, still has to be planned, or is parked
 * (`awaiting` the customer's answer, or `parked` for a long delay).
 */
export const LIVE_RUN_STATES = ['planning', 'pending', 'sending', 'awaiting', 'parked'] as const satisfies readonly RunState[];
export type LiveRunState = (typeof LIVE_RUN_STATES)[number];

/** Ended for good: nothing moves a run out of these. */
export const FINAL_RUN_STATES = ['completed', 'fallback', 'cancelled', 'failed', 'skipped'] as const satisfies readonly RunState[];
export type FinalRunState = (typeof FINAL_RUN_STATES)[number];

/** Planned and not finished: its messages are the queue (the partial index `runs_active` holds exactly these). */
export const ACTIVE_RUN_STATES = ['pending', 'sending'] as const satisfies readonly LiveRunState[];

/** Waiting to be planned: the partial index `runs_planning` holds these. */
export const PLANNING_RUN_STATES = ['planning'] as const satisfies readonly LiveRunState[];

/** Waiting for the customer's answer, found by customer through the partial index `runs_awaiting`. */
export const AWAITING_RUN_STATES = ['awaiting'] as const satisfies readonly LiveRunState[];

/**
 * Parked: live, but holding no place in its chat's queue (no message of it
 * is live, and the chat's next run is not kept waiting for it). A job wakes
 * it: `awaiting` an answer (answerPoll, answerWait, a contact's change: it
 * is planned again, `answered`, or ends, `answerExpired`), `parked` for a
 * wait longer than PARK_AFTER_SECONDS (its wakeRun job: `woken`). A woken
 * run takes its turn in the chat's order again: it goes when nothing of the
 * chat is live, before the chat's younger runs (store/chat-queue.ts).
 */
export const PARKED_RUN_STATES = ['awaiting', 'parked'] as const satisfies readonly LiveRunState[];

/** A run that ended like this does not start the customer's cooldown: it was skipped, or a human took over. */
export const COOLDOWN_FREE_RUN_STATES = ['skipped', 'cancelled'] as const satisfies readonly FinalRunState[];

/** Where a run stands before it is stored: the intake transaction is about to insert it. Never persisted. */
export const RUN_START = 'new';
export type RunPosition = typeof RUN_START | RunState;

export const MESSAGE_STATES = ['waiting', 'pending', 'sending', 'sent', 'skipped', 'cancelled', 'failed'] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];
/** Not sent yet: waiting its turn, due, or in flight. */
export const OPEN_MESSAGE_STATES = ['waiting', 'pending', 'sending'] as const satisfies readonly MessageState[];
/** A chat's live message (at most one per chat): due or in flight. */
export const LIVE_MESSAGE_STATES = ['pending', 'sending'] as const satisfies readonly MessageState[];
/** Due, its send job waiting (the partial index `messages_due`). */
export const DUE_MESSAGE_STATES = ['pending'] as const satisfies readonly MessageState[];
/** Claimed by its send job, in flight (the partial index `messages_claimed`). */
export const IN_FLIGHT_MESSAGE_STATES = ['sending'] as const satisfies readonly MessageState[];
/** What a takeover or a failed message stops; one in flight finishes. */
export const STOPPABLE_MESSAGE_STATES = ['waiting', 'pending'] as const satisfies readonly MessageState[];
export const FINAL_MESSAGE_STATES = ['sent', 'skipped', 'cancelled', 'failed'] as const satisfies readonly MessageState[];

export const WRITE_BACK_STATES = ['pending', 'done', 'failed'] as const;
export type WriteBackState = (typeof WRITE_BACK_STATES)[number];

/**
 * What a run sends: its curation's sequence, the fallback for missing or odd
 * answers, or (`ask`) the fallback's form asking for them in the chat.
 */
export type SentPlan = 'sequence' | 'fallback' | 'ask';

/** Everything that can happen to a run. */
export type RunOutcome =
  /** The delivery lacked the profile: plan once the user is fetched. */
  | { kind: 'deferred' }
  /** Planned, with messages to send. */
  | { kind: 'planned'; plan: SentPlan }
  /** Planned, but every message rendered empty (all `when:` false): nothing to send. */
  | { kind: 'plannedEmpty'; plan: SentPlan }
  /** The plan sends nothing on purpose (no consent, no fallback). */
  | { kind: 'skipped' }
  /** Fetching the profile failed for now; planning is tried again. */
  | { kind: 'planningRetry' }
  /** Planning gave up (the user cannot be fetched in time, or the curation is gone). */
  | { kind: 'planningFailed' }
  /** Channel Talk took one of its messages; `last` when none follows. */
  | { kind: 'messageSent'; last: boolean; plan: SentPlan }
  /** A message failed for good: the rest of the run is skipped. */
  | { kind: 'messageFailed' }
  /** A human took over the chat. */
  | { kind: 'takeover' }
  /** The customer answered what the run asked (the profile changed): plan it again, from the new profile. */
  | { kind: 'answered' }
  /** The wait for the answer ran out. */
  | { kind: 'answerExpired' }
  /** Its next message waits longer than PARK_AFTER_SECONDS: the run lets its chat go until `until` (epoch ms), when its wakeRun job is due. */
  | { kind: 'parked'; until: number }
  /** A parked run's wait is over: it takes its turn in the chat again. */
  | { kind: 'woken' };

export type RunOutcomeKind = RunOutcome['kind'];

export class IllegalTransition extends Error {
  constructor(
    readonly from: RunPosition,
    readonly outcome: RunOutcome,
  ) {
    super(`a run in state ${from} cannot take the outcome ${outcome.kind}`);
    this.name = 'IllegalTransition';
  }
}

/**
 * The state a run moves to, or IllegalTransition (nothing is to be applied).
 * A final run stays as it is on news about its chat or its messages (a send
 * that returns after a takeover, or after its lease expired and another
 * instance finished the run), and refuses being planned again.
 */
export function next(from: RunPosition, outcome: RunOutcome): RunState | IllegalTransition {
  const illegal = (): IllegalTransition => new IllegalTransition(from, outcome);
  switch (outcome.kind) {
    case 'deferred':
      return from === RUN_START ? 'planning' : illegal();
    case 'planned':
      return from === RUN_START || from === 'planning' ? 'pending' : illegal();
    case 'plannedEmpty':
      // An ask that rendered nothing asked nothing: there is no answer to wait for.
      return from === RUN_START || from === 'planning' ? endOf(outcome.plan === 'ask' ? 'fallback' : outcome.plan) : illegal();
    case 'skipped':
      return from === RUN_START || from === 'planning' ? 'skipped' : illegal();
    case 'planningRetry':
      return from === 'planning' ? 'planning' : illegal();
    case 'planningFailed':
      return from === 'planning' ? 'failed' : illegal();
    case 'messageSent':
      if (from === 'pending' || from === 'sending') return outcome.last ? endOf(outcome.plan) : 'sending';
      // A parked run has no message in flight: a report that comes now is a late one (another instance took over an expired claim), like for a final run.
      return isFinalRunState(from) || isParkedRunState(from) ? from : illegal();
    case 'messageFailed':
      if (from === 'pending' || from === 'sending') return 'failed';
      return isFinalRunState(from) || isParkedRunState(from) ? from : illegal();
    case 'takeover':
      if (from === RUN_START) return illegal();
      return isFinalRunState(from) ? from : 'cancelled';
    case 'answered':
      return from === 'awaiting' ? 'planning' : illegal();
    case 'answerExpired':
      // It ends as the fallback it sent: the customer got the fallback's messages and no sequence, as without the ask.
      return from === 'awaiting' ? 'fallback' : illegal();
    case 'parked':
      return from === 'pending' || from === 'sending' ? 'parked' : illegal();
    case 'woken':
      // Pending again: its next message waits for the chat like a new run's first (store/chat-queue.ts).
      return from === 'parked' ? 'pending' : illegal();
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown run outcome ${JSON.stringify(unknown)}`);
    }
  }
}

/** next(), for callers where an illegal transition is a bug: throws it. */
export function mustNext(from: RunPosition, outcome: RunOutcome): RunState {
  const to = next(from, outcome);
  if (to instanceof IllegalTransition) throw to;
  return to;
}

/** Where a sent plan leaves its run: a fallback stays recognisable as one, messages or not; an ask waits for the answer. */
export function endOf(plan: SentPlan): 'completed' | 'fallback' | 'awaiting' {
  switch (plan) {
    case 'sequence':
      return 'completed';
    case 'fallback':
      return 'fallback';
    case 'ask':
      return 'awaiting';
    default: {
      const unknown: never = plan;
      throw new Error(`unknown plan ${String(unknown)}`);
    }
  }
}

/** The outcome a plan is for its run, whichever path planned it. */
export function plannedOutcome(plan: Pick<Plan, 'outcome' | 'messages'>): RunOutcome {
  switch (plan.outcome) {
    case 'skipped':
      return { kind: 'skipped' };
    case 'sequence':
    case 'fallback':
    case 'ask':
      return { kind: plan.messages.length > 0 ? 'planned' : 'plannedEmpty', plan: plan.outcome };
    default: {
      const unknown: never = plan.outcome;
      throw new Error(`unknown plan outcome ${String(unknown)}`);
    }
  }
}

/** A stored run's plan outcome (runs.outcome) as what it sends. */
export function sentPlanOf(outcome: string | null): SentPlan {
  return outcome === 'fallback' || outcome === 'ask' ? outcome : 'sequence';
}

/**
 * Entering `awaiting` is what "the run asked" means: the store stamps
 * runs.asked_at then (state-sql.ts), and a run with that stamp is never
 * planned to ask again (asksAllowed), so it continues once: an answer that
 * still leaves a problem ends as the plain fallback.
 */
export function entersAwaiting(from: RunPosition, to: RunState): boolean {
  return to === 'awaiting' && from !== 'awaiting';
}

/** The answer came (runs.answered_at): the replanned run's age counts from here, not from its start. */
export function leavesAwaitingAnswered(from: RunPosition, to: RunState): boolean {
  return from === 'awaiting' && to === 'planning';
}

/** Whether planning may ask the customer: only a run that has never asked (runs.asked_at is null). */
export function asksAllowed(askedAt: number | null): boolean {
  return askedAt === null;
}

export function isFinalRunState(s: RunPosition): s is FinalRunState {
  return (FINAL_RUN_STATES as readonly string[]).includes(s);
}

export function isParkedRunState(s: RunPosition): s is (typeof PARKED_RUN_STATES)[number] {
  return (PARKED_RUN_STATES as readonly string[]).includes(s);
}

export function isLiveRunState(s: RunPosition): s is LiveRunState {
  return (LIVE_RUN_STATES as readonly string[]).includes(s);
}

export function isRunState(s: string): s is RunState {
  return (RUN_STATES as readonly string[]).includes(s);
}

/** Only a completed sequence writes its computed values to the profile (not a fallback, which computes none). */
export function startsWriteBack(from: RunPosition, to: RunState): boolean {
  return to === 'completed' && from !== 'completed';
}

/** Only a completed sequence records its user event: a fallback, a cancelled, failed or skipped run records none. */
export function recordsUserEvent(from: RunPosition, to: RunState): boolean {
  return to === 'completed' && from !== 'completed';
}

/**
 * For an outcome applied to many runs in one statement (a takeover cancels a
 * chat's runs): the states it changes, and the one state they all move to.
 */
export function bulkTransition(outcome: RunOutcome): { from: RunState[]; to: RunState } {
  const moves = RUN_STATES.map((from) => ({ from, to: next(from, outcome) })).filter(
    (m): m is { from: RunState; to: RunState } => !(m.to instanceof IllegalTransition) && m.to !== m.from,
  );
  const targets = new Set(moves.map((m) => m.to));
  const [to] = targets;
  if (to === undefined || targets.size > 1) throw new Error(`the outcome ${outcome.kind} does not move stored runs to one state`);
  return { from: moves.map((m) => m.from), to };
}
