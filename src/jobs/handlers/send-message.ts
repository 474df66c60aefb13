// Job kind sendMessage: a chat's live message, sent when due. One attempt per
// run (the client's own retry off, its timeout ending before the job's
// lease); the attempt, the message's new state and the next message of the
// chat (with its job) commit in settle's transaction. Every attempt carries
// the message's requestId, so a send repeated after a crash or a lost lease
// is the same request to Channel Talk. Before the send, the chat is read
// (chat-check.ts) and a desk takeover stops the run instead; a failed read is
// settled like a failed send (transient: retried; a 404 chat: the run fails).
import type { ChannelTalkClient } from '../../channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError, isChannelTalkError } from '../../channeltalk/errors.js';
import type { MessageBody } from '../../channeltalk/wire.js';
import { markFailedTx, markInFlightTx, markRetryTx, markSentTx, messageToSend, type AttemptRecord, type ClaimedMessage } from '../../delivery/store/send-outcomes.js';
import { attemptTimeoutMs, settleFailure, wordsFor } from '../../delivery/backoff.js';
import { LIVE_MESSAGE_STATES } from '../../delivery/run-lifecycle.js';
import { messagePayload, type JobPayloads } from '../../delivery/job-kinds.js';
import type { Job, JobContext, JobHandler, JobOutcome } from '../types.js';
import type { ChatCheckStop } from '../../curation/types.js';
import { runCuration, takeOverBeforeSendTx } from '../../delivery/store/chat-check-ops.js';
import { DatabaseUnavailableError } from '../../delivery/store/unavailable.js';
import { DatabaseBusyError } from '../../delivery/store/busy.js';
import { ChatReadCache, stopOf, stopReasonOf, stopsByVersion } from './chat-check.js';
import { type RunRef, type StoreDb } from '../../delivery/store/job-reads.js';
import { lockChat } from '../../delivery/store/chat-queue.js';
import { chatOfLane } from '../../delivery/lanes.js';
import type { KindContext } from '../../wiring/kind-context.js';
import type { ChatTiming } from '../../delivery/chat-timing.js';

/** What went wrong with an attempt, as its row keeps it (its row's error_kind); the console words each (`attempt.kind.*`). */
export const ATTEMPT_ERROR_KINDS = ['unavailable', 'rejected', 'invalid'] as const;
export type AttemptErrorKind = (typeof ATTEMPT_ERROR_KINDS)[number];

export interface SendMessageDeps {
  db: StoreDb;
  /** The client of the channel a message belongs to; undefined when no configured channel serves it. */
  clientFor: (channelId: string | null) => ChannelTalkClient | undefined;
  /** DELAY_SCALE and PARK_AFTER_SECONDS: how the chat's next message is spaced. */
  timing: ChatTiming;
  /** A message failing transiently for longer than this (from its first attempt) is given up. */
  sendMaxAgeMs: number;
  leaseMs: number;
  /** Sends in flight per Channel Talk channel (the job's pool), so one channel's outage or rate limit cannot take every slot. */
  perChannel?: number;
  /** Sends in flight at once, all channels together, so the runner keeps slots for its other kinds. */
  maxInFlight?: number;
  /** Recorded with each attempt. */
  instanceId: string;
  random?: () => number;
  /** Observers for metrics, called once the outcome has committed. */
  onAttempt?: (outcome: 'sent' | 'retry' | 'failed', status: number | null, latencyMs: number) => void;
  /** The chat read before each message; without it no chat is read. */
  chatCheck?: ChatCheckDeps;
}

export interface ChatCheckDeps {
  /** A chat read and found clear this recently is not read again (TAKEOVER_CHECK_SECONDS). */
  maxAgeMs: number;
  /** The chat-read stops of a run's curation, as its own version has them ([] reads nothing); and which curations of the channel do not stop on one (kept running). */
  stopsOf: (run: RunRef) => Promise<readonly ChatCheckStop[]>;
  keepOn: (channelId: string | null, stop: ChatCheckStop) => string[];
  onRead?: (outcome: 'clear' | 'takeover' | 'error') => void;
  onStop?: (stop: ChatCheckStop) => void;
}

