// Issue 21 (memory): Fastify builds its JSON-schema compilers (ajv for
// validation, fast-json-stringify for responses; about 110 module files) when
// an instance is made, yet no route of the service declares a schema. The app
// loads them on first use instead: none at start (only fast-json-stringify's
// small runtime, which Fastify's error serializer uses), and a route with a schema
// still validates its body and serializes its answer exactly as before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { ROOT } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

let store: Store;
let app: FastifyInstance;
let channels: ChannelRegistry;
const logger = pino({ level: 'silent' });

/** Whether a package's files are in the CommonJS cache (Fastify and its compilers are CommonJS). */
const loaded = (pkg: string) => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes(`${path.sep}${path.join('node_modules', pkg)}${path.sep}`));

before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir(), 'lazy-schema.db')}`, { delayScale: 0 });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: ['t'], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  channels = opened.registry;
  app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels });
});
after(async () => {
  await app.close();
  await store.close();
});

test('the app is built and answers a webhook without loading ajv or fast-json-stringify', async () => {
  await app.ready();
  const res = await app.inject({ method: 'POST', url: '/webhooks/channeltalk?token=wrong', payload: {} });
  assert.equal(res.statusCode, 401);
  assert.equal(loaded('fastify'), true, 'the check itself must see CommonJS packages');
  assert.equal(loaded('ajv'), false);
  assert.equal(loaded('@fastify/ajv-compiler'), false);
  // fast-json-stringify's small runtime serializes Fastify's errors; its compiler comes with the selector below.
  assert.equal(loaded('@fastify/fast-json-stringify-compiler'), false);
});

test('a route with a schema still validates its body (400 with the reason) and serializes its answer by the schema', async () => {
  const scoped = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels });
  try {
    scoped.post(
      '/probe',
      {
        schema: {
          body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
        },
      },
      (req) => ({ n: (req.body as { n: number }).n, extra: 'dropped by the response schema' }),
    );
    const bad = await scoped.inject({ method: 'POST', url: '/probe', payload: { n: 'x' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json<{ error: string }>().error, /body\/n must be integer/);
    const good = await scoped.inject({ method: 'POST', url: '/probe', payload: { n: 3 } });
    assert.equal(good.statusCode, 200);
    assert.deepEqual(good.json(), { n: 3 });
    assert.equal(loaded('@fastify/ajv-compiler'), true);
    assert.equal(loaded('@fastify/fast-json-stringify-compiler'), true);
  } finally {
    await scoped.close();
  }
});
