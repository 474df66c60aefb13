// Job kind wakeRun: a run parked on a wait longer than PARK_AFTER_SECONDS
// (delivery/chat-timing.ts) wakes at the wait's end. Enqueued when the run
// parks (store/run-follow-ups.ts). Its settle takes the chat's lock first,
// as a send's does, then the run is pending again and takes its turn: at
// once when nothing of the chat is live, else when the chat is free, before
// the chat's younger runs. A run taken over meanwhile is left alone.
import { lockChat, wakeParkedRunTx } from '../../delivery/store/chat-queue.js';
import { runToWake, type StoreDb } from '../../delivery/store/job-reads.js';
import { runIdPayload, type JobPayloads } from '../../delivery/job-kinds.js';
import { chatKey } from '../../delivery/ids.js';
import type { ChatTiming } from '../../delivery/chat-timing.js';
import type { JobHandler, JobOutcome } from '../types.js';
import type { KindContext } from '../../wiring/kind-context.js';

export interface WakeRunDeps {
  db: StoreDb;
  timing: ChatTiming;
  leaseMs: number;
}

export function wakeRunHandler(d: WakeRunDeps): JobHandler<JobPayloads['wakeRun']> & { kind: 'wakeRun' } {
  return {
    kind: 'wakeRun',
    parse: runIdPayload,
    leaseMs: d.leaseMs,
    async run(job, ctx): Promise<JobOutcome> {
      const now = ctx.now();
      const run = await runToWake(d.db, job.payload.runId);
      if (run?.state !== 'parked') return { kind: 'done' };
      const chat = { chatId: run.chat_id, channelId: run.channel_id };
      // Set by each run of the write (a retried transaction runs it again): what the committed one did.
      let woke = false;
      return {
        kind: 'done',
        lock: (trx) => lockChat(trx, chatKey(chat), now),
        write: async (trx) => {
          woke = await wakeParkedRunTx(trx, run.id, chat, now, d.timing);
        },
        committed: () => {
          if (woke) ctx.logger.info({ runId: run.id, chatId: run.chat_id, curationId: run.curation_id }, 'parked run woke: it takes its turn in its chat');
        },
      };
    },
  };
}

/** The wakeRun kind as the service registers it. */
export const wakeRunKind = (c: KindContext) => wakeRunHandler({ db: c.store.db, timing: c.config.timing, leaseMs: c.leaseMs });
