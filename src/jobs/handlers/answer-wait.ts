// Job kind answerWait: the end of a run's wait for the answer it asked for in
// the chat. Enqueued when the run enters `awaiting` (store/run-follow-ups.ts),
// due at the shortest wait a curation may give. It reads the run's curation
// for its wait (`fallback.ask.wait`, else ANSWER_WAIT_MINUTES), comes back
// when that is over, and then ends the run as `fallback`. A run answered or
// taken over meanwhile is left alone.
import type { Curation } from '../../curation/index.js';
import { enqueueJob } from '../../delivery/store/job-ops.js';
import { expireAnswerWaitTx } from '../../delivery/store/answer-wait.js';
import { answerWaitJob, runIdPayload, type JobPayloads } from '../../delivery/job-kinds.js';
import type { JobHandler, JobOutcome } from '../types.js';
import { runToWake, type RunRef, type StoreDb } from '../../delivery/store/job-reads.js';
import type { KindContext } from '../../wiring/kind-context.js';

export interface AnswerWaitDeps {
  db: StoreDb;
  /** The curation the run was planned with (its own version: kind-context.ts curationOfRun). */
  curationOf: (run: RunRef) => Promise<Curation | undefined>;
  /** ANSWER_WAIT_MINUTES: for a curation that gives no wait, or that is no longer loaded. */
  defaultWaitMs: number;
  leaseMs: number;
}

export function answerWaitHandler(d: AnswerWaitDeps): JobHandler<JobPayloads['answerWait']> & { kind: 'answerWait' } {
  return {
    kind: 'answerWait',
    parse: runIdPayload,
    leaseMs: d.leaseMs,
    async run(job, ctx): Promise<JobOutcome> {
      const now = ctx.now();
      const run = await runToWake(d.db, job.payload.runId);
      if (!run || run.state !== 'awaiting' || run.asked_at === null) return { kind: 'done' };
      const waitMs = (await d.curationOf(run))?.ask?.waitMs ?? d.defaultWaitMs;
      const endsAt = run.asked_at + waitMs;
      // Not over yet: the same job again, at the end (the row is deleted before this write, so the key is free).
      if (now < endsAt) return { kind: 'done', write: async (trx) => void (await enqueueJob(trx, answerWaitJob(run.id, endsAt, job.createdAt), now)) };
      // Set by each run of the write (a retried transaction runs it again): what the committed one did.
      let ended = false;
      return {
        kind: 'done',
        write: async (trx) => {
          ended = await expireAnswerWaitTx(trx, run.id, waitMs, now);
        },
        committed: () => {
          // Answered or taken over meanwhile: the wait ended some other way.
          if (!ended) return;
          ctx.logger.info({ runId: run.id, chatId: run.chat_id, curationId: run.curation_id, waitMs }, 'no answer came: the run ends as fallback');
        },
      };
    },
  };
}

/** The answerWait kind as the service registers it. */
export const answerWaitKind = (c: KindContext) =>
  answerWaitHandler({
    db: c.store.db,
    curationOf: c.curationOfRun,
    defaultWaitMs: c.config.answerWaitMs,
    leaseMs: c.leaseMs,
  });