type Payload = JobPayloads['sendMessage'];

export function sendMessageHandler(d: SendMessageDeps): JobHandler<Payload> & { kind: 'sendMessage' } {
  // What the claim's in-flight mark returned, per job (null: the message was no
  // longer live), so a send does not wait for a read behind other commits.
  const inFlight = new Map<number, ClaimedMessage | null>();
  const reads = new ChatReadCache(d.chatCheck?.maxAgeMs ?? 0);
  const runs = new RunRefs();
  return {
    kind: 'sendMessage',
    parse: messagePayload,
    leaseMs: d.leaseMs,
    // No maxAgeMs for the engine: a send's age counts from its first attempt
    // (a message due while the service was down still gets its full time once
    // it starts), which only the message row knows. failed() applies it.
    ...(d.perChannel !== undefined ? { poolLimit: d.perChannel } : {}),
    ...(d.maxInFlight !== undefined ? { maxRunning: d.maxInFlight } : {}),
    async claimed(trx, jobs, owner) {
      const marked = await markInFlightTx(trx, jobs.map((j) => ({ ...j.payload, leaseEnd: j.leaseEnd })), owner);
      for (const j of jobs) inFlight.set(j.id, marked.find((m) => m.run_id === j.payload.runId && m.seq === j.payload.seq) ?? null);
    },
    async run(job, ctx): Promise<JobOutcome> {
      const known = inFlight.get(job.id);
      inFlight.delete(job.id);
      const m = known !== undefined ? known : await messageToSend(d.db, job.payload.runId, job.payload.seq);
      // Cancelled by a takeover, or already settled by another instance: nothing to send.
      if (!m || !(LIVE_MESSAGE_STATES as readonly string[]).includes(m.state)) {
        ctx.logger.debug({ runId: job.payload.runId, seq: job.payload.seq, state: m?.state ?? 'not live' }, 'message no longer due; nothing sent');
        return { kind: 'done' };
      }
      // The send's outcome moves its chat's queue, which planning (on the chat's event lane) also moves: both take the chat's lock first.
      const chat = chatOfLane(job.lane);
      const outcome = await send(d, job, ctx, m, reads, runs);
      return chat === null ? outcome : { ...outcome, lock: (trx) => lockChat(trx, chat, ctx.now()) };
    },
  };
}

async function send(d: SendMessageDeps, job: Job<Payload>, ctx: JobContext, m: ClaimedMessage, reads: ChatReadCache, runs: RunRefs): Promise<JobOutcome> {
  const { logger } = ctx;
  const ids = { runId: m.run_id, chatId: m.chat_id, seq: m.seq, requestId: m.request_id };
  const body = JSON.parse(m.body_json) as MessageBody;
  const startedAt = ctx.now();
  const t0 = performance.now();
  // Committed together with the outcome: one transaction per attempt.
  const attempt = (status: number | null, errorKind: AttemptErrorKind | null, reason: string | null, latencyMs: number): AttemptRecord => ({
    runId: m.run_id,
    seq: m.seq,
    requestId: m.request_id,
    startedAt,
    status,
    latencyMs,
    errorKind,
    reason,
    instance: d.instanceId,
  });
  try {
    const client = d.clientFor(m.channel_id);
    if (!client) throw new Error(`no configured channel serves channel ${m.channel_id ?? '(none)'}`);
    const takeover = await checkChat(d, job, ctx, m, client, reads, runs);
    if (takeover) return takeover;
    // Retry is ours (durable, recorded): one attempt, ending before the job's lease.
    const res = await client.sendMessage(m.chat_id, body, { retry: false, timeoutMs: attemptTimeoutMs(job.leaseEnd, ctx.now(), client.timeoutMs) });
    const latencyMs = performance.now() - t0;
    const sentAt = ctx.now();
    let after: Awaited<ReturnType<typeof markSentTx>> = 'next';
    return {
      kind: 'done',
      write: async (trx) => {
        after = await markSentTx(trx, m, sentAt, res.messageId, d.timing, attempt(200, null, null, latencyMs));
      },
      committed: () => {
        // Ids, counts and kinds only: the line skips the redaction walk (JobContext.idsLogger).
        const log = ctx.idsLogger?.() ?? logger;
        log.info({ ...ids, latencyMs: Math.round(latencyMs), attempt: m.attempts + 1 }, 'message sent');
        d.onAttempt?.('sent', 200, latencyMs);
        if (after === 'completed' || after === 'fallback') {
          log.info({ runId: m.run_id, chatId: m.chat_id, state: after }, 'run finished');
        } else if (after === 'awaiting') {
          // The job that ends its wait was enqueued in the same commit: the runner was woken by the settle.
          log.info({ runId: m.run_id, chatId: m.chat_id }, 'run asked in the chat: waiting for the answer');
        } else if (after === 'parked') {
          // Its wakeRun job was enqueued in the same commit; the chat's next run may go meanwhile.
          log.info({ runId: m.run_id, chatId: m.chat_id }, 'run parked on a long wait: its chat is free until it wakes');
        } else if (after === 'answered') {
          // Its planRun job was enqueued in the same commit.
          log.info({ runId: m.run_id, chatId: m.chat_id }, 'run asked in the chat and was answered while asking: planning it again');
        }
      },
    };
  } catch (err) {
    // The database went away (or stayed locked) under the chat read's own
    // queries, before any request: nothing was sent, so it is not the
    // message's failure. The runner retries the job once the database answers.
    if (err instanceof DatabaseUnavailableError || err instanceof DatabaseBusyError) throw err;
    return failed(d, ctx, m, err, startedAt, performance.now() - t0, attempt);
  }
}

