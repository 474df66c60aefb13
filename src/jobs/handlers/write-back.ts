// Job kind writeBack: after a completed sequence, write the curation's
// computed values to the customer's profile (PATCH /users/{id}), so managers
// see them in the desk. Retried through outages like a message; its age
// counts from the run's end.
import type { ChannelTalkClient } from '../../channeltalk/client.js';
import { finishWriteBackTx } from '../../delivery/store/planning-and-write-back.js';
import { attemptTimeoutMs, settleFailure, wordsFor } from '../../delivery/backoff.js';
import { runIdPayload, type JobPayloads } from '../../delivery/job-kinds.js';
import type { JobHandler, JobOutcome } from '../types.js';
import { runWriteBack, type StoreDb } from '../../delivery/store/job-reads.js';
import type { KindContext } from '../../wiring/kind-context.js';

export interface WriteBackDeps {
  db: StoreDb;
  clientFor: (channelId: string | null) => ChannelTalkClient | undefined;
  maxAgeMs: number;
  leaseMs: number;
  random?: () => number;
}

export function writeBackHandler(d: WriteBackDeps): JobHandler<JobPayloads['writeBack']> & { kind: 'writeBack' } {
  return {
    kind: 'writeBack',
    parse: runIdPayload,
    leaseMs: d.leaseMs,
    maxAgeMs: d.maxAgeMs,
    async run(job, ctx): Promise<JobOutcome> {
      const w = await runWriteBack(d.db, job.payload.runId);
      if (!w || w.writeback_state !== 'pending') return { kind: 'done' };
      const ids = { runId: w.id, chatId: w.chat_id, userId: w.user_id };
      const client = d.clientFor(w.channel_id);
      if (!w.user_id || !w.writeback_json || !client) {
        const reason = !client ? 'no configured channel serves this run' : 'the run has no user id';
        return {
          kind: 'fail',
          reason,
          logged: true,
          write: (trx) => finishWriteBackTx(trx, w.id, { done: false, retryAt: null, reason }),
          committed: () => ctx.logger.error(ids, 'profile write-back failed: no user or channel to write to'),
        };
      }
      const patch = JSON.parse(w.writeback_json) as Record<string, unknown>;
      try {
        await client.patchUserProfile(w.user_id, patch, { retry: false, timeoutMs: attemptTimeoutMs(job.leaseEnd, ctx.now(), client.timeoutMs) });
      } catch (err) {
        // Counted from the run's end, with the wait growing with the age: the rule as it reads for write-backs since v1.
        const s = settleFailure(err, { ageMs: ctx.now() - job.createdAt, maxAgeMs: d.maxAgeMs, attempts: null, now: ctx.now(), random: d.random ?? Math.random });
        const outcome: JobOutcome = 'retryAt' in s ? { kind: 'retry', at: s.retryAt, reason: s.note } : { kind: 'fail', reason: s.fail };
        // Logged here once it has committed, as it settled, with the run's ids: the runner's own line goes to debug.
        return {
          ...outcome,
          logged: true,
          write: async (trx, final) => {
            const detail = final.kind === 'fail' ? wordsFor(s, final.reason) : undefined;
            if (final.kind === 'fail') await finishWriteBackTx(trx, w.id, { done: false, retryAt: null, reason: final.reason, ...(detail ? { words: detail } : {}) });
          },
          committed: (final) => {
            if (final.kind === 'fail') ctx.logger.error({ ...ids, reason: final.reason }, 'profile write-back failed');
            else if (final.kind === 'retry') ctx.logger.warn({ ...ids, reason: final.reason }, 'profile write-back will be retried');
          },
        };
      }
      return {
        kind: 'done',
        write: (trx) => finishWriteBackTx(trx, w.id, { done: true }),
        committed: () => ctx.logger.info({ ...ids, keys: Object.keys(patch) }, 'profile written back'),
      };
    },
  };
}

/** The writeBack kind as the service registers it. */
export const writeBackKind = (c: KindContext) => writeBackHandler({ db: c.store.db, clientFor: c.clientFor, maxAgeMs: c.config.sendMaxAgeMs, leaseMs: c.leaseMs });
