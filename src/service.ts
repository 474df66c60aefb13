// Assembles the running service from a Config: store, curations, Channel Talk
// client, intake, dispatcher, HTTP app. Used by `curation start` and by tests.
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { ChannelTalkClient } from './channeltalk/client.js';
import { loadCurations, formatLoadError, type CurationSet } from './curation/index.js';
import { Store } from './delivery/store/store.js';
import { Intake } from './delivery/intake.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { buildApp } from './server/app.js';

export interface Service {
  app: FastifyInstance;
  store: Store;
  dispatcher: Dispatcher;
  url: string;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

export async function startService(config: Config, logger: Logger, opts: { fetch?: typeof fetch } = {}): Promise<Service> {
  if (config.allowUnverifiedWebhooks && config.webhookTokens.length === 0) {
    logger.warn('ALLOW_UNVERIFIED_WEBHOOKS=true: anyone who can reach this server can trigger messages. Never use this in production.');
  }
  const loaded = await loadCurations(config.curationsDir);
  if (!loaded.ok) {
    for (const e of loaded.errors) logger.error({ file: e.file, line: e.line, path: e.path }, formatLoadError(e));
    throw new StartupError(`${loaded.errors.length} error(s) in the curation files of ${config.curationsDir}; fix them (see \`curation check\`) and start again`);
  }
  const curations: CurationSet = loaded.set;
  logger.info({ curations: curations.curations.map((c) => c.id), dir: config.curationsDir }, 'curations loaded');

  const store = await Store.open(config.databaseUrl, { delayScale: config.delayScale });
  logger.info({ database: store.describe }, 'database ready');

  const client = new ChannelTalkClient({
    baseUrl: config.channelTalk.apiUrl,
    accessKey: config.channelTalk.accessKey,
    accessSecret: config.channelTalk.accessSecret,
    botName: config.channelTalk.botName,
    timeoutMs: config.channelTalk.timeoutMs,
    logger: logger.child({ component: 'channeltalk' }),
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });

  const instanceId = config.instanceId ?? `${hostname()}:${process.pid}`;
  const dispatcher = new Dispatcher({
    ops: store.dispatch,
    clientFor: () => client,
    curations: () => curations,
    logger: logger.child({ component: 'dispatcher' }),
    delayScale: config.delayScale,
    instanceId,
    sendMaxAgeMs: config.sendMaxAgeMs,
    leaseMs: Math.max(config.claimLeaseMs, config.channelTalk.timeoutMs * 2),
  });
  if (store.dialect === 'sqlite') {
    // One process owns an SQLite file, so claims left by a previous run of it are stale now.
    await store.dispatch.reclaimExpired(Date.now(), Number.MAX_SAFE_INTEGER);
  }
  const intake = new Intake({ store, curations: () => curations, logger, onWork: () => dispatcher.wake() });
  const app = await buildApp({
    intake,
    store,
    logger,
    webhookTokens: config.webhookTokens,
    allowUnverified: config.allowUnverifiedWebhooks && config.webhookTokens.length === 0,
    curationCount: () => curations.curations.length,
    bodyLimit: config.bodyLimitBytes,
    webhookRateLimitPerMinute: config.webhookRateLimitPerMinute,
  });
  const url = await app.listen({ port: config.port, host: config.host });
  dispatcher.start();
  logger.info({ url: url.replace(/\/\/(0\.0\.0\.0|\[::\])/, '//localhost'), instanceId }, 'service started');

  const prune = () => {
    const cutoff = Date.now() - config.retentionDays * 86_400_000;
    void store.prune(cutoff).then(
      (r) => (r.runs || r.events ? logger.info({ ...r, retentionDays: config.retentionDays }, 'pruned old runs and events') : undefined),
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
    store,
    dispatcher,
    url,
    stop() {
      stopped ??= (async () => {
        // Stop taking webhooks first, then let sends in flight finish, then close the database.
        clearInterval(pruneTimer);
        clearTimeout(firstPrune);
        await app.close();
        await dispatcher.stop(config.shutdownGraceMs);
        await store.close();
        logger.info('service stopped');
      })();
      return stopped;
    },
  };
}
