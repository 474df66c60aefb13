// The contract between curation/ (pure planning) and delivery/ (storing and
// sending). plan() returns a Plan; delivery turns it into PlannedMessages.
import type { MessageBody } from '../channeltalk/wire.js';
import type { ReasonWords } from './reason-words.js';

export type Value = number | string | boolean | null | Value[];

export interface FieldProblem {
  /** Profile key, e.g. `weight`. */
  field: string;
  /** What is wrong, without echoing the customer's value (it may be health data). */
  problem: 'missing' | 'not_a_number' | 'out_of_range' | 'unknown_option' | 'wrong_type' | 'no_consent' | 'not_matching';
  /** A sentence an operator can act on, e.g. "weight must be between 20 and 300 kg". Never contains the value. */
  message: string;
}

export interface PlannedMessageSpec {
  /** Position in the run, from 0. */
  seq: number;
  /** Wait before this message, in ms, measured from the previous message's actual send (or the run's start for seq 0). Unscaled: delivery applies DELAY_SCALE. */
  delayMs: number;
  /** The exact v5 request body, requestId included (`${runId}-${seq}`). */
  body: MessageBody;
}

/** A user event property's value: the types Channel Talk's events take (no null: a null value leaves its property out). */
export type UserEventValue = string | number | boolean | Array<string | number | boolean>;

/** The body of `POST /users/{id}/events` a completed run sends (the curation's `userEvent`). */
export interface PlannedUserEvent {
  name: string;
  property?: Record<string, UserEventValue>;
}

export type PlanOutcome =
  /** The curation's own sequence. */
  | 'sequence'
  /** A required answer was missing or odd: the curation's fallback message(s). */
  | 'fallback'
  /**
   * Missing or odd answers the curation can ask for (`fallback.ask`): its
   * messages, whose forms show only the inputs for those answers. After the
   * last one the run waits for the answer, then is planned again (once).
   */
  | 'ask'
  /** Nothing to send (e.g. the customer did not consent and the curation has no fallback for it). */
  | 'skipped';

export interface Plan {
  curationId: string;
  runId: string;
  outcome: PlanOutcome;
  /** Language the messages were rendered in. */
  lang: string;
  /** Computed values by name (empty on fallback). */
  values: Record<string, Value>;
  /** Field problems that caused a fallback/skip; empty on success. */
  problems: FieldProblem[];
  /** Human-readable reason for fallback/skipped (no profile values). */
  reason: string | null;
  /** The same reason as catalogue words (reason-words.ts), for the console; set whenever reason is. */
  reasonWords?: ReasonWords[];
  messages: PlannedMessageSpec[];
  /** The user event to record once the run completes; only on a sequence whose curation has `userEvent`. */
  userEvent?: PlannedUserEvent;
}
