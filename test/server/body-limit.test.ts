// Issue 16, item 13: the default body limit is what Channel Talk can send with
// a margin (README, "Limits on what comes in"), not 1 MB. The largest
// realistic delivery (85 KB) passes; a body over the limit gets 413 with a
// sentence that says so, and nothing is stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { DEFAULT_BODY_LIMIT_KB, loadConfig } from '../../src/config.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { largestRealisticDelivery } from '../support/largest-delivery.js';
import { MAX_DELIVERY_VALUES } from '../../src/channeltalk/body-bounds.js';
import { normalize, MalformedDeliveryError } from '../../src/channeltalk/normalize.js';
import { tempDir } from '../support/processes.js';

const TOKEN = 'body-limit-token';
let store: Store;
let app: FastifyInstance;

before(async () => {
  const logger = pino({ level: 'silent' });
  store = await Store.open(`sqlite:${path.join(tempDir(), 'body-limit.db')}`, { delayScale: 0 });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  // No bodyLimit: the app's default, which is the configuration's.
  app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels: opened.registry });
});
after(async () => {
  await app.close();
  await store.close();
});

const post = (payload: string) =>
  app.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload, headers: { 'content-type': 'application/json' } });

test('the default limit is 128 KB, in the app and in the configuration', () => {
  assert.equal(DEFAULT_BODY_LIMIT_KB, 128);
  const config = loadConfig({ CHANNELTALK_ACCESS_KEY: 'k', CHANNELTALK_ACCESS_SECRET: 's', CHANNELTALK_WEBHOOK_TOKEN: TOKEN }, tempDir());
  assert.equal(config.bodyLimitBytes, 128 * 1024);
});

test('the largest realistic delivery is accepted and stored', async () => {
  const body = JSON.stringify(largestRealisticDelivery('largest-chat', 'largest-msg'));
  assert.ok(Buffer.byteLength(body) > 64 * 1024, 'larger than a lower limit would take');
  const res = await post(body);
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json<{ duplicate: boolean }>().duplicate, false);
  const stored = await store.db.selectFrom('events').select('id').where('chat_id', '=', 'largest-chat').execute();
  assert.equal(stored.length, 1);
});

test('a body over the limit gets 413 with a sentence that says so, and nothing is stored', async () => {
  const body = webhookForChat('user-message-keyword', 'too-large-chat', 'too-large-msg') as { refers: { user: { profile: Record<string, unknown> } } };
  body.refers.user.profile.memo = 'x'.repeat(DEFAULT_BODY_LIMIT_KB * 1024);
  const res = await post(JSON.stringify(body));
  assert.equal(res.statusCode, 413);
  assert.deepEqual(res.json(), { ok: false, error: `the body is larger than the limit of ${DEFAULT_BODY_LIMIT_KB} KB` });
  const stored = await store.db.selectFrom('events').select('id').where('chat_id', '=', 'too-large-chat').execute();
  assert.equal(stored.length, 0);
});

test('a body of more small values than any delivery holds is 400, before it costs a parse: thousands of keys cost far more than their bytes', async () => {
  // 6,000 profile keys fit in well under 128 KB; the largest realistic delivery holds 656 values, a real one about 120.
  const body = webhookForChat('user-chat-opened', 'wide-chat') as { refers: { user: { profile: Record<string, unknown> } } };
  for (let i = 0; i < 6_000; i++) body.refers.user.profile[`k${i}`] = i;
  const text = JSON.stringify(body);
  assert.ok(Buffer.byteLength(text) < DEFAULT_BODY_LIMIT_KB * 1024);
  const res = await post(text);
  assert.equal(res.statusCode, 400, res.body.slice(0, 200));
  assert.deepEqual(res.json(), { ok: false, error: `the body holds more than ${MAX_DELIVERY_VALUES.toLocaleString('en')} values (keys and array elements)` });
  const stored = await store.db.selectFrom('events').select('id').where('chat_id', '=', 'wide-chat').execute();
  assert.equal(stored.length, 0);
  // An object that arrives already parsed (the sweep, replay) is held to the same bound.
  assert.throws(() => normalize(body), (e: unknown) => e instanceof MalformedDeliveryError && /more than 5,000 values/.test(e.message));
});
