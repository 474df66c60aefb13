// The webhook routes in-process (Fastify inject) over a real SQLite store and
// the shipped curations: verification, parsing, hardening, property tests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { normalize, MalformedDeliveryError } from '../../src/channeltalk/normalize.js';
import { ROOT, webhook, webhookForChat } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

const TOKEN = 'route-test-token';
let store: Store;
let app: FastifyInstance;

async function makeApp(extra: { webhookRateLimitPerMinute?: number; bodyLimit?: number } = {}): Promise<FastifyInstance> {
  const logger = pino({ level: 'silent' });
  const intake = new Intake({ store, logger });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN, 'previous-token'], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  return buildApp({ intake, store, logger, channels: opened.registry, ...extra });
}

before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir(), 'routes.db')}`, { delayScale: 0 });
  app = await makeApp();
});
after(async () => {
  await app.close();
  await store.close();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

describe('webhook route', () => {
  test('401 without the token, with a wrong one; both rotated tokens accepted', async () => {
    const body = webhookForChat('bot-message', 'route-token-chat');
    assert.equal((await post('/webhooks/channeltalk', body)).statusCode, 401);
    assert.equal((await post('/webhooks/channeltalk?token=nope', body)).statusCode, 401);
    assert.equal((await post(`/webhooks/channeltalk?token=${TOKEN}`, body)).statusCode, 200);
    assert.equal((await post('/webhooks/channeltalk?token=previous-token', body)).statusCode, 200);
  });

  test('a chat opened is stored with its run before the 200', async () => {
    const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, webhookForChat('user-chat-opened', 'route-open-chat'));
    assert.equal(res.statusCode, 200);
    const json = res.json<{ event: string; status: string; runs: string[] }>();
    assert.equal(json.event, 'chatOpened');
    assert.equal(json.status, 'acted');
    assert.equal(json.runs.length, 1);
    const run = await store.db.selectFrom('runs').selectAll().where('id', '=', json.runs[0]!).executeTakeFirstOrThrow();
    assert.equal(run.curation_id, 'diet-main');
    const msgs = await store.db.selectFrom('messages').select(['seq', 'state']).where('run_id', '=', run.id).orderBy('seq').execute();
    assert.ok(msgs.length >= 10);
    assert.equal(msgs[0]!.state, 'pending');
    assert.ok(msgs.slice(1).every((m) => m.state === 'waiting'));
  });

  test("the stored event keeps neither the profile nor the customer's words", async () => {
    const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, webhookForChat('user-message-keyword', 'route-privacy-chat', 'route-privacy-msg'));
    assert.equal(res.statusCode, 200);
    const ev = await store.db.selectFrom('events').selectAll().where('dedupe_key', '=', 'userMessage:route-privacy-msg').executeTakeFirstOrThrow();
    for (const needle of ['선물', '72.5', '홍길동', '+821000000000']) assert.ok(!ev.summary_json.includes(needle), `events.summary_json holds ${needle}`);
    assert.match(ev.summary_json, /"textLength":2/);
  });

  test('both envelope readings are accepted', async () => {
    const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, webhookForChat('user-chat-opened.scope-shape', 'route-scope-chat'));
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ event: string }>().event, 'chatOpened');
  });

  test('malformed bodies get 400 with a reason', async () => {
    const bad = await post(`/webhooks/channeltalk?token=${TOKEN}`, '{"event":');
    assert.equal(bad.statusCode, 400);
    const noEntity = await post(`/webhooks/channeltalk?token=${TOKEN}`, { event: 'push', type: 'message' });
    assert.equal(noEntity.statusCode, 400);
    assert.match(noEntity.json<{ error: string }>().error, /entity/);
    const text = await app.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload: 'hello', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.statusCode, 400);
  });

  test('prototype pollution is refused and pollutes nothing', async () => {
    const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, '{"event":"push","type":"message","entity":{"__proto__":{"polluted":1}}}');
    assert.equal(res.statusCode, 400);
    const res2 = await post(`/webhooks/channeltalk?token=${TOKEN}`, '{"event":"push","type":"message","entity":{"constructor":{"prototype":{"polluted":1}}}}');
    assert.equal(res2.statusCode, 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a body over the size limit gets 413', async () => {
    const small = await makeApp({ bodyLimit: 2048 });
    try {
      const big = { ...webhook('bot-message'), padding: 'x'.repeat(5000) };
      const res = await small.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload: JSON.stringify(big), headers: { 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 413);
    } finally {
      await small.close();
    }
  });

  test('per-IP rate limiting, when configured', async () => {
    const limited = await makeApp({ webhookRateLimitPerMinute: 3 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await limited.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload: JSON.stringify(webhookForChat('bot-message', `rl-${i}`, `rl-msg-${i}`)), headers: { 'content-type': 'application/json' } });
        codes.push(res.statusCode);
      }
      assert.deepEqual(codes, [200, 200, 200, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  test('an event we do not act on is 200 and recorded as ignored', async () => {
    const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, { event: 'push', type: 'user', entity: { id: 'lead-1' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ status: string }>().status, 'ignored');
    const ev = await store.db.selectFrom('events').selectAll().where('dedupe_key', '=', 'ignored:user:lead-1').executeTakeFirstOrThrow();
    assert.equal(ev.status, 'ignored');
    assert.ok(ev.reason);
  });

  test('a repeated delivery is answered 200 as a duplicate', async () => {
    const body = webhookForChat('user-chat-opened', 'route-dup-chat');
    const first = await post(`/webhooks/channeltalk?token=${TOKEN}`, body);
    const second = await post(`/webhooks/channeltalk?token=${TOKEN}`, body);
    assert.equal(first.json<{ duplicate: boolean }>().duplicate, false);
    assert.equal(second.json<{ duplicate: boolean }>().duplicate, true);
  });

  test('healthz', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ ok: boolean }>().ok, true);
  });
});

// Arbitrary JSON, and envelopes that look almost right.
const jsonValue = fc.jsonValue({ maxDepth: 4 });
const almostEnvelope = fc.record(
  {
    event: fc.oneof(fc.constantFrom('push', 'userChat.opened', 'message.created.userChat', 'message.created.teamChat'), fc.string()),
    type: fc.oneof(fc.constantFrom('message', 'Message', 'userChat', 'UserChat', 'user'), fc.string(), fc.integer()),
    entity: fc.oneof(
      fc.record(
        {
          id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
          chatId: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
          chatType: fc.oneof(fc.constantFrom('userChat', 'group'), fc.string()),
          personType: fc.oneof(fc.constantFrom('user', 'manager', 'bot'), fc.string()),
          state: fc.oneof(fc.constantFrom('opened', 'closed', 'assigned'), fc.string()),
          tags: fc.oneof(fc.array(fc.string()), jsonValue),
          plainText: fc.oneof(fc.string(), jsonValue),
          source: jsonValue,
        },
        { requiredKeys: [] },
      ),
      jsonValue,
    ),
    refers: fc.oneof(jsonValue, fc.record({ user: fc.record({ id: fc.string(), profile: fc.dictionary(fc.string(), jsonValue) }, { requiredKeys: [] }) }, { requiredKeys: [] })),
  },
  { requiredKeys: [] },
);

describe('property: random and malformed envelopes', () => {
  test('normalize returns an Event or throws MalformedDeliveryError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(jsonValue, almostEnvelope), (body) => {
        try {
          const e = normalize(body);
          assert.equal(typeof e.kind, 'string');
          assert.equal(typeof e.dedupeKey, 'string');
        } catch (err) {
          assert.ok(err instanceof MalformedDeliveryError, `unexpected ${String(err)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('the route answers 200 or 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonValue, almostEnvelope, fc.string()), async (body) => {
        const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, typeof body === 'string' ? body : JSON.stringify(body));
        assert.ok(res.statusCode === 200 || (res.statusCode >= 400 && res.statusCode < 500), `status ${res.statusCode} for ${JSON.stringify(body).slice(0, 200)}`);
      }),
      { numRuns: 300 },
    );
  });
});
