// Every job kind, with its payload type. The service registers one handler
// per kind through `registerJobHandlers`, whose argument is a typed map: a
// kind without its handler (or a handler under another kind's name) does
// not compile. A new kind of timed work: add its payload here, write its
// handler file under handlers/, and add it to the map in service.ts.
import type { JobHandler, JobSpec } from './types.js';
import { channelPool, chatLane } from './lanes.js';

export interface JobPayloads {
  /** A message whose turn has come (it became pending): send it, then let its chat move on. */
  sendMessage: { runId: string; seq: number };
  /** A run whose delivery lacked the profile: fetch the user, then plan. */
  planRun: { runId: string };
  /** A completed run's computed values, written to the customer's profile. */
  writeBack: { runId: string };
  /** Reads a channel's webhook (blocked? missing?); recurring, one row per channel. */
  webhookHealth: { channel: string };
  /** Recovers the channel's chats whose delivery never came; recurring, one row per channel, with the point covered. */
  sweep: { channel: string; coveredUntil: number | null };
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
  jobOf('sendMessage', { runId: m.runId, seq: m.seq }, { key: sendMessageKey(m.runId, m.seq), runAt: dueAt, createdAt: dueAt, lane: chatLane(m.chatId), pool: channelPool(m.channelId) });

export const sendMessageKey = (runId: string, seq: number): string => `send:${runId}:${seq}`;

export const planRunJob = (runId: string, createdAt: number): JobSpec => jobOf('planRun', { runId }, { key: `planRun:${runId}`, runAt: createdAt, createdAt });
export const writeBackJob = (runId: string, at: number): JobSpec => jobOf('writeBack', { runId }, { key: `writeBack:${runId}`, runAt: at, createdAt: at });
