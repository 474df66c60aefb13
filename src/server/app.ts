// The HTTP side. Routes are thin: verify the token, normalize, commit the
// event through Intake, answer. They never call Channel Talk.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import type { Logger } from 'pino';
import { normalize, MalformedDeliveryError } from '../channeltalk/normalize.js';
import type { Event } from '../channeltalk/event.js';
import { storageError, type Intake } from '../delivery/intake.js';
import type { Store } from '../delivery/store/store.js';
import { DatabaseBusyError } from '../delivery/store/busy.js';
import { DatabaseUnavailableError } from '../delivery/store/unavailable.js';
import type { ChannelRegistry } from '../channel-registry.js';
import type { DeliveryRecorder } from './recorder.js';
import { legacyBody, LegacyBodyError } from './legacy-body.js';
import { jsonTextOutOfBounds } from '../channeltalk/body-bounds.js';
import { parsePlainJson } from './json-body.js';
import { lazyRequestLogger } from './request-logger.js';
import { RefusalLog, type Schedule } from './refusal-log.js';
import { registerHealth } from './health-route.js';
import { lazySchemaCompilers } from './lazy-schema-compilers.js';
import { DEFAULT_BODY_LIMIT_KB, type TrustProxy } from '../config.js';
import type { WebhookHealthBoard } from '../webhook/health-board.js';

export interface AppDeps {
  intake: Intake;
  store: Store;
  logger: Logger;
  /** Which channel a webhook token belongs to, and that channel's curations. */
  channels: ChannelRegistry;
  bodyLimit?: number;
  /** Webhook requests per minute per IP; 0 turns the limit off. */
  webhookRateLimitPerMinute?: number;
  /** When set, every delivery that passed the token check is also written to a file, for replay. */
  recorder?: DeliveryRecorder;
  /** Observer for refused deliveries (401, 400), for metrics. */
  onRefused?: (status: number) => void;
  /** Which proxies' X-Forwarded-* headers are believed (TRUST_PROXY); none by default. */
  trustProxy?: TrustProxy;
  /** The latest webhook health per channel, shown in /healthz. */
  webhookHealth?: WebhookHealthBoard;
  /** The clock of the 401 log summaries; tests move it by hand. */
  now?: () => number;
  schedule?: Schedule;
}

/**
 * Fastify 5 ignores a bare hop count (it would also trust a client that
 * reaches the service directly), so the count is given as the function it
 * stands for; README says to use it only when the proxies are the only way in.
 */
function fastifyTrustProxy(t: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof t === 'number' ? (_address, hop) => hop < t : t;
}

