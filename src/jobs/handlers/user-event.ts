// Job kind userEvent: after a completed sequence, record the curation's user
// event in Channel Talk (POST /users/{id}/events), so the shop's own
// campaigns and segments can use the result. The body was fixed when the run
// was planned (runs.user_event_json): this job sends exactly that. It goes
// as background work (live sends keep the rate-limit room) and is retried
// through outages like a write-back, its age counted from the run's end.
// Its property values may be health data: logs carry ids and the event name.
//
// Channel Talk takes no request id for events, and an attempt whose answer
// never came (a timeout, a dropped connection, a 5xx after the work) may
// have recorded it. So a retry first reads the user's events since the run
// ended, newest first and a few pages deep, for one with the same name and
// property; only when none is there does it send. A retry stays one event.
import type { CallOptions, ChannelTalkClient } from '../../channeltalk/client.js';
import type { PlannedUserEvent } from '../../curation/plan-types.js';
import { attemptTimeoutMs } from '../../delivery/backoff.js';
import { runIdPayload, type JobPayloads } from '../../delivery/job-kinds.js';
import type { JobHandler, JobOutcome } from '../types.js';
import { runUserEvent, type StoreDb } from '../../delivery/store/job-reads.js';
import type { KindContext } from '../../wiring/kind-context.js';

export interface UserEventDeps {
  db: StoreDb;
  clientFor: (channelId: string | null) => ChannelTalkClient | undefined;
  maxAgeMs: number;
  leaseMs: number;
}

export function userEventHandler(d: UserEventDeps): JobHandler<JobPayloads['userEvent']> & { kind: 'userEvent' } {
  return {
    kind: 'userEvent',
    parse: runIdPayload,
    leaseMs: d.leaseMs,
    maxAgeMs: d.maxAgeMs,
    async run(job, ctx): Promise<JobOutcome> {
      const run = await runUserEvent(d.db, job.payload.runId);
      // Pruned meanwhile (or enqueued by hand): nothing left to send.
      if (!run?.user_event_json) return { kind: 'done' };
      const event = readEvent(run.user_event_json);
      const ids = { runId: run.id, chatId: run.chat_id, userId: run.user_id, event: event?.name };
      const client = d.clientFor(run.channel_id);
      if (!event || !run.user_id || !client) {
        const reason = !event ? 'the stored user event is unreadable' : !client ? 'no configured channel serves this run' : 'the run has no user id';
        ctx.logger.error({ ...ids, reason }, 'user event not recorded');
        return { kind: 'fail', reason, logged: true };
      }
      const userId = run.user_id;
      const opts = (): CallOptions => ({ retry: false, priority: 'background', timeoutMs: attemptTimeoutMs(job.leaseEnd, ctx.now(), client.timeoutMs) });
      try {
        if (job.attempts > 1 && (await alreadyRecorded(client, userId, event, job.createdAt - CLOCK_SKEW_MS, opts))) {
          ctx.logger.info(ids, 'user event was already recorded by an earlier attempt');
          return { kind: 'done' };
        }
        await client.createUserEvent(userId, event, opts());
      } catch (err) {
        // Logged here once it has committed, as it settled, with the run's ids: the runner's own line goes to debug.
        const outcome = ctx.failure(err);
        if (outcome.kind === 'done') return outcome;
        return {
          ...outcome,
          logged: true,
          committed: (final) => {
            if (final.kind === 'fail') ctx.logger.error({ ...ids, reason: final.reason }, 'user event not recorded');
            else if (final.kind === 'retry') ctx.logger.warn({ ...ids, reason: final.reason }, 'user event will be retried');
          },
        };
      }
      ctx.logger.info(ids, 'user event recorded');
      return { kind: 'done' };
    },
  };
}

/** How much earlier than the run's end a listed event may be dated and still be this run's: Channel Talk's clock is not ours. */
const CLOCK_SKEW_MS = 5 * 60_000;
const LIST_PAGE = 100;
const LIST_PAGES = 5;

/** Whether the user's events since `since` hold this one (same name and property). */
async function alreadyRecorded(client: ChannelTalkClient, userId: string, event: PlannedUserEvent, since: number, opts: () => CallOptions): Promise<boolean> {
  const wanted = canonical(event.property ?? {});
  let cursor: string | undefined;
  for (let page = 0; page < LIST_PAGES; page++) {
    const { events, next } = await client.listUserEvents(userId, { sortOrder: 'desc', limit: LIST_PAGE, since: cursor }, opts());
    for (const e of events) {
      if (e.createdAt !== undefined && e.createdAt < since) return false;
      if (e.name === event.name && canonical(e.property ?? {}) === wanted) return true;
    }
    if (next === undefined) return false;
    cursor = next;
  }
  // A user with this many events since: sending again risks a second one, not sending risks none; one more is the lesser harm.
  return false;
}

/** JSON with the keys sorted, so two equal properties compare equal whatever order the answer lists them in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function readEvent(json: string): PlannedUserEvent | null {
  try {
    const v = JSON.parse(json) as unknown;
    if (typeof v !== 'object' || v === null || typeof (v as { name?: unknown }).name !== 'string') return null;
    const { name, property } = v as { name: string; property?: unknown };
    if (property === undefined) return { name };
    if (typeof property !== 'object' || property === null || Array.isArray(property)) return null;
    return { name, property: property as NonNullable<PlannedUserEvent['property']> };
  } catch {
    return null;
  }
}

/** The userEvent kind as the service registers it. */
export const userEventKind = (c: KindContext) => userEventHandler({ db: c.store.db, clientFor: c.clientFor, maxAgeMs: c.config.sendMaxAgeMs, leaseMs: c.leaseMs });
