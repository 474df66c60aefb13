// Assembles the running service from a Config: channels (clients and
// curations), store, intake, the job runner (sending, planning, write-back,
// the webhook's health and sweep), HTTP app, console and metrics. Used
// by `curation start` and by tests.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { ChannelRegistry } from './channel-registry.js';
import { Store } from './delivery/store/store.js';
import { describeDatabaseUrl } from './delivery/store/connect.js';
import { holdInstanceId } from './delivery/store/instance-lock.js';
import { listenForJobs } from './delivery/store/job-wakeups.js';
import { instanceBase } from './instance-identity.js';
import { Intake } from './delivery/intake.js';
import { buildApp } from './server/app.js';
import { registerConsole } from './server/console/index.js';
import { Metrics, registerMetrics } from './server/metrics.js';
import { DeliveryRecorder } from './server/recorder.js';
import { JobOps, stopRecurring } from './delivery/store/job-ops.js';
import { JobRunner } from './jobs/runner.js';
import { registerJobHandlers } from './jobs/registry.js';
import { planRunHandler } from './jobs/handlers/plan-run.js';
import { planEventHandler } from './jobs/handlers/plan-event.js';
import { writeBackHandler } from './jobs/handlers/write-back.js';
import { userEventHandler } from './jobs/handlers/user-event.js';
import { sendMessageHandler } from './jobs/handlers/send-message.js';
import { WebhookRuntime } from './webhook/runtime.js';
import { webhookHealthHandler, webhookHealthKey } from './jobs/handlers/webhook-health.js';
import { sweepHandler, sweepKey } from './jobs/handlers/sweep.js';
import { answerWaitHandler } from './jobs/handlers/answer-wait.js';
import { answerPollHandler } from './jobs/handlers/answer-poll.js';
import { isAnswer } from './delivery/store/answer-wait.js';
import { scheduleEvery } from './jobs/recurring.js';
import type { SweepReason } from './webhook/sweep-log.js';

