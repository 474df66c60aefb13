// Job kind answerPoll: a waiting run looks for its answer in the customer's
// profile (delivery/answer-polls.ts says why no webhook brings it). One job
// per waiting run, keyed by it: each read schedules the next, doubling the
// interval up to the cap, until the wait ends (the store drops a pending read
// then: run-follow-ups.ts). A customer's message makes it due at once
// (store/answer-polls.ts). The reads are background traffic in the users
// budget, so live sends keep their share; a read that fails waits for the
// next one (the wait's end is the answerWait job's, not this one's).
import type { ChannelTalkClient } from '../../channeltalk/client.js';
import { profileWithName } from '../../channeltalk/event.js';
import { resumePolledAnswerTx, runToRead, scheduleNextPollTx, type RunToRead } from '../../delivery/store/answer-polls.js';
import { changedAnswers, nextAnswerReadAt, type AnswerPollSchedule } from '../../delivery/answer-polls.js';
import { attemptTimeoutMs } from '../../delivery/backoff.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../../channeltalk/errors.js';
import { answerPollPayload, type JobPayloads } from '../../delivery/job-kinds.js';
import type { JobHandler, JobOutcome } from '../types.js';
import { type StoreDb } from '../../delivery/store/job-reads.js';
import type { KindContext } from '../../wiring/kind-context.js';

/** How one read went, for /metrics: `answered` resumed the run. */
export type AnswerPollOutcome = 'answered' | 'unchanged' | 'failed';

export interface AnswerPollDeps {
  db: StoreDb;
  clientFor: (channelId: string | null) => ChannelTalkClient | undefined;
  schedule: AnswerPollSchedule;
  leaseMs: number;
  onRead?: (outcome: AnswerPollOutcome) => void;
}

export function answerPollHandler(d: AnswerPollDeps): JobHandler<JobPayloads['answerPoll']> & { kind: 'answerPoll' } {
  return {
    kind: 'answerPoll',
    parse: answerPollPayload,
    leaseMs: d.leaseMs,
    async run(job, ctx): Promise<JobOutcome> {
      const run = await runToRead(d.db, job.payload.runId);
      // The wait is over (answered, expired, taken over) or the run is gone: no read.
      if (!run || run.state !== 'awaiting' || run.askedAt === null || run.userId === null) return { kind: 'done' };
      const askedAt = run.askedAt;
      const again = (read: boolean): JobOutcome['write'] => async (trx) =>
        void (await scheduleNextPollTx(trx, run.id, nextAnswerReadAt(askedAt, ctx.now(), d.schedule), read, job.createdAt, ctx.now()));
      // Only schedule the first read (the run has just asked).
      if (!job.payload.read) return { kind: 'done', write: again(true) };
      const ids = { runId: run.id, chatId: run.chatId, userId: run.userId, curationId: run.curationId };
      const read = await readProfile(d, run, job.leaseEnd, ctx.now());
      if ('error' in read) {
        return {
          kind: 'done',
          write: again(true),
          committed: () => {
            ctx.logger.warn({ ...ids, reason: read.error }, 'could not read the profile for the answer; reading again at the next interval');
            d.onRead?.('failed');
          },
        };
      }
      const changed = changedAnswers(run.asked, run.plannedWith, read.profile);
      if (changed.length === 0) return { kind: 'done', write: again(true), committed: () => d.onRead?.('unchanged') };
      let resumed = false;
      return {
        kind: 'done',
        write: async (trx) => {
          resumed = await resumePolledAnswerTx(trx, run.id, ctx.now());
        },
        committed: () => {
          // Another way may have ended the wait first (a delivered answer, its end, a takeover): then this read did nothing.
          if (!resumed) return;
          ctx.logger.info({ ...ids, keys: changed }, 'the answer was found in the profile: the run is planned again');
          d.onRead?.('answered');
        },
      };
    },
  };
}

/** The customer's profile now (with the name, as planning reads it), or why it could not be read. */
async function readProfile(d: AnswerPollDeps, run: RunToRead, leaseEnd: number, now: number): Promise<{ profile: Record<string, unknown> } | { error: string }> {
  try {
    const client = d.clientFor(run.channelId);
    if (!client) return { error: `no configured channel serves channel ${run.channelId ?? '(none)'}` };
    const { user } = await client.getUser(run.userId ?? '', { priority: 'background', retry: false, timeoutMs: attemptTimeoutMs(leaseEnd, now, client.timeoutMs) });
    return { profile: profileWithName(user) };
  } catch (err) {
    return { error: whyUnread(err) };
  }
}

/** Status and kind only: an error body may echo profile data. */
function whyUnread(err: unknown): string {
  if (err instanceof ChannelTalkUnavailableError) return `${err.reason}${err.status !== undefined ? ` ${err.status}` : ''}`;
  if (err instanceof ChannelTalkRejectedError) return `Channel Talk refused it with ${err.status}${err.code ? ` (${err.code})` : ''}`;
  return err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
}

/** The answerPoll kind as the service registers it. */
export const answerPollKind = (c: KindContext) =>
  answerPollHandler({ db: c.store.db, clientFor: c.clientFor, schedule: c.config.answerPoll, leaseMs: c.leaseMs, onRead: (outcome) => c.metrics.answerPoll(outcome) });
