// The HTTP side: the webhook routes (with the recorder when RECORD_DIR is
// set), /metrics and the console, listening on the configured port.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ChannelRegistry } from '../channel-registry.js';
import type { Intake } from '../delivery/intake.js';
import type { Store } from '../delivery/store/store.js';
import { buildApp } from '../server/app.js';
import { registerConsole } from '../server/console/index.js';
import { registerMetrics, type Metrics } from '../server/metrics.js';
import type { DeliveryRecorder } from '../server/recorder.js';
import type { WebhookRuntime } from '../webhook/runtime.js';
import type { CurationLibrary } from '../versions/library.js';
import { reloadCurations } from './curation-library.js';

export interface HttpParts {
  config: Config;
  logger: Logger;
  store: Store;
  channels: ChannelRegistry;
  library: CurationLibrary;
  intake: Intake;
  metrics: Metrics;
  webhooks: WebhookRuntime;
  /** Runs once every route is registered, just before the port opens (service.ts: the start-up collection). */
  beforeListen?: () => void;
}

/**
 * The delivery recorder (RECORD_DIR), imported only when configured: it is a
 * debugging aid, off by default, and a service without it never loads it and
 * its redaction (issue 21: memory).
 */
async function openRecorder(dir: string, redact: Config['recordRedact'], channels: ChannelRegistry): Promise<DeliveryRecorder> {
  const { DeliveryRecorder } = await import('../server/recorder.js');
  return new DeliveryRecorder(dir, redact, { keepTexts: () => channels.allCurations().curations.flatMap((c) => c.trigger.keywords) });
}

export async function startHttp(p: HttpParts): Promise<{ app: FastifyInstance; url: string }> {
  const { config, metrics } = p;
  const recorder = config.recordDir ? await openRecorder(config.recordDir, config.recordRedact, p.channels) : undefined;
  const app = await buildApp({
    intake: p.intake,
    store: p.store,
    logger: p.logger,
    channels: p.channels,
    bodyLimit: config.bodyLimitBytes,
    webhookRateLimitPerMinute: config.webhookRateLimitPerMinute,
    onRefused: (status) => metrics.webhook('unknown', status === 401 ? 'unauthorized' : 'malformed'),
    trustProxy: config.trustProxy,
    webhookHealth: p.webhooks.board,
    ...(recorder ? { recorder } : {}),
  });
  registerMetrics(app, metrics, p.store, config.metricsToken);
  await registerConsole(app, {
    store: p.store,
    logger: p.logger,
    adminToken: config.adminToken,
    curations: () => p.channels.allCurations(),
    reloadCurations: () => reloadCurations(p.channels, p.library),
    versions: {
      library: p.library,
      impactRuns: config.impactRuns,
      scopeOf: (id) => (p.channels.channels.find((c) => c.curations.byId(id)) ?? p.channels.channels[0])?.config.name ?? 'default',
    },
    webhooks: p.webhooks,
  });
  await app.ready();
  p.beforeListen?.();
  const url = await app.listen({ port: config.port, host: config.host });
  return { app, url };
}
