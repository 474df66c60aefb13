// Issue 16, item 14: a delivery nested absurdly deep is the sender's mistake,
// so it is 400 with a clear reason and nothing is stored. Before, a profile
// nested 10,000 deep got 503 "could not store the event" and an entity nested
// 100,000 deep 500: Channel Talk counts both toward blocking the webhook.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { MAX_DELIVERY_DEPTH } from '../../src/channeltalk/body-bounds.js';
import { normalize, MalformedDeliveryError } from '../../src/channeltalk/normalize.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

const TOKEN = 'nesting-token';
let store: Store;
let app: FastifyInstance;

before(async () => {
  const logger = pino({ level: 'silent' });
  store = await Store.open(`sqlite:${path.join(tempDir(), 'nesting.db')}`, { delayScale: 0 });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  // A body limit an operator might have raised (BODY_LIMIT_KB): the 100,000-deep entity is 600 KB of
  // JSON and 1.3 MB as a form field, which the default limit alone would refuse (413) before its depth.
  app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels: opened.registry, bodyLimit: 4 * 1024 * 1024 });
});
after(async () => {
  await app.close();
  await store.close();
});

/** `{"a":{"a":…1…}}`, `depth` objects deep, written as text: JSON.stringify itself would overflow the stack. */
function nestedText(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** The fixture's JSON with `"<key>":<placeholder>` replaced by a nested value. */
function withNested(chatId: string, where: 'profile' | 'entity', depth: number): string {
  const body = webhookForChat('user-chat-opened', chatId) as { entity: Record<string, unknown>; refers: { user: { profile: Record<string, unknown> } } };
  if (where === 'profile') body.refers.user.profile.deep = '__DEEP__';
  else body.entity.deep = '__DEEP__';
  return JSON.stringify(body).replace('"__DEEP__"', nestedText(depth));
}

const events = async () => (await store.db.selectFrom('events').select('id').execute()).length;

const post = (url: string, payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

test('a profile nested 10,000 deep and an entity nested 100,000 deep get 400 with the reason, and nothing is stored', async () => {
  const stored = await events();
  for (const [chat, where, depth] of [['deep-profile-chat', 'profile', 10_000], ['deep-entity-chat', 'entity', 100_000]] as const) {
    const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, withNested(chat, where, depth));
    assert.equal(res.statusCode, 400, `${where} ${depth} deep: ${res.body.slice(0, 200)}`);
    assert.equal(res.json<{ ok: boolean }>().ok, false);
    assert.match(res.json<{ error: string }>().error, new RegExp(`nested deeper than ${MAX_DELIVERY_DEPTH} levels`));
  }
  assert.equal(await events(), stored, 'nothing stored');
  // The old URLs too, where the nested parts come as JSON text in a form field.
  const form = new URLSearchParams({ payload: withNested('deep-legacy-chat', 'profile', 10_000) }).toString();
  const legacy = await post(`/open_userchat?token=${TOKEN}`, form, 'application/x-www-form-urlencoded');
  assert.equal(legacy.statusCode, 400, legacy.body.slice(0, 200));
  assert.match(legacy.json<{ error: string }>().error, /nested deeper than/);
  const field = new URLSearchParams({ event: 'push', type: 'userChat', entity: nestedText(100_000) }).toString();
  const legacyEntity = await post(`/in_userchat?token=${TOKEN}`, field, 'application/x-www-form-urlencoded');
  assert.equal(legacyEntity.statusCode, 400, legacyEntity.body.slice(0, 200));
  assert.equal(await events(), stored, 'nothing stored');
});

test('the deepest nesting allowed is accepted: a profile value as deep as the limit leaves', async () => {
  // body > refers > user > profile > deep is 5 levels of objects; the rest may nest up to the limit.
  const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, withNested('deep-ok-chat', 'profile', MAX_DELIVERY_DEPTH - 4));
  assert.equal(res.statusCode, 200, res.body);
  const over = await post(`/webhooks/channeltalk?token=${TOKEN}`, withNested('deep-over-chat', 'profile', MAX_DELIVERY_DEPTH - 3));
  assert.equal(over.statusCode, 400, over.body);
});

test('normalize refuses a body nested too deep, without recursing into it (the sweep and replay call it with objects)', () => {
  let deep: Record<string, unknown> = { id: 'x' };
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  const body = { event: 'push', type: 'userChat', entity: { id: 'deep-object-chat', state: 'opened', deep } };
  assert.throws(() => normalize(body), (e: unknown) => e instanceof MalformedDeliveryError && /nested deeper than/.test(e.message));
});

test('a form post to the JSON route is still counted as an object (only JSON text checked before parsing skips the walk): 6,000 fields get 400', async () => {
  const stored = await events();
  const form = new URLSearchParams({ event: 'push', type: 'message', entity: '{}' });
  for (let i = 0; i < 6_000; i++) form.append(`f${i}`, '1');
  const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, form.toString(), 'application/x-www-form-urlencoded');
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json<{ error: string }>().error, /more than 5,000 values/);
  assert.equal(await events(), stored);
});
