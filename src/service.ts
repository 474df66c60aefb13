// Assembles the running service from a Config: channels, store, identity,
// job runner and every job kind (wiring/job-kinds.ts), intake, the webhook's
// runtime, HTTP (wiring/http.ts). Used by `curation start` and by tests.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { ChannelRegistry } from './channel-registry.js';
import type { Store } from './delivery/store/store.js';
import { JobOps } from './delivery/store/job-ops.js';
import { listenForJobs } from './delivery/store/job-wakeups.js';
import { Intake } from './delivery/intake.js';
import type { JobRunner } from './jobs/runner.js';
import { Metrics } from './server/metrics.js';
import { WebhookRuntime } from './webhook/runtime.js';
import { holdIdentity, openChannels, openStore } from './wiring/open-parts.js';
import { newRunner, scheduleChannelJobs, SEND_SLOTS, startPruning, sweepStarter } from './wiring/work.js';
import { kindContext } from './wiring/kind-context.js';
import { jobHandlers } from './wiring/job-kinds.js';
import { startHttp } from './wiring/http.js';
import { openLibrary } from './wiring/curation-library.js';
import { collectStartupGarbage } from './wiring/settle-heap.js';

export { StartupError } from './wiring/open-parts.js';

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

export interface StartOptions {
  fetch?: typeof fetch;
  /** Aborted (SIGTERM during start-up): stop waiting for the database. */
  signal?: AbortSignal;
  /**
   * The process runs this service alone (`curation start`): once start-up is
   * done, before the port opens, one memory-reducing garbage collection
   * (wiring/settle-heap.ts). Tests that start services in their own process leave it off.
   */
  settleHeap?: boolean;
}

export async function startService(config: Config, logger: Logger, opts: StartOptions = {}): Promise<Service> {
  const channels = await openChannels(config, logger, opts.fetch);
  const store = await openStore(config, logger, opts.signal);
  const library = await openLibrary(store, channels, logger);
  const metrics = new Metrics();
  for (const c of channels.channels) {
    metrics.watchRateLimits(() => c.client.stats);
    metrics.watchRateBudgets(c.config.name, () => c.client.rateLimitBudgets());
  }
  const identity = await holdIdentity(store, config, logger);
  const jobOps = new JobOps(store.db, store.dialect);
  // Made first, its handlers registered once the parts they need exist: the intake and the webhook runtime wake it.
  const jobs = await newRunner(store, jobOps, identity.id, logger, metrics);
  const wake = () => jobs.wake();
  const sweepNow = sweepStarter(jobOps, wake, logger);
  const intake = new Intake({
    store,
    logger,
    onWork: wake,
    onOutcome: (event, outcome) => {
      metrics.webhook(event.kind, outcome.duplicate ? 'duplicate' : outcome.status);
      // Started or stopped in the webhook's own commit: counted as a job's settle's transitions are (wiring/work.ts).
      for (const e of outcome.runTransitions ?? []) metrics.runTransition(e);
    },
    onLost: (event) => metrics.webhook(event.kind, 'lost'),
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
  metrics.watchWebhooks(webhooks.board);
  jobs.register(jobHandlers(kindContext({ config, store, channels, metrics, webhooks, instanceId: identity.id, leaseMs: config.claimLeaseMs, sendSlots: SEND_SLOTS, wake, library })));
  const beforeListen = opts.settleHeap ? { beforeListen: collectStartupGarbage } : {};
  const { app, url } = await startHttp({ config, logger, store, channels, library, intake, metrics, webhooks, ...beforeListen });
  await scheduleChannelJobs(config, store, jobOps, webhooks.channelNames(), sweepNow);
  // PostgreSQL: a job another instance makes due wakes this runner at once; its timer stays the safety net.
  const wakeups = await listenForJobs(store, { wake, log: logger.child({ component: 'jobs' }) });
  jobs.start();
  logger.info({ url: url.replace(/\/\/(0\.0\.0\.0|\[::\])/, '//localhost'), instanceId: identity.id, console: config.adminToken ? 'on' : 'off' }, 'service started');
  const stopPruning = startPruning(store, config.retentionDays, logger, config.auditRetentionDays);
  const stopWatching = library.watch();

  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      stopPruning();
      stopWatching();
      // Stop taking webhooks first, then let jobs in flight (sends among them) finish, then close the database.
      await app.close();
      await jobs.stop(config.shutdownGraceMs);
      await wakeups?.close();
      await store.close();
      await identity.close();
      logger.info('service stopped');
    })());
  return { app, instanceId: identity.id, failed: identity.failed, store, jobs, channels, metrics, webhooks, url, stop };
}
