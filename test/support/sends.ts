// Sending is the sendMessage job kind: drive it by hand for store tests, the
// way the runner and the handler do, without Channel Talk. claimDue claims
// due send jobs (the claim and the in-flight mark in one transaction, as the
// runner does), settles those whose message stopped being live (the handler
// sends nothing for them) and returns the messages to send. markSent /
// markRetry / markFailed settle the message's job through settle() with the
// handler's write.
import { chatTiming, type ChatTiming } from '../../src/delivery/chat-timing.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import type { Store } from '../../src/delivery/store/store.js';
import { markFailedTx, markInFlightTx, markRetryTx, markSentTx, type AttemptRecord, type ClaimedMessage } from '../../src/delivery/store/send-outcomes.js';
import { LIVE_MESSAGE_STATES } from '../../src/delivery/run-lifecycle.js';
import { messagePayload, sendMessageKey } from '../../src/delivery/job-kinds.js';
import { settle } from '../../src/jobs/settle.js';
import type { Job, JobOutcome, SettledOutcome } from '../../src/jobs/types.js';
import type { JobRow } from '../../src/delivery/store/job-ops.js';

const NO_LIMITS = { maxAttempts: null, maxAgeMs: null };

/** DELAY_SCALE alone (the default park threshold), or the whole timing. */
type Timing = number | ChatTiming;
const timingOf = (t: Timing): ChatTiming => (typeof t === 'number' ? chatTiming(t) : t);

export function jobFromRow(r: JobRow): Job<unknown> {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    payload: JSON.parse(r.payload_json) as unknown,
    attempts: r.attempts,
    runAt: r.run_at,
    createdAt: r.created_at,
    lane: r.lane,
    pool: r.pool,
    leaseEnd: r.locked_until ?? 0,
  };
}

export interface SendOps {
  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<ClaimedMessage[]>;
  markSent(m: ClaimedMessage, sentAt: number, channelMessageId: string | null, timing: Timing, attempt?: AttemptRecord): ReturnType<typeof markSentTx>;
  markRetry(m: ClaimedMessage, dueAt: number, reason: string, now: number, timing: Timing, attempt?: AttemptRecord): Promise<void>;
  markFailed(m: ClaimedMessage, reason: string, now: number, timing: Timing, attempt?: AttemptRecord): Promise<void>;
  reclaimExpired(now: number): Promise<number>;
  /** Settles the message's job as its claimer; 'lost' when that claimer no longer holds it. */
  settleOf(m: ClaimedMessage, outcome: JobOutcome, now: number): Promise<SettledOutcome | 'lost'>;
}

export function sendOps(store: Store): SendOps {
  const jobs = new JobOps(store.db, store.dialect);
  const isLive = (m: ClaimedMessage | undefined, owner: string) => m !== undefined && (LIVE_MESSAGE_STATES as readonly string[]).includes(m.state) && m.claimed_by === owner;

  async function settleOf(m: ClaimedMessage, outcome: JobOutcome, now: number): Promise<SettledOutcome | 'lost'> {
    const row = await store.db.selectFrom('jobs').selectAll().where('key', '=', sendMessageKey(m.run_id, m.seq)).executeTakeFirst();
    if (!row) return 'lost';
    return settle(store.db, jobs, jobFromRow(row), m.claimed_by ?? '', outcome, NO_LIMITS, now);
  }

  async function settled(m: ClaimedMessage, outcome: JobOutcome, now: number): Promise<void> {
    const applied = await settleOf(m, outcome, now);
    if (applied === 'lost') throw new Error(`the job of ${m.run_id}/${m.seq} is no longer held by ${m.claimed_by ?? '(nobody)'}`);
  }

  return {
    settleOf,
    async claimDue(now, limit, owner, leaseMs) {
      const out: ClaimedMessage[] = [];
      for (;;) {
        const claimed = await store.db.transaction().execute(async (trx) => {
          const rows = await jobs.claim(now, limit - out.length, owner, new Map([['sendMessage', leaseMs]]), [], trx);
          await markInFlightTx(trx, rows.map((r) => ({ ...messagePayload(JSON.parse(r.payload_json)), leaseEnd: r.locked_until ?? now })), owner);
          return rows;
        });
        let stale = 0;
        for (const row of claimed) {
          const { runId, seq } = messagePayload(JSON.parse(row.payload_json));
          const m = await store.db.selectFrom('messages').selectAll().where('run_id', '=', runId).where('seq', '=', seq).executeTakeFirst();
          if (isLive(m, owner)) {
            out.push(m!);
            continue;
          }
          // What the handler does for a message that is no longer live: done, nothing sent.
          await settle(store.db, jobs, jobFromRow(row), owner, { kind: 'done' }, NO_LIMITS, now);
          stale++;
        }
        if (stale === 0 || out.length >= limit) return out;
      }
    },
    async markSent(m, sentAt, channelMessageId, delayScale, attempt) {
      let after: Awaited<ReturnType<typeof markSentTx>> = 'stopped';
      await settled(m, { kind: 'done', write: async (trx) => void (after = await markSentTx(trx, m, sentAt, channelMessageId, timingOf(delayScale), attempt)) }, sentAt);
      return after;
    },
    markRetry: (m, dueAt, reason, now, delayScale, attempt) =>
      settled(m, { kind: 'retry', at: dueAt, reason, write: (trx) => markRetryTx(trx, m, dueAt, reason, now, timingOf(delayScale), attempt) }, now),
    markFailed: (m, reason, now, delayScale, attempt) => settled(m, { kind: 'fail', reason, write: (trx) => markFailedTx(trx, m, reason, now, timingOf(delayScale), attempt) }, now),
    reclaimExpired: (now) => jobs.reclaimExpired(now),
  };
}
