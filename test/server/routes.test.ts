// The webhook routes in-process (Fastify inject) over a real SQLite store and
// the shipped curations: verification, parsing, hardening, property tests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { normalize, MalformedDeliveryError } from '../../src/channeltalk/normalize.js';
import { ROOT, webhook, webhookForChat } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';
import { FakeClock } from '../console/fake-clock.js';
import { planQueued } from '../support/plan-events.js';

const TOKEN = 'route-test-token';
let store: Store;
let app: FastifyInstance;
let registry: ChannelRegistry;

interface AppExtra {
  webhookRateLimitPerMinute?: number;
  bodyLimit?: number;
  logger?: Logger;
  now?: () => number;
  schedule?: (fn: () => void, ms: number) => () => void;
  onRefused?: (status: number) => void;
  /** The one channel's id; null (the default) accepts deliveries of any channel. */
  channelId?: string | null;
}

async function makeApp({ logger = pino({ level: 'silent' }), channelId = null, ...extra }: AppExtra = {}): Promise<FastifyInstance> {
  const intake = new Intake({ store, logger });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN, 'previous-token'], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  registry = opened.registry;
  return buildApp({ intake, store, logger, channels: opened.registry, ...extra });
}

/** A logger that keeps its lines, parsed. */
function memoryLogger(): { logger: Logger; lines: Array<{ level: number; msg: string } & Record<string, unknown>> } {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
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

  test('a token scan: the first 401 is logged, then one summary a minute with route counts; every 401 is counted', async () => {
    const clock = new FakeClock();
    const { logger, lines } = memoryLogger();
    const refused: number[] = [];
    const scanned = await makeApp({ logger, now: clock.now, schedule: clock.schedule, onRefused: (s) => refused.push(s) });
    try {
      const body = JSON.stringify(webhookForChat('bot-message', 'route-scan-chat'));
      const hit = async (url: string, method: 'GET' | 'POST' = 'POST') =>
        assert.equal((await scanned.inject({ method, url, payload: method === 'POST' ? body : undefined, headers: { 'content-type': 'application/json' }, remoteAddress: `10.1.0.${refused.length % 250}` })).statusCode, 401);
      for (let i = 0; i < 300; i++) await hit(`/webhooks/channeltalk?token=scan-guess-${i}`);
      for (let i = 0; i < 40; i++) await hit(`/open_userchat?token=scan-guess-${i}`, 'GET');
      await hit('/in_userchat');
      const single = lines.filter((l) => l.msg === 'webhook refused: wrong or missing token');
      assert.equal(single.length, 1, 'one line for the first refusal');
      assert.equal(single[0]!.level, 40);
      assert.equal(single[0]!.route, '/webhooks/channeltalk');
      assert.equal(lines.length, 1, 'nothing else yet');

      clock.advance(60_000);
      assert.equal(lines.length, 2);
      const summary = lines[1]!;
      assert.equal(summary.level, 40);
      assert.equal(summary.msg, '340 webhook requests refused (wrong or missing token) in the last 60 s');
      assert.equal(summary.refused, 340);
      assert.deepEqual(summary.routes, { '/webhooks/channeltalk': 299, '/open_userchat': 40, '/in_userchat': 1 });
      assert.equal(summary.addresses, 250, 'how many addresses, never which');
      assert.ok(!JSON.stringify(lines).includes('scan-guess'), 'no token in any line');
      assert.ok(!JSON.stringify(summary).includes('10.1.0.'), 'no address in the summary');
      assert.deepEqual(refused, Array.from({ length: 341 }, () => 401), 'the metric counts every one');

      clock.advance(10_000);
      for (let i = 0; i < 5; i++) await hit(`/webhooks/channeltalk?token=scan-again-${i}`);
      assert.equal(lines.length, 2, 'within a minute of the summary: counted, not logged');
      clock.advance(50_000);
      assert.equal(lines.length, 3);
      assert.equal(lines[2]!.msg, '5 webhook requests refused (wrong or missing token) in the last 60 s');

      clock.advance(120_000);
      assert.equal(lines.length, 3, 'a quiet minute writes nothing');
      await hit('/webhooks/channeltalk?token=later');
      assert.equal(lines.length, 4);
      assert.equal(lines[3]!.msg, 'webhook refused: wrong or missing token', 'after a quiet minute the next refusal has its own line again');
      assert.equal(clock.pendingTimers, 0, 'no timer waits when nothing is pending');
    } finally {
      await scanned.close();
    }
  });

  test("a token of another channel's deliveries: 401, counted, and its lines summarised the same way", async () => {
    const clock = new FakeClock();
    const { logger, lines } = memoryLogger();
    const refused: number[] = [];
    const other = await makeApp({ logger, channelId: '11111', now: clock.now, schedule: clock.schedule, onRefused: (s) => refused.push(s) });
    try {
      // The fixture is a delivery of channel 95334; this token is channel 11111's.
      for (let i = 0; i < 20; i++) {
        const res = await other.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload: webhookForChat('bot-message', `route-other-${i}`, `route-other-msg-${i}`) });
        assert.equal(res.statusCode, 401);
      }
      assert.deepEqual(refused, Array.from({ length: 20 }, () => 401));
      assert.equal(lines.filter((l) => l.msg === 'webhook refused: the token belongs to another channel').length, 1);
      clock.advance(60_000);
      const summary = lines.at(-1)!;
      assert.equal(summary.msg, '19 webhook requests refused (token of another channel) in the last 60 s');
      assert.ok(!JSON.stringify(lines).includes(TOKEN));
    } finally {
      await other.close();
    }
  });

  test('closing the app writes what is still pending, and leaves no timer', async () => {
    const clock = new FakeClock();
    const { logger, lines } = memoryLogger();
    const closing = await makeApp({ logger, now: clock.now, schedule: clock.schedule });
    for (let i = 0; i < 3; i++) await closing.inject({ method: 'POST', url: '/webhooks/channeltalk?token=x', payload: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(clock.pendingTimers, 1);
    await closing.close();
    assert.equal(lines.at(-1)!.msg, '2 webhook requests refused (wrong or missing token) in the last 0 s');
    assert.equal(clock.pendingTimers, 0);
  });

  test('a chat opened is started in the commit that stores it, before the 200: its run and messages, no planEvent job', async () => {
    const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, webhookForChat('user-chat-opened', 'route-open-chat'));
    assert.equal(res.statusCode, 200);
    const json = res.json<{ event: string; status: string; runs: string[] }>();
    assert.equal(json.event, 'chatOpened');
    assert.equal(json.status, 'acted');
    assert.equal(json.runs.length, 1);
    const ev = await store.db.selectFrom('events').selectAll().where('dedupe_key', '=', '95334/chatOpened:route-open-chat').executeTakeFirstOrThrow();
    assert.equal(ev.status, 'acted');
    assert.equal(ev.event_json, null, 'the full event (with the profile) is never stored when it is started in its commit');
    assert.equal(await store.db.selectFrom('jobs').select('id').where('key', '=', `planEvent:${ev.id}`).executeTakeFirst(), undefined);
    assert.equal(await planQueued(store, registry), 0, 'no job is left to plan it');
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
    const ev = await store.db.selectFrom('events').selectAll().where('dedupe_key', '=', '95334/userMessage:route-privacy-msg').executeTakeFirstOrThrow();
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

  test('prototype pollution spelled with \\u escapes is refused too', async () => {
    for (const body of [
      '{"event":"push","type":"message","entity":{"\\u005f_proto__":{"polluted":1}}}',
      '{"event":"push","type":"message","entity":{"__pro\\u0074o__":{"polluted":1}}}',
      '{"event":"push","type":"message","entity":{"\\u0063onstructor":{"prototype":{"polluted":1}}}}',
    ]) {
      const res = await post(`/webhooks/channeltalk?token=${TOKEN}`, body);
      assert.equal(res.statusCode, 400, body);
      assert.equal(res.json<{ error: string }>().error, 'Body is not valid JSON but content-type is set to \'application/json\'');
    }
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
    // Nothing acts on it, so it was answered before its commit.
    await store.recorded();
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

// Issue 10: every fixture through the route, each on a fresh store, for the
// HTTP status and the decision (acted, ignored, takeover). The curations are
// the shipped ones plus one that names a workflow.
const WORKFLOW_CURATION = `id: workflow-welcome
defaultLanguage: ko
trigger:
  on: chatOpened
  workflows:
    - { id: '58120', sections: [p9x1Qe] }
messages:
  - text: 반가워요
`;

function fixtureCurationsDir(): string {
  const dir = tempDir();
  for (const f of ['diet-main.yaml', 'diet-gift.yaml']) copyFileSync(path.join(ROOT, 'curations', f), path.join(dir, f));
  writeFileSync(path.join(dir, 'workflow-welcome.yaml'), WORKFLOW_CURATION);
  return dir;
}

interface Fresh {
  store: Store;
  app: FastifyInstance;
  logs: Array<Record<string, unknown>>;
  /** Runs the planEvent jobs the deliveries queued, as the service's job runner would. */
  plan(): Promise<number>;
  close(): Promise<void>;
}

async function freshApp(curationsDir: string): Promise<Fresh> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const s = await Store.open(`sqlite:${path.join(tempDir(), 'fixture.db')}`, { delayScale: 0 });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN], botName: undefined, curationsDir }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok, opened.ok ? '' : opened.errors.join('\n'));
  const a = await buildApp({ intake: new Intake({ store: s, logger }), store: s, logger, channels: opened.registry });
  return {
    store: s,
    app: a,
    logs,
    plan: () => planQueued(s, opened.registry),
    close: async () => {
      await a.close();
      await s.close();
    },
  };
}

interface Answer {
  ok: boolean;
  event: string;
  status: string;
  reason?: string;
  duplicate: boolean;
  runs: string[];
}

const deliver = (a: FastifyInstance, body: unknown, url = '/webhooks/channeltalk') =>
  a.inject({ method: 'POST', url: `${url}?token=${TOKEN}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('every webhook fixture through the route', () => {
  let dir: string;
  before(() => {
    dir = fixtureCurationsDir();
  });

  // [fixture, event kind, event status once planned, curations started, reason of an ignored one]
  // A chat's event that acts is answered with what its own commit did; an answer (a profile change) is `queued` for its job.
  const cases: Array<[string, string, string, string[], RegExp?]> = [
    ['user-chat-opened', 'chatOpened', 'acted', ['diet-main']],
    ['user-chat-opened.scope-shape', 'chatOpened', 'acted', ['diet-main']],
    ['user-chat-opened.workflow', 'chatOpened', 'acted', ['workflow-welcome']],
    ['user-chat-opened.legacy', 'chatOpened', 'acted', ['diet-main']],
    ['user-chat-updated.assigned', 'chatAssigned', 'no_match', [], /takeover with no running sequence/],
    ['user-message-keyword', 'userMessage', 'acted', ['diet-gift']],
    ['user-message.scope-shape', 'userMessage', 'acted', ['diet-gift']],
    ['user-message.legacy', 'userMessage', 'acted', ['diet-gift']],
    ['manager-message', 'managerMessage', 'no_match', [], /takeover with no running sequence/],
    ['bot-message', 'botMessage', 'no_match', []],
    ['team-chat-message', 'ignored', 'ignored', [], /message\.created\.teamChat/],
    // A profile change may answer a run that asked in the chat (issue 12); none waits here.
    ['lead-upserted-contact', 'profileChanged', 'no_match', []],
    ['lead-upserted-subscription', 'ignored', 'ignored', [], /lead\.upserted\.subscription/],
    ['lead-deleted', 'ignored', 'ignored', [], /lead\.deleted/],
    ['member-upserted-contact', 'profileChanged', 'no_match', []],
    ['rec-message-form-submitted', 'profileChanged', 'no_match', []],
    ['member-upserted-subscription', 'ignored', 'ignored', [], /member\.upserted\.subscription/],
    ['member-deleted', 'ignored', 'ignored', [], /member\.deleted/],
    ['message-without-id', 'ignored', 'ignored', [], /entity\.id: a message needs an id/],
    ['user-chat-opened.dotdot-id', 'ignored', 'ignored', [], /entity\.id: must be an id/],
    ['user-message.dot-chat-id', 'ignored', 'ignored', [], /entity\.chatId: must be an id/],
  ];
  test('an answer that finds no waiting run is stored as no match, with the reason, without the profile or the form values', async () => {
    for (const name of ['member-upserted-contact', 'lead-upserted-contact', 'rec-message-form-submitted']) {
      const f = await freshApp(dir);
      try {
        assert.equal((await deliver(f.app, webhook(name))).statusCode, 200);
        assert.equal(await f.plan(), 1, 'an answer is planned as a job (it may resume a waiting run)');
        const [e] = await f.store.db.selectFrom('events').selectAll().execute();
        assert.equal(e?.kind, 'profileChanged');
        assert.equal(e?.event_json, null, 'the full event, with the profile, is gone once planned');
        assert.equal(e?.reason, 'no run waits for an answer of this customer');
        for (const needle of ['"profile"', '+821000000000', '64.2', '010-2345-6789', '1987-04-12']) assert.ok(!e?.summary_json.includes(needle), `${name} stored ${needle}`);
      } finally {
        await f.close();
      }
    }
  });

  for (const [name, kind, status, curations, reason] of cases) {
    test(`${name}: 200, ${kind}, ${status}${curations.length ? `, starts ${curations.join(', ')}` : ''}`, async () => {
      const f = await freshApp(dir);
      try {
        const res = await deliver(f.app, webhook(name));
        assert.equal(res.statusCode, 200, res.body);
        const json = res.json<Answer>();
        assert.equal(json.event, kind);
        // A chat's event is started (or its takeover done) in its own commit; an answer goes to its job: it may resume a waiting run.
        const viaJob = kind === 'profileChanged';
        assert.equal(json.status, viaJob ? 'queued' : status);
        assert.equal(await f.plan(), viaJob ? 1 : 0, 'a planEvent job exactly for an answer');
        const runs = await f.store.db.selectFrom('runs').select(['curation_id', 'chat_id']).execute();
        assert.deepEqual(runs.map((r) => r.curation_id).sort(), curations);
        assert.equal(json.runs.length, curations.length);
        const events = await f.store.db.selectFrom('events').selectAll().execute();
        assert.equal(events.length, 1, 'the delivery is stored as one event');
        assert.equal(events[0]!.status, status);
        if (reason) {
          if (status === 'ignored') assert.match(json.reason ?? '', reason, 'an ignored delivery is answered with its reason');
          assert.match(events[0]!.reason ?? '', reason);
          for (const needle of ['"weight"', '"profile"', '+821000000000']) assert.ok(!events[0]!.summary_json.includes(needle), `stored ${needle}`);
        }
        for (const r of runs) assert.match(r.chat_id, /^[A-Za-z0-9_-]{1,64}$/);
      } finally {
        await f.close();
      }
    });
  }

  test('an update of an assigned chat takes over the running sequence; the diet sequence does not go on', async () => {
    const f = await freshApp(dir);
    try {
      const chatId = '6a1b2c3d4e5f60718302';
      const opened = JSON.parse(JSON.stringify(webhookForChat('user-chat-opened', chatId)).split('5f0e1d2c3b4a59687706').join('5f0e1d2c3b4a59687712')) as unknown;
      const first = (await deliver(f.app, opened)).json<Answer>();
      assert.equal(first.status, 'acted');
      assert.equal(first.runs.length, 1);
      // Each started or stopped in its own commit, in the order they came.
      const res = await deliver(f.app, webhook('user-chat-updated.assigned'));
      assert.equal(res.statusCode, 200);
      const json = res.json<Answer>();
      assert.equal(json.event, 'chatAssigned');
      assert.equal(json.status, 'acted');
      assert.deepEqual(json.runs, [], 'an update starts nothing');
      assert.equal(await f.plan(), 0);
      const takeover = await f.store.db.selectFrom('events').select('status').where('kind', '=', 'chatAssigned').executeTakeFirstOrThrow();
      assert.equal(takeover.status, 'acted', 'the takeover cancelled a run');
      const run = await f.store.db.selectFrom('runs').select(['state', 'reason']).where('id', '=', first.runs[0]!).executeTakeFirstOrThrow();
      assert.equal(run.state, 'cancelled');
      assert.match(run.reason ?? '', /chatAssigned/);
      const live = await f.store.db.selectFrom('messages').select('seq').where('run_id', '=', first.runs[0]!).where('state', 'in', ['waiting', 'pending']).execute();
      assert.deepEqual(live, []);
    } finally {
      await f.close();
    }
  });

  test('an update of an opened chat without an assignee is 200 ignored and starts nothing', async () => {
    const f = await freshApp(dir);
    try {
      const body = webhook('user-chat-updated.assigned');
      const { assigneeId: _a, managerIds: _m, ...entity } = body.entity as Record<string, unknown>;
      const res = await deliver(f.app, { ...body, entity });
      assert.equal(res.statusCode, 200);
      const json = res.json<Answer>();
      assert.equal(json.status, 'ignored');
      assert.match(json.reason ?? '', /not a new chat/);
      assert.deepEqual(await f.store.db.selectFrom('runs').select('id').execute(), []);
    } finally {
      await f.close();
    }
  });

  test('a delivery we cannot act on is logged as a warning with its reason and ids only; a repeat is a duplicate', async () => {
    const f = await freshApp(dir);
    try {
      const body = webhook('message-without-id');
      assert.equal((await deliver(f.app, body)).statusCode, 200);
      assert.equal((await deliver(f.app, body)).statusCode, 200);
      // Nothing acts on it, so both were answered before their commits; the log line after each says which was a repeat.
      await f.store.recorded();
      const received = f.logs.filter((l) => l.msg === 'event received').map((l) => l.duplicate);
      assert.deepEqual(received, [false, true], 'keyed by the body: the same delivery again is recognised');
      assert.equal((await f.store.db.selectFrom('events').select('id').execute()).length, 1, 'and stored once');
      const warn = f.logs.find((l) => l.level === 40 && /ignored/.test(String(l.msg)));
      assert.ok(warn, JSON.stringify(f.logs));
      assert.match(String(warn.reason), /entity\.id/);
      const text = JSON.stringify(f.logs);
      for (const needle of ['강바다', '안녕하세요', '+821000000000', '"weight"']) assert.ok(!text.includes(needle), `logged ${needle}`);
    } finally {
      await f.close();
    }
  });

  test('the legacy URLs answer the same: a form post of a message without id is 200 ignored; a field that is not JSON is 400', async () => {
    const f = await freshApp(dir);
    try {
      const body = webhook('message-without-id');
      const form = new URLSearchParams({ event: 'push', type: 'message', entity: JSON.stringify(body.entity), refers: JSON.stringify(body.refers) });
      const ok = await f.app.inject({ method: 'POST', url: `/open_userchat?token=${TOKEN}`, payload: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json<Answer>().status, 'ignored');
      const broken = new URLSearchParams({ event: 'push', type: 'message', entity: '{"id":' });
      const bad = await f.app.inject({ method: 'POST', url: `/open_userchat?token=${TOKEN}`, payload: broken.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(bad.statusCode, 400);
    } finally {
      await f.close();
    }
  });
});
