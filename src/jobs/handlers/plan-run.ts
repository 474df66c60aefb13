// Job kind planRun: a run whose delivery lacked the profile. Fetch the
// user, then plan exactly as intake would have; the plan commits with the
// job's settle. A transient failure retries through the one rule; a user
// that cannot be had is planned without a profile (the curation's fallback).
import { profileWithName, type Event } from '../../channeltalk/event.js';
import type { ChannelTalkClient } from '../../channeltalk/client.js';
import { plan, type Curation } from '../../curation/index.js';
import { completePlanningTx, failPlanningTx } from '../../delivery/store/planning-and-write-back.js';
import { writeBackJson } from '../../delivery/store/start-runs.js';
import { attemptTimeoutMs, settleFailure } from '../../delivery/backoff.js';
import { runIdPayload, type JobPayloads } from '../../delivery/job-kinds.js';
import { asksAllowed } from '../../delivery/run-lifecycle.js';
import type { JobHandler, JobOutcome } from '../types.js';
import { nextSeqOf, notePlanningAttemptsTx, runToPlan, type StoreDb } from '../../delivery/store/job-reads.js';
import type { KindContext } from '../../wiring/kind-context.js';
import type { RunRef } from '../../delivery/store/job-reads.js';
import type { ChatTiming } from '../../delivery/chat-timing.js';
import { reason as because, reasonWords } from '../../curation/reason-words.js';

export interface PlanRunDeps {
  db: StoreDb;
  clientFor: (channelId: string | null) => ChannelTalkClient | undefined;
  /** The curation the run was planned with (its own version: kind-context.ts curationOfRun). */
  curationOf: (run: RunRef) => Promise<Curation | undefined>;
  /** DELAY_SCALE and PARK_AFTER_SECONDS: how the chat's next message is spaced. */
  timing: ChatTiming;
  maxAgeMs: number;
  leaseMs: number;
  random?: () => number;
  /** A plan committed: its first message may be due (wake the job runner). */
  onPlanned?: () => void;
}

export function planRunHandler(d: PlanRunDeps): JobHandler<JobPayloads['planRun']> & { kind: 'planRun' } {
  return {
    kind: 'planRun',
    parse: runIdPayload,
    leaseMs: d.leaseMs,
    maxAgeMs: d.maxAgeMs,
    async run(job, ctx): Promise<JobOutcome> {
      const now = ctx.now();
      const run = await runToPlan(d.db, job.payload.runId);
      // Planned, cancelled or pruned meanwhile: nothing to do.
      if (!run || run.state !== 'planning') return { kind: 'done' };
      const ids = { runId: run.id, chatId: run.chat_id, userId: run.user_id };
      const curation = await d.curationOf(run);
      // A run planned again after its ask (planned at intake, it kept no event) plans from the run's own record.
      const replanned = !asksAllowed(run.asked_at);
      if (!curation || (!run.event_json && !replanned)) {
        const curationRef = run.curation_version ?? run.curation_id;
        const reason = `curation ${curationRef} is no longer loaded`;
        // Set by each run of the write: whether the committed one ended the run (a takeover may have ended it first).
        let ended = false;
        return {
          kind: 'fail',
          reason,
          logged: true,
          write: async (trx) => {
            ended = await failPlanningTx(trx, run.id, because(reason, reasonWords('curationGone', { curation: curationRef })), null, now, d.timing);
          },
          committed: () => {
            if (!ended) return;
            ctx.logger.error({ ...ids, curationId: run.curation_id }, 'run failed: its curation is no longer loaded');
          },
        };
      }
      const event = run.event_json ? (JSON.parse(run.event_json) as Event) : null;
      let profile: Record<string, unknown> | null = null;
      let language = replanned ? run.lang : (event?.language ?? null);
      if (run.user_id) {
        try {
          const client = d.clientFor(run.channel_id);
          if (!client) throw new Error(`no configured channel serves channel ${run.channel_id ?? '(none)'}`);
          const { user } = await client.getUser(run.user_id, { retry: false, timeoutMs: attemptTimeoutMs(job.leaseEnd, ctx.now(), client.timeoutMs) });
          profile = profileWithName(user);
          language ??= user.language ?? null;
        } catch (err) {
          // The run's age counts, as before the job engine: a run planned late is given up like a message.
          // After an answer, from the answer: the run waited for the customer, not for us.
          const since = run.answered_at ?? run.created_at;
          const settled = settleFailure(err, { ageMs: now - since, maxAgeMs: d.maxAgeMs, attempts: job.attempts, now, random: d.random ?? Math.random });
          if ('retryAt' in settled) {
            const reason = `fetching the user: ${settled.note}`;
            // Set by each run of the write: whether the committed one ended the run (the job's last attempt did).
            let ended = false;
            return {
              kind: 'retry',
              at: settled.retryAt,
              reason,
              // Logged once it has committed, as it settled (the job's limits may make it a fail): the runner's line goes to debug.
              logged: true,
              committed: (final) => {
                if (final.kind === 'retry') ctx.logger.warn({ ...ids, reason: settled.note }, 'fetching the profile will be retried');
                else if (final.kind === 'fail' && ended) {
                  ctx.logger.error({ ...ids, reason: final.reason }, 'run failed: its profile could not be fetched');
                }
              },
              write: async (trx, final) => {
                // The job's own reason when it gave up for another one (its limits): that one, as it is.
                const why = final.kind === 'fail' && final.reason !== reason ? final.reason : because(reason, reasonWords('profileFetch', { detail: settled.words }));
                ended = await failPlanningTx(trx, run.id, why, final.kind === 'retry' ? final.at : null, now, d.timing);
                // The run keeps counting its planning attempts for the console; the job's count is the one that decides.
                await notePlanningAttemptsTx(trx, run.id, job.attempts);
              },
            };
          }
          ctx.logger.warn({ ...ids, reason: settled.fail }, 'could not fetch the profile; planning without it');
        }
      }
      // It asks once: planned again, it continues after the ask's messages, and a problem left sends the plain fallback.
      const firstSeq = replanned ? await nextSeqOf(d.db, run.id) : 0;
      const p = plan(curation, event ? { ...event, profile, language } : null, profile, {
        runId: run.id,
        now,
        ...(language !== null ? { lang: language } : {}),
        ask: !replanned,
        firstSeq,
      });
      // Set by each run of the write (a retried transaction runs it again): whether the committed one planned the run.
      let planned = false;
      return {
        kind: 'done',
        write: async (trx) => {
          planned = await completePlanningTx(trx, run.id, p, profile, now, d.timing, writeBackJson(curation.writeBack, p.values));
          if (run.user_id) await notePlanningAttemptsTx(trx, run.id, job.attempts);
        },
        committed: () => {
          // Cancelled or planned some other way meanwhile: this plan was not applied.
          if (!planned) return;
          ctx.logger.info({ ...ids, curationId: run.curation_id, outcome: p.outcome, problems: p.problems.map((x) => x.field) }, 'run planned');
          d.onPlanned?.();
        },
      };
    },
  };
}

/** The planRun kind as the service registers it. */
export const planRunKind = (c: KindContext) =>
  planRunHandler({
    db: c.store.db,
    clientFor: c.clientFor,
    curationOf: c.curationOfRun,
    timing: c.config.timing,
    maxAgeMs: c.config.sendMaxAgeMs,
    leaseMs: c.leaseMs,
    onPlanned: () => c.wake(),
  });