/** Reads the chat unless read clear recently; a takeover it shows stops the run (the outcome), otherwise undefined. A failed read throws. */
async function checkChat(
  d: SendMessageDeps,
  job: Job<Payload>,
  ctx: JobContext,
  m: ClaimedMessage,
  client: ChannelTalkClient,
  reads: ChatReadCache,
  runs: RunRefs,
): Promise<JobOutcome | undefined> {
  const cc = d.chatCheck;
  if (!cc) return undefined;
  const key = `${m.channel_id ?? ''}/${m.chat_id}`;
  if (reads.fresh(key, ctx.now())) return undefined;
  const run = await runs.of(m.run_id, () => runCuration(d.db, m.run_id));
  const stops = run === undefined ? [] : await cc.stopsOf(run);
  if (stops.length === 0) return undefined;
  let chat;
  try {
    chat = await client.getUserChat(m.chat_id, { retry: false, timeoutMs: attemptTimeoutMs(job.leaseEnd, ctx.now(), client.timeoutMs) });
  } catch (err) {
    cc.onRead?.('error');
    throw err;
  }
  const stop = stopOf(chat, stops);
  if (stop === null) {
    cc.onRead?.('clear');
    reads.noteClear(key, ctx.now());
    return undefined;
  }
  cc.onRead?.('takeover');
  const reason = stopReasonOf(stop, m.seq);
  const now = ctx.now();
  let stopped = false;
  return {
    kind: 'done',
    write: async (trx) => {
      stopped = await takeOverBeforeSendTx(trx, m, reason, now, cc.keepOn(m.channel_id, stop), d.timing);
    },
    committed: () => {
      ctx.logger.info({ runId: m.run_id, chatId: m.chat_id, seq: m.seq, stop, stopped }, 'chat read before a message shows a takeover: run stopped');
      if (stopped) {
        cc.onStop?.(stop);
      }
    },
  };
}

/**
 * A run's curation (channel, curation, version), read once per run for the
 * chat reads before its messages: those columns are written with the run and
 * never changed. A curation with no chat-read stops reads no chat, so nothing
 * made the chat's check fresh and its run was read before every message
 * (0.73 reads per delivered message end to end, issue 21). At most `max`
 * runs are kept, the oldest dropped first; a run not found is not kept.
 */
class RunRefs {
  private readonly kept = new Map<string, RunRef>();
  constructor(private readonly max = 2_000) {}

  async of(runId: string, read: () => Promise<RunRef | undefined>): Promise<RunRef | undefined> {
    const hit = this.kept.get(runId);
    if (hit) return hit;
    const run = await read();
    if (run === undefined) return undefined;
    if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(runId, run);
    return run;
  }
}

