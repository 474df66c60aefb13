// Every job kind of the domain, with its payload type, and the job specs
// the store enqueues (keys, lanes, pools). The engine (src/jobs/) knows none
// of them: the store and the handlers import this, never the other way.
// The service registers one handler per kind (wiring/job-kinds.ts, a map
// typed by JobPayloads): a kind without its handler does not compile.
import type { EnqueueSpec as JobSpec } from './store/job-ops.js';
import { channelPool, chatLane } from './lanes.js';

/** Why a sweep runs: carried in its job when something brought it forward. */
export const SWEEP_REASONS = ['start', 'interval', 'unblocked', 'manual'] as const;
export type SweepReason = (typeof SWEEP_REASONS)[number];

export interface JobPayloads {
  /** A recorded webhook event: start the runs it causes (the webhook was answered once the event was stored). */
  planEvent: { eventId: string };
  /** A message whose turn has come (it became pending): send it, then let its chat move on. */
  sendMessage: { runId: string; seq: number };
  /** A run whose delivery lacked the profile: fetch the user, then plan. */
  planRun: { runId: string };
  /** A completed run's computed values, written to the customer's profile. */
  writeBack: { runId: string };
  /** A completed run's user event (runs.user_event_json, fixed at plan time), recorded in Channel Talk. */
  userEvent: { runId: string };
  /** Reads a channel's webhook (blocked? missing?); recurring, one row per channel. */
  webhookHealth: { channel: string };
  /** Recovers the channel's chats whose delivery never came; recurring, one row per channel, with the point covered. */
  sweep: { channel: string; coveredUntil: number | null; cursor: string | null; reason?: SweepReason };
  /** A run that asked in the chat for missing answers: ends its wait when the curation's time is up and no answer came. */
  answerWait: { runId: string };
  /**
   * A waiting run's look for its answer in the customer's profile (no webhook brings a form's answer).
   * `read: false` only schedules the first read; a customer's message makes the pending one due at once.
   */
  answerPoll: { runId: string; read: boolean };
  /** A run parked on a long wait (run-lifecycle.ts PARKED_RUN_STATES): its wait is over, it takes its turn in the chat again. */
  wakeRun: { runId: string };
}

export type JobKind = keyof JobPayloads;

/** A job spec of a known kind, with its payload type checked. */
export function jobOf<K extends JobKind>(kind: K, payload: JobPayloads[K], opts: Omit<JobSpec, 'kind' | 'payload'> = {}): JobSpec {
  return { ...opts, kind, payload };
}

/** Parses `{ runId }` payloads. */
export function runIdPayload(p: unknown): { runId: string } {
  const runId = (p as { runId?: unknown } | null)?.runId;
  if (typeof runId !== 'string' || runId.length === 0) throw new Error('the payload has no runId');
  return { runId };
}

/** Parses `{ runId, seq }` payloads. */
export function messagePayload(p: unknown): { runId: string; seq: number } {
  const { runId } = runIdPayload(p);
  const seq = (p as { seq?: unknown }).seq;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) throw new Error('the payload has no message seq');
  return { runId, seq };
}

export interface LiveMessage {
  runId: string;
  seq: number;
  chatId: string;
  channelId: string | null;
}

/**
 * A message made due at `dueAt`: one job per message (the key), in its
 * chat's lane (the engine never runs two of a chat at once) and its
 * channel's pool (its share of the send slots). The job's age counts from
 * the due time; the send's own maximum age counts from its first attempt
 * (handlers/send-message.ts), as it always has.
 */
export const sendMessageJob = (m: LiveMessage, dueAt: number): JobSpec =>
  jobOf('sendMessage', { runId: m.runId, seq: m.seq }, { key: sendMessageKey(m.runId, m.seq), runAt: dueAt, createdAt: dueAt, lane: chatLane(m), pool: channelPool(m.channelId) });

export const sendMessageKey = (runId: string, seq: number): string => `send:${runId}:${seq}`;

/** The kinds whose job belongs to one run, keyed `<kind>:<runId>`: retention prunes a failed one with its run (delivery/store/retention.ts). */
export const RUN_JOB_KINDS = ['planRun', 'writeBack', 'userEvent', 'answerWait', 'answerPoll', 'wakeRun'] as const satisfies readonly JobKind[];
export type RunJobKind = (typeof RUN_JOB_KINDS)[number];
export const runJobKey = (kind: RunJobKind, runId: string): string => `${kind}:${runId}`;

export const planRunJob = (runId: string, createdAt: number): JobSpec => jobOf('planRun', { runId }, { key: runJobKey('planRun', runId), runAt: createdAt, createdAt });
export const writeBackJob = (runId: string, at: number): JobSpec => jobOf('writeBack', { runId }, { key: runJobKey('writeBack', runId), runAt: at, createdAt: at });
export const userEventJob = (runId: string, at: number): JobSpec => jobOf('userEvent', { runId }, { key: runJobKey('userEvent', runId), runAt: at, createdAt: at });
/** The end of a run's wait for its answer, looked at from `at` on (the handler reads the curation's wait then, and comes back at its end). */
export const answerWaitJob = (runId: string, at: number, createdAt: number): JobSpec =>
  jobOf('answerWait', { runId }, { key: answerWaitKey(runId), runAt: at, createdAt });
export const answerWaitKey = (runId: string): string => runJobKey('answerWait', runId);
/** A waiting run's next profile read at `at` (`read: false`: only work out when the first read is due). */
export const answerPollJob = (runId: string, at: number, read: boolean, createdAt: number): JobSpec =>
  jobOf('answerPoll', { runId, read }, { key: answerPollKey(runId), runAt: at, createdAt });
export const answerPollKey = (runId: string): string => runJobKey('answerPoll', runId);
/**
 * A parked run's wake at `at`. In no lane: its settle takes the chat's lock,
 * as a send's does, and a lane would keep it behind a send of the chat in
 * backoff.
 */
export const wakeRunJob = (runId: string, at: number, createdAt: number): JobSpec => jobOf('wakeRun', { runId }, { key: wakeRunKey(runId), runAt: at, createdAt });
export const wakeRunKey = (runId: string): string => runJobKey('wakeRun', runId);

/** Parses `{ runId, read }` payloads. */
export function answerPollPayload(p: unknown): { runId: string; read: boolean } {
  const { runId } = runIdPayload(p);
  const read = (p as { read?: unknown }).read;
  if (typeof read !== 'boolean') throw new Error('the payload has no read flag');
  return { runId, read };
}
/** The job a recorded event's runs start in: one per event, on its chat's event lane (`chatEvents:<channelId>/<chatId>`), so a chat's events act in the order they came. */
export const planEventJob = (eventId: string, lane: string, receivedAt: number): JobSpec =>
  jobOf('planEvent', { eventId }, { key: `planEvent:${eventId}`, lane, runAt: receivedAt, createdAt: receivedAt });

/** Parses `{ eventId }` payloads. */
export function eventIdPayload(p: unknown): { eventId: string } {
  const eventId = (p as { eventId?: unknown } | null)?.eventId;
  if (typeof eventId !== 'string' || eventId.length === 0) throw new Error('the payload has no eventId');
  return { eventId };
}
