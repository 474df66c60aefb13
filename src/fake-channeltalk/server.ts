// A stand-in for Channel Talk's Open API v5, over real HTTP, for tests and
// local trials: it validates what the real API validates, records what it
// accepted, and can misbehave on request (faults, rate limits).
import Fastify, { type FastifyServerOptions } from 'fastify';
import { Credentials, type FakeCredential } from './auth.js';
import { registerControl } from './control.js';
import { registerOpenApi } from './open-api.js';
import { StallRegistry } from './respond.js';
import { FakeState } from './state.js';

export interface FakeOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  accessKey: string;
  accessSecret: string;
  channelId?: string;
  /** More channels, each with its own key pair. */
  credentials?: FakeCredential[];
  logger?: FastifyServerOptions['logger'];
  /** The token of every webhook created through the API (WebhookRegistry.fixedToken); default random. */
  webhookToken?: string;
}

export interface FakeChannelTalk {
  /** Base URL for the client (it appends /open/v5). */
  url: string;
  port: number;
  state: FakeState;
  close(): Promise<void>;
}

export const DEFAULT_FAKE_CHANNEL_ID = '95334';

export async function startFakeChannelTalk(opts: FakeOptions): Promise<FakeChannelTalk> {
  const state = new FakeState();
  if (opts.webhookToken !== undefined) state.webhooks.fixedToken = opts.webhookToken;
  const stalls = new StallRegistry();
  const credentials = new Credentials([
    { accessKey: opts.accessKey, accessSecret: opts.accessSecret, channelId: opts.channelId ?? DEFAULT_FAKE_CHANNEL_ID },
    ...(opts.credentials ?? []),
  ]);

  // Connections held open by clients (keep-alive, stalled requests) must not keep close() waiting.
  const app = Fastify({ logger: opts.logger ?? false, forceCloseConnections: true });

  // The client always sends content-type: application/json, also on bodiless PATCHes.
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void jsonParser(req, text, done);
  });

  await app.register(
    (scope, _opts, done) => {
      registerOpenApi(scope, { state, stalls, credentials });
      done();
    },
    { prefix: '/open/v5' },
  );
  await app.register(
    (scope, _opts, done) => {
      registerControl(scope, state);
      done();
    },
    { prefix: '/_fake' },
  );

  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('fake channeltalk: no TCP address');
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    state,
    close: async () => {
      stalls.cancelAll();
      await app.close();
    },
  };
}