/** The one rule (settleFailure): transient and younger than SEND_MAX_AGE counted from the first attempt, back off; otherwise fail. */
function failed(
  d: SendMessageDeps,
  ctx: JobContext,
  m: ClaimedMessage,
  err: unknown,
  startedAt: number,
  latencyMs: number,
  attempt: (status: number | null, errorKind: AttemptErrorKind | null, reason: string | null, latencyMs: number) => AttemptRecord,
): JobOutcome {
  const { logger } = ctx;
  const ids = { runId: m.run_id, chatId: m.chat_id, seq: m.seq, requestId: m.request_id };
  const now = ctx.now();
  const age = now - (m.first_attempt_at ?? startedAt);
  const settled = settleFailure(err, { ageMs: age, maxAgeMs: d.sendMaxAgeMs, attempts: m.attempts + 1, now, random: d.random ?? Math.random });
  const status = isChannelTalkError(err) ? (err.status ?? null) : null;
  const unavailable = err instanceof ChannelTalkUnavailableError ? err.reason : null;
  const fail = (reason: string) => ({
    write: (trx: Parameters<typeof markFailedTx>[0]) =>
      markFailedTx(
        trx,
        m,
        reason,
        now,
        d.timing,
        unavailable !== null
          ? attempt(status, 'unavailable', unavailable, latencyMs)
          : attempt(status, err instanceof ChannelTalkRejectedError ? 'rejected' : 'invalid', reason, latencyMs),
        wordsFor(settled, reason),
      ),
    committed: () => {
      logger.error({ ...ids, status, reason }, 'message failed');
      d.onAttempt?.('failed', status, latencyMs);
    },
  });
  // Both outcomes are logged here, with the message's ids: the runner's own line goes to debug.
  if ('retryAt' in settled) {
    return {
      kind: 'retry',
      at: settled.retryAt,
      reason: settled.note,
      logged: true,
      write: async (trx, final) => {
        // The engine sets no limit of its own for sends, so the retry asked for is the one applied.
        if (final.kind === 'retry') await markRetryTx(trx, m, final.at, settled.note, now, d.timing, attempt(status, 'unavailable', unavailable, latencyMs));
        else await fail(final.kind === 'fail' ? final.reason : settled.note).write(trx);
      },
      committed: (final) => {
        if (final.kind !== 'retry') return fail(final.kind === 'fail' ? final.reason : settled.note).committed();
        logger.warn({ ...ids, reason: unavailable, status, retryInMs: settled.retryAt - now, attempt: m.attempts + 1 }, 'message send will be retried');
        d.onAttempt?.('retry', status, latencyMs);
      },
    };
  }
  const reason = isChannelTalkError(err) ? settled.fail : `could not be sent: ${settled.fail}`;
  return { kind: 'fail', reason, logged: true, ...fail(reason) };
}

/** The sendMessage kind as the service registers it: its share of the slots, the chat read before each message, and its metrics. */
export const sendMessageKind = (c: KindContext) =>
  sendMessageHandler({
    db: c.store.db,
    clientFor: c.clientFor,
    timing: c.config.timing,
    sendMaxAgeMs: c.config.sendMaxAgeMs,
    leaseMs: c.leaseMs,
    // With several channels each may use half of the send slots, so one channel's outage or rate limit never takes them all.
    perChannel: c.channels.channels.length > 1 ? Math.max(2, Math.floor(c.sendSlots / 2)) : c.sendSlots,
    maxInFlight: c.sendSlots,
    instanceId: c.instanceId,
    onAttempt: (outcome, status, latencyMs) => c.metrics.sendAttempt(outcome, status, latencyMs / 1000),
    chatCheck: {
      maxAgeMs: c.config.takeoverCheckMs,
      stopsOf: stopsByVersion(async (run) => (await c.curationOfRun(run))?.takeover.onChatRead),
      keepOn: (channelId, stop) => (c.curationsFor(channelId)?.curations ?? []).filter((x) => !x.takeover.onChatRead.includes(stop)).map((x) => x.id),
      onRead: (outcome) => c.metrics.chatRead(outcome),
      onStop: (stop) => c.metrics.chatReadStop(stop),
    },
  });