export interface Service {
  app: FastifyInstance;
  /** This instance's identity (jobs.locked_by), held while it runs (instance-identity.ts). */
  instanceId: string;
  /** Resolves when the service must stop: its identity was taken by another process while the database was away. */
  failed: Promise<string>;
  store: Store;
  /** Runs every kind of timed work, sending included. */
  jobs: JobRunner;
  channels: ChannelRegistry;
  metrics: Metrics;
  /** The webhook's health check, unblock and missed-delivery sweep, per channel: plain methods for the job engine to run. */
  webhooks: WebhookRuntime;
  url: string;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

/**
 * The job runner's slots: sends take at most SEND_SLOTS at once (as many as
 * sending had before it became a job kind), each channel at most half of
 * them when there are several, and OTHER_SLOTS stay for planning, write-back
 * and the webhook's jobs however busy sending is.
 */
const SEND_SLOTS = 16;
const OTHER_SLOTS = 8;

export interface StartOptions {
  fetch?: typeof fetch;
  /** Aborted (SIGTERM during start-up): stop waiting for the database. */
  signal?: AbortSignal;
}

export async function startService(config: Config, logger: Logger, opts: StartOptions = {}): Promise<Service> {
  const opened = await ChannelRegistry.open(config.channels, {
    apiUrl: config.channelTalk.apiUrl,
    timeoutMs: config.channelTalk.timeoutMs,
    logger,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  if (!opened.ok) {
    for (const line of opened.errors) logger.error(line);
    throw new StartupError(`${opened.errors.length} error(s) in the curation files; fix them (see \`curation check\`) and start again`);
  }
  const channels = opened.registry;
  if (channels.unverified) {
    logger.warn('ALLOW_UNVERIFIED_WEBHOOKS=true: anyone who can reach this server can trigger messages. Never use this in production.');
  }
  for (const c of channels.channels) {
    logger.info({ channel: c.config.name, channelId: c.config.channelId, curations: c.curations.curations.map((x) => x.id), dir: c.config.curationsDir }, 'curations loaded');
  }

  const store = await Store.open(config.databaseUrl, {
    delayScale: config.delayScale,
    onMigration: (p) =>
      p.phase === 'start'
        ? logger.info({ migration: p.migration }, 'database migration running')
        : logger.info({ migration: p.migration, ms: p.ms }, 'database migration applied'),
    log: logger.child({ component: 'database' }),
    // Started before the database (a reboot, a failover): wait for it rather than exit into a crash loop.
    waitForDatabase: {
      maxMs: config.databaseWaitMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onWait: (w) =>
        logger.warn({ database: describeDatabaseUrl(config.databaseUrl), code: w.code, attempt: w.attempt, retryInMs: w.retryInMs, waitedMs: w.waitedMs }, 'waiting for the database: it cannot be reached'),
    },
  });
  logger.info({ database: store.describe }, 'database ready');

  const metrics = new Metrics();
  for (const c of channels.channels) {
    metrics.watchRateLimits(() => c.client.stats);
    metrics.watchRateBudgets(c.config.name, () => c.client.rateLimitBudgets());
  }

  // An identity that outlives the process: the claims a killed process left are this one's to release at once.
  let lost: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => (lost = resolve));
  const identity = await holdInstanceId(store, instanceBase(config.instanceId, config.stateDir, logger), {
    log: logger,
    onLost: (reason) => lost(reason),
  });
  const instanceId = identity.id;
  if (config.instanceId !== undefined && instanceId !== config.instanceId) {
    logger.warn({ configured: config.instanceId, instanceId }, 'INSTANCE_ID is held by another running process; this one takes the next free identity');
  }
  // The config refuses a lease that a request's timeout could outlive, and each
  // attempt's timeout is cut to end LEASE_MARGIN_MS before its lease: the lease
  // is the setting as given.
  const leaseMs = config.claimLeaseMs;
  const clientFor = (channelId: string | null) => channels.forChannelId(channelId)?.client;
  const jobOps = new JobOps(store.db, store.dialect);
  // The webhook runtime needs the intake, which needs the runner: its jobs reach it through this late binding.
  let webhookRuntime: WebhookRuntime | null = null;
  const runtime = (): WebhookRuntime => {
    if (!webhookRuntime) throw new Error('the webhook runtime is not ready yet');
    return webhookRuntime;
  };
  // Why the next sweep of a channel runs, when something brought it forward (start-up, a lifted block).
  const sweepReasons = new Map<string, SweepReason>();
  const jobs: JobRunner = new JobRunner({
    db: store.db,
    ops: jobOps,
    owner: instanceId,
    logger: logger.child({ component: 'jobs' }),
    // SQLite has one writer, this process, which wakes the runner itself; on PostgreSQL other instances' leftovers need a look now and then.
    safetyMs: store.dialect === 'postgres' ? 30_000 : null,
    // SQLite: one writer, an fsync per commit that holds the event loop; settles arriving together share one.
    batchSettles: store.dialect === 'sqlite',
    // A settle that fails for want of storage turns /healthz `failing` until one commits.
    writes: store.writes,
    concurrency: SEND_SLOTS + OTHER_SLOTS,
    handlers: registerJobHandlers({
      planEvent: planEventHandler({
        db: store.db,
        curations: (channelId) => channels.forChannelId(channelId)?.curations,
        delayScale: config.delayScale,
        leaseMs,
        onStarted: (event, outcome) => {
          // An answer's runs were started before: they go on, nothing starts.
          for (const r of isAnswer(event) ? [] : outcome.runs) {
            metrics.runStarted(r.curationId);
            if (r.state === 'skipped') metrics.runFinished('skipped');
          }
          if (outcome.cancelledRuns > 0) metrics.runFinished('cancelled', outcome.cancelledRuns);
          // The jobs it enqueued (planRun, sendMessage) need no wake-up: the runner looks again after every job it settles.
        },
      }),
      sendMessage: sendMessageHandler({
        db: store.db,
        clientFor,
        delayScale: config.delayScale,
        sendMaxAgeMs: config.sendMaxAgeMs,
        leaseMs,
        // With several channels each may use half of the send slots, so one channel's outage or rate limit never takes them all.
        perChannel: channels.channels.length > 1 ? Math.max(2, Math.floor(SEND_SLOTS / 2)) : SEND_SLOTS,
        maxInFlight: SEND_SLOTS,
        instanceId,
        onAttempt: (outcome, status, latencyMs) => metrics.sendAttempt(outcome, status, latencyMs / 1000),
        onRunFinished: (state) => metrics.runFinished(state),
        chatCheck: {
          maxAgeMs: config.takeoverCheckMs,
          stopsOf: (channelId, curationId) => channels.forChannelId(channelId)?.curations.curations.find((c) => c.id === curationId)?.takeover.onChatRead ?? [],
          keepOn: (channelId, stop) => (channels.forChannelId(channelId)?.curations.curations ?? []).filter((c) => !c.takeover.onChatRead.includes(stop)).map((c) => c.id),
          onRead: (outcome) => metrics.chatRead(outcome),
          onStop: (stop) => metrics.chatReadStop(stop),
        },
      }),
      planRun: planRunHandler({
        db: store.db,
        clientFor,
        curations: (channelId) => channels.forChannelId(channelId)?.curations,
        delayScale: config.delayScale,
        maxAgeMs: config.sendMaxAgeMs,
        leaseMs,
        onPlanned: () => jobs.wake(),
        onRunFinished: (state) => metrics.runFinished(state),
      }),
      writeBack: writeBackHandler({ db: store.db, clientFor, maxAgeMs: config.sendMaxAgeMs, leaseMs }),
      userEvent: userEventHandler({ db: store.db, clientFor, maxAgeMs: config.sendMaxAgeMs, leaseMs }),
      webhookHealth: webhookHealthHandler({
        runtime: { checkHealth: (channel) => runtime().checkHealth(channel) },
        intervalMs: config.webhook.healthIntervalMs,
        leaseMs,
      }),
      sweep: sweepHandler({
        runtime: {
          sweep: (channel, reason) => {
            const why = sweepReasons.get(channel) ?? reason;
            sweepReasons.delete(channel);
            return runtime().sweep(channel, why);
          },
          coveredUntil: (channel) => runtime().coveredUntil(channel),
          setCoveredUntil: (channel, at) => runtime().setCoveredUntil(channel, at),
          sweepCursor: (channel) => runtime().sweepCursor(channel),
          setSweepCursor: (channel, cursor) => runtime().setSweepCursor(channel, cursor),
        },
        intervalMs: config.webhook.sweepIntervalMs,
        // A sweep pages with pauses between pages: give it room beyond a request's lease.
        leaseMs: leaseMs * 4,
      }),
      answerWait: answerWaitHandler({
        db: store.db,
        curations: (channelId) => channels.forChannelId(channelId)?.curations,
        defaultWaitMs: config.answerWaitMs,
        leaseMs,
        onRunFinished: (state) => metrics.runFinished(state),
      }),
      answerPoll: answerPollHandler({
        db: store.db,
        clientFor,
        schedule: config.answerPoll,
        leaseMs,
        onRead: (outcome) => metrics.answerPoll(outcome),
      }),
    }),
  });
  if (store.dialect === 'sqlite') {
    // One process owns an SQLite file, so claims left by a previous run of it are stale now.
    await jobOps.reclaimExpired(Date.now(), Number.MAX_SAFE_INTEGER);
  } else {
    // Ours, left by a previous process of this identity (it held the identity's lock, which is ours now): stale.
    const released = await jobOps.releaseOwn(instanceId);
    if (released > 0) logger.info({ instanceId, released }, 'released the claims this instance left when its last process ended');
  }
  const intake = new Intake({
    store,
    logger,
    onWork: () => jobs.wake(),
    onOutcome: (event, outcome) => metrics.webhook(event.kind, outcome.duplicate ? 'duplicate' : outcome.status),
  });
  const webhooks = new WebhookRuntime({
    channels,
    intake,
    store,
    logger: logger.child({ component: 'webhooks' }),
    config: config.webhook,
    onSweep: (r) => metrics.sweepDone(r),
    // The sweep after a lifted block is the channel's sweep job, brought forward to now.
    onBlockLifted: (channel) => void sweepNow(channel, 'unblocked'),
  });
  webhookRuntime = webhooks;
  const sweepNow = async (channel: string, reason: SweepReason): Promise<void> => {
    try {
      sweepReasons.set(channel, reason);
      await jobOps.bringForward(sweepKey(channel), Date.now());
      jobs.wake();
    } catch (err) {
      logger.error({ channel, err: { message: err instanceof Error ? err.message : String(err) } }, 'could not bring the webhook sweep forward');
    }
  };
  metrics.watchWebhooks(webhooks.board);
  const recorder = config.recordDir
    ? new DeliveryRecorder(config.recordDir, config.recordRedact, {
        keepTexts: () => channels.allCurations().curations.flatMap((c) => c.trigger.keywords),
      })
    : undefined;
  const app = await buildApp({
    intake,
    store,
    logger,
    channels,
    bodyLimit: config.bodyLimitBytes,
    webhookRateLimitPerMinute: config.webhookRateLimitPerMinute,
    onRefused: (status) => metrics.webhook('unknown', status === 401 ? 'unauthorized' : 'malformed'),
    trustProxy: config.trustProxy,
    webhookHealth: webhooks.board,
    ...(recorder ? { recorder } : {}),
  });
  registerMetrics(app, metrics, store, config.metricsToken);
  await registerConsole(app, {
    store,
    logger,
    adminToken: config.adminToken,
    curations: () => channels.allCurations(),
    reloadCurations: () => channels.reload(),
    webhooks,
  });
  const url = await app.listen({ port: config.port, host: config.host });
  // The webhook's health check and the sweep are recurring jobs, one row per channel (the key keeps it one across instances and restarts); the sweep also runs on start.
  for (const channel of webhooks.channelNames()) {
    const now = Date.now();
    // Each follows the interval configured now; 0 ends a series a previous start began.
    if (config.webhook.healthIntervalMs > 0) {
      await scheduleEvery('webhookHealth', webhookHealthKey(channel), config.webhook.healthIntervalMs, { channel }).ensure(store.db, now);
    } else await stopRecurring(store.db, webhookHealthKey(channel));
    if (config.webhook.sweepIntervalMs > 0) {
      await jobOps.enqueue({ kind: 'sweep', key: sweepKey(channel), payload: { channel, coveredUntil: null, cursor: null }, runAt: now }, now);
      await sweepNow(channel, 'start');
    } else await stopRecurring(store.db, sweepKey(channel));
  }
  // PostgreSQL: a job another instance makes due wakes this runner at once; its timer stays the safety net.
  const wakeups = await listenForJobs(store, { wake: () => jobs.wake(), log: logger.child({ component: 'jobs' }) });
  jobs.start();
  logger.info({ url: url.replace(/\/\/(0\.0\.0\.0|\[::\])/, '//localhost'), instanceId, console: config.adminToken ? 'on' : 'off' }, 'service started');

  const prune = () => {
    const cutoff = Date.now() - config.retentionDays * 86_400_000;
    void store.prune(cutoff).then(
      (r) => (r.runs || r.events || r.jobs ? logger.info({ ...r, retentionDays: config.retentionDays }, 'pruned old runs, events and failed jobs') : undefined),
      (err: unknown) => logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'pruning failed'),
    );
  };
  const pruneTimer = setInterval(prune, 3_600_000);
  pruneTimer.unref();
  const firstPrune = setTimeout(prune, 60_000);
  firstPrune.unref();

  let stopped: Promise<void> | null = null;
  return {
    app,
    instanceId,
    failed,
    store,
    jobs,
    channels,
    metrics,
    webhooks,
    url,
    stop() {
      stopped ??= (async () => {
        clearInterval(pruneTimer);
        clearTimeout(firstPrune);
        // Stop taking webhooks first, then let jobs in flight (sends among them) finish, then close the database.
        await app.close();
        await jobs.stop(config.shutdownGraceMs);
        await wakeups?.close();
        await store.close();
        await identity.close();
        logger.info('service stopped');
      })();
      return stopped;
    },
  };
}