// The route pattern, never req.url: the URL carries the token.
const routeOf = (req: FastifyRequest) => req.routeOptions.url ?? 'unknown route';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT_KB * 1024;
  const app = Fastify({
    // pino's Logger and Fastify's base logger differ only in generics; without the
    // widening the instance type would not match FastifyInstance.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Fastify's own request lines would print the URL, and the URL holds the token.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is made when Fastify writes a line through it, not for every request (request-logger.ts).
    childLoggerFactory: lazyRequestLogger,
    bodyLimit,
    requestTimeout: 15_000,
    connectionTimeout: 30_000,
    // A body with __proto__ or constructor.prototype keys is refused (400), not parsed.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Off unless configured: believed blindly, X-Forwarded-For would let any client pick its address.
    trustProxy: fastifyTrustProxy(deps.trustProxy ?? false),
    // ajv and fast-json-stringify load when a route with a schema needs them, not at start (issue 21).
    schemaController: { compilersFactory: lazySchemaCompilers() },
  });
  await app.register(formbody);
  refuseOutOfBoundsJson(app);
  const perMinute = deps.webhookRateLimitPerMinute ?? 0;
  // Loaded only when configured: off by default, and then never needed.
  if (perMinute > 0) await app.register((await import('@fastify/rate-limit')).default, { global: false });
  const routeConfig = perMinute > 0 ? { config: { rateLimit: { max: perMinute, timeWindow: 60_000 } } } : {};
  const clock = { ...(deps.now ? { now: deps.now } : {}), ...(deps.schedule ? { schedule: deps.schedule } : {}) };
  const wrongToken = new RefusalLog({ logger: deps.logger, message: 'webhook refused: wrong or missing token', what: 'webhook requests refused (wrong or missing token)', ...clock });
  const otherChannel = new RefusalLog({ logger: deps.logger, message: 'webhook refused: the token belongs to another channel', what: 'webhook requests refused (token of another channel)', ...clock });
  app.addHook('onClose', (_app, done) => {
    wrongToken.flush();
    otherChannel.flush();
    done();
  });

  const receive = (legacy: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const query = req.query as Record<string, unknown>;
    const unverified = deps.channels.unverified;
    const candidates = unverified ? [unverified] : deps.channels.byToken(query.token);
    if (candidates.length === 0) {
      deps.onRefused?.(401);
      wrongToken.refused(routeOf(req), req.ip);
      return reply.code(401).send({ ok: false, error: 'wrong or missing token' });
    }
    const raw = req.method === 'GET' ? query : req.body;
    if (deps.recorder) {
      // Recording is a debugging aid: its failure must never fail the webhook.
      deps.recorder.record(req.routeOptions.url ?? req.url, query, raw).catch((err: unknown) =>
        deps.logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'could not record the delivery'),
      );
    }
    let event: Event;
    try {
      const body = legacy ? legacyBody(raw) : raw;
      event = normalize(body, { bounded: typeof body === 'object' && body !== null && boundedBodies.has(body) });
    } catch (err) {
      // Only a body that is not a delivery at all gets 400. One we cannot act on is an
      // `ignored` event (2xx): Channel Talk blocks a webhook after 100 failures in a row.
      if (err instanceof MalformedDeliveryError || err instanceof LegacyBodyError) {
        deps.logger.warn({ route: req.routeOptions.url, reason: err.message }, 'webhook refused: malformed delivery');
        deps.onRefused?.(400);
        return reply.code(400).send({ ok: false, error: err.message });
      }
      throw err;
    }
    if (event.kind === 'ignored' && event.unusable) {
      deps.logger.warn({ route: req.routeOptions.url, reason: event.reason, chatId: event.chatId, channelId: event.channelId }, 'webhook ignored: the delivery cannot be acted on');
    }
    // The token names the channel; a delivery that says it is from another channel is refused.
    const channel =
      candidates.find((c) => c.config.channelId !== null && c.config.channelId === event.channelId) ??
      candidates.find((c) => c.config.channelId === null) ??
      (event.channelId === null && candidates.length === 1 ? candidates[0] : undefined);
    if (!channel) {
      deps.onRefused?.(401);
      otherChannel.refused(routeOf(req), req.ip, { channelId: event.channelId });
      return reply.code(401).send({ ok: false, error: 'the token does not belong to the channel of this delivery' });
    }
    if (event.channelId === null) event = { ...event, channelId: channel.config.channelId };
    try {
      const outcome = await deps.intake.receive(event, channel.curations);
      return reply.code(200).send({
        ok: true,
        event: event.kind,
        status: outcome.status,
        // Not known when the answer did not wait for the commit (nothing acts on the event).
        ...(outcome.duplicate === null ? {} : { duplicate: outcome.duplicate }),
        runs: outcome.runs.map((r) => r.runId),
        ...(outcome.status === 'ignored' && outcome.reason ? { reason: outcome.reason } : {}),
      });
    } catch (err) {
      // Only a storage failure lands here: say so, so Channel Talk counts a failed delivery and delivers it again.
      const busy = err instanceof DatabaseBusyError;
      const fields = { err: storageError(err), chatId: event.chatId, kind: event.kind };
      if (err instanceof DatabaseUnavailableError) {
        // The outage is logged once (store/pg-link.ts), not once per delivery it refuses.
        deps.logger.debug(fields, 'could not store the event: database unreachable');
        return reply.code(503).send({ ok: false, error: 'database unreachable; try again' });
      }
      if (busy) deps.logger.warn(fields, 'could not store the event: database busy');
      else deps.logger.error(fields, 'could not store the event');
      return reply.code(503).send({ ok: false, error: busy ? 'database busy; try again' : 'could not store the event; try again' });
    }
  };

  app.post('/webhooks/channeltalk', routeConfig, receive(false));
  for (const url of ['/open_userchat', '/in_userchat']) {
    app.post(url, routeConfig, receive(true));
    app.get(url, routeConfig, receive(true));
  }

  registerHealth(app, { store: deps.store, channels: deps.channels, webhookHealth: deps.webhookHealth });

  const tooLarge = `the body is larger than the limit of ${Math.round(bodyLimit / 1024)} KB`;
  app.setErrorHandler((err: { statusCode?: number; message?: string; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) deps.logger.error({ route: req.routeOptions.url, err: { message: err.message } }, 'request failed');
    // Body parser errors (bad JSON, too large, wrong content type) are the sender's to fix.
    const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? tooLarge : (err.message ?? 'bad request');
    return reply.code(status).send({ ok: false, error: status >= 500 ? 'internal error' : message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ ok: false, error: 'not found' }));
  return app;
}

/**
 * Fastify's own JSON parser (secure-json-parse, with the poisoning checks
 * above; JSON.parse alone for a text it could find nothing in, json-body.ts), after a pass over the text that refuses a body nested deeper or
 * holding more values than a delivery ever does (body-bounds.ts): 400,
 * before it costs a parse or anything could recurse into it.
 */
function refuseOutOfBoundsJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const outOfBounds = jsonTextOutOfBounds(text);
    if (outOfBounds !== null) {
      done(Object.assign(new Error(outOfBounds), { statusCode: 400 }), undefined);
      return;
    }
    const bounded = (parsed: unknown) => {
      if (parsed !== null && typeof parsed === 'object') boundedBodies.add(parsed);
    };
    const plain = parsePlainJson(text);
    if (plain !== null) {
      bounded(plain.value);
      done(null, plain.value);
      return;
    }
    void parse(req, text, (err, parsed: unknown) => {
      if (!err) bounded(parsed);
      done(err, parsed);
    });
  });
}

/**
 * Bodies parsed from JSON text that jsonTextOutOfBounds passed: the text's
 * depth and count bound the parsed value at least as tightly as normalize()'s
 * walk over it would, so that walk (about 6 % of an ignored delivery) is left
 * out for them. Form bodies and old-URL fields are not in it: they are walked.
 */
const boundedBodies = new WeakSet<object>();
