// The service's parts that start before any work: the channels (clients and
// curations), the database, this instance's identity. Each logs what it did
// and fails with what to fix.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ChannelRegistry } from '../channel-registry.js';
import { Store } from '../delivery/store/store.js';
import { describeDatabaseUrl } from '../delivery/store/connect.js';
import { holdInstanceId } from '../delivery/store/instance-lock.js';
import { instanceBase } from '../instance-identity.js';

export class StartupError extends Error {}

export async function openChannels(config: Config, logger: Logger, fetchImpl?: typeof fetch): Promise<ChannelRegistry> {
  const opened = await ChannelRegistry.open(config.channels, {
    apiUrl: config.channelTalk.apiUrl,
    timeoutMs: config.channelTalk.timeoutMs,
    logger,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
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
  return channels;
}

export async function openStore(config: Config, logger: Logger, signal?: AbortSignal): Promise<Store> {
  const store = await Store.open(config.databaseUrl, {
    ...config.timing,
    onMigration: (p) =>
      p.phase === 'start'
        ? logger.info({ migration: p.migration }, 'database migration running')
        : logger.info({ migration: p.migration, ms: p.ms }, 'database migration applied'),
    log: logger.child({ component: 'database' }),
    // Started before the database (a reboot, a failover): wait for it rather than exit into a crash loop.
    waitForDatabase: {
      maxMs: config.databaseWaitMs,
      ...(signal ? { signal } : {}),
      onWait: (w) =>
        logger.warn({ database: describeDatabaseUrl(config.databaseUrl), code: w.code, attempt: w.attempt, retryInMs: w.retryInMs, waitedMs: w.waitedMs }, 'waiting for the database: it cannot be reached'),
    },
  });
  logger.info({ database: store.describe }, 'database ready');
  return store;
}

export interface Identity {
  id: string;
  /** Resolves when the service must stop: its identity was taken by another process while the database was away. */
  failed: Promise<string>;
  close(): Promise<void>;
}

/** An identity that outlives the process: the claims a killed process left are this one's to release at once. */
export async function holdIdentity(store: Store, config: Config, logger: Logger): Promise<Identity> {
  let lost: (reason: string) => void = () => {};
  const failed = new Promise<string>((resolve) => (lost = resolve));
  const held = await holdInstanceId(store, instanceBase(config.instanceId, config.stateDir, logger), { log: logger, onLost: (reason) => lost(reason) });
  if (config.instanceId !== undefined && held.id !== config.instanceId) {
    logger.warn({ configured: config.instanceId, instanceId: held.id }, 'INSTANCE_ID is held by another running process; this one takes the next free identity');
  }
  return { id: held.id, failed, close: () => held.close() };
}
