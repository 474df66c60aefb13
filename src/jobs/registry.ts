// Every job kind, with its payload type. The service registers one handler
// per kind through `registerJobHandlers`, whose argument is a typed map: a
// kind without its handler (or a handler under another kind's name) does
// not compile. A new kind of timed work: add its payload here, write its
// handler file under handlers/, and add it to the map in service.ts.
import type { JobHandler, JobSpec } from './types.js';

export interface JobPayloads {
  /** A run whose delivery lacked the profile: fetch the user, then plan. */
  planRun: { runId: string };
  /** A completed run's computed values, written to the customer's profile. */
  writeBack: { runId: string };
  /** Reads a channel's webhook (blocked? missing?); recurring, one row per channel. */
  webhookHealth: { channel: string };
  /** Recovers the channel's chats whose delivery never came; recurring, one row per channel, with the point covered. */
  sweep: { channel: string; coveredUntil: number | null };
  /** A run that asked in the chat for missing answers: ends its wait when the curation's time is up and no answer came. */
  answerWait: { runId: string };
}

export type JobKind = keyof JobPayloads;

export type JobHandlers = { [K in JobKind]: JobHandler<JobPayloads[K]> & { kind: K } };

/** The handlers in the shape the runner takes; the map's type is what makes the registration exhaustive. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerJobHandlers(handlers: JobHandlers): Array<JobHandler<any>> {
  return Object.values(handlers);
}

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

export const planRunJob = (runId: string, createdAt: number): JobSpec => jobOf('planRun', { runId }, { key: `planRun:${runId}`, runAt: createdAt, createdAt });
export const writeBackJob = (runId: string, at: number): JobSpec => jobOf('writeBack', { runId }, { key: `writeBack:${runId}`, runAt: at, createdAt: at });
/** The end of a run's wait for its answer, looked at from `at` on (the handler reads the curation's wait then, and comes back at its end). */
export const answerWaitJob = (runId: string, at: number, createdAt: number): JobSpec =>
  jobOf('answerWait', { runId }, { key: answerWaitKey(runId), runAt: at, createdAt });
export const answerWaitKey = (runId: string): string => `answerWait:${runId}`;
