// The HTTP side. Routes are thin: verify the token, normalize, commit the
// event through Intake, answer. They never call Channel Talk.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import type { Logger } from 'pino';
import { normalize, MalformedDeliveryError } from '../channeltalk/normalize.js';
import type { Intake } from '../delivery/intake.js';
import type { Store } from '../delivery/store/store.js';
import { tokenMatches } from './token.js';
import { legacyBody, LegacyBodyError } from './legacy-body.js';

export interface AppDeps {
  intake: Intake;
  store: Store;
  logger: Logger;
  /** Accepted webhook tokens (several during a rotation). */
  webhookTokens: string[];
  /** Only when ALLOW_UNVERIFIED_WEBHOOKS=true and no token is set. */
  allowUnverified: boolean;
  curationCount: () => number;
  bodyLimit?: number;
  /** Webhook requests per minute per IP; 0 turns the limit off. */
  webhookRateLimitPerMinute?: number;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger and Fastify's base logger differ only in generics; without the
    // widening the instance type would not match FastifyInstance.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Fastify's own request lines would print the URL, and the URL holds the token.
    disableRequestLogging: true,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    requestTimeout: 15_000,
    connectionTimeout: 30_000,
    // A body with __proto__ or constructor.prototype keys is refused (400), not parsed.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  await app.register(formbody);
  const perMinute = deps.webhookRateLimitPerMinute ?? 0;
  if (perMinute > 0) await app.register(rateLimit, { global: false });
  const routeConfig = perMinute > 0 ? { config: { rateLimit: { max: perMinute, timeWindow: 60_000 } } } : {};

  const receive = (legacy: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const query = req.query as Record<string, unknown>;
    if (!deps.allowUnverified && !tokenMatches(query.token, deps.webhookTokens)) {
      deps.logger.warn({ route: req.routeOptions.url, ip: req.ip }, 'webhook refused: wrong or missing token');
      return reply.code(401).send({ ok: false, error: 'wrong or missing token' });
    }
    let event;
    try {
      const body = legacy ? legacyBody(req.method === 'GET' ? query : req.body) : req.body;
      event = normalize(body);
    } catch (err) {
      if (err instanceof MalformedDeliveryError || err instanceof LegacyBodyError) {
        deps.logger.warn({ route: req.routeOptions.url, reason: err.message }, 'webhook refused: malformed delivery');
        return reply.code(400).send({ ok: false, error: err.message });
      }
      throw err;
    }
    try {
      const outcome = await deps.intake.accept(event);
      return reply.code(200).send({
        ok: true,
        event: event.kind,
        status: outcome.status,
        duplicate: outcome.duplicate,
        runs: outcome.runs.map((r) => r.runId),
      });
    } catch (err) {
      // Only a storage failure lands here: say so, so Channel Talk counts a failed delivery.
      deps.logger.error({ err: { message: err instanceof Error ? err.message : String(err) }, chatId: event.chatId, kind: event.kind }, 'could not store the event');
      return reply.code(503).send({ ok: false, error: 'could not store the event; try again' });
    }
  };

  app.post('/webhooks/channeltalk', routeConfig, receive(false));
  for (const url of ['/open_userchat', '/in_userchat']) {
    app.post(url, routeConfig, receive(true));
    app.get(url, routeConfig, receive(true));
  }

  app.get('/healthz', async (_req, reply) => {
    try {
      await deps.store.ping();
      return await reply.send({ ok: true, database: deps.store.dialect, curations: deps.curationCount(), queue: await deps.store.queueDepth() });
    } catch {
      return reply.code(503).send({ ok: false, database: 'unreachable' });
    }
  });

  app.setErrorHandler((err: { statusCode?: number; message?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) deps.logger.error({ route: req.routeOptions.url, err: { message: err.message } }, 'request failed');
    // Body parser errors (bad JSON, too large, wrong content type) are the sender's to fix.
    return reply.code(status).send({ ok: false, error: status >= 500 ? 'internal error' : (err.message ?? 'bad request') });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ ok: false, error: 'not found' }));
  return app;
}
