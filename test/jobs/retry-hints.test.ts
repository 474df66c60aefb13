// The server's wait hints in the durable retry, for every job kind that
// calls Channel Talk (send, profile fetch, profile write-back, user event):
// one 429 with `Retry-After: 999999999` (or 400 digits) must not park the
// work for decades; the work fails now, with a reason that says so. A hint
// that fits in what is left of the maximum age is honoured. A reset from
// `x-ratelimit-reset` far ahead (a skewed clock) is a bounded wait. No due
// time in the store is ever Infinity or NaN. A real store (SQLite, and
// PostgreSQL when TEST_DATABASE_URL is set), an injected clock, and a
// stand-in Channel Talk that answers 429 on one endpoint only.
import { fromSet } from '../support/curation-of.js';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { intake } from '../support/intake.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import type { CurationSet } from '../../src/curation/index.js';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { JobRunner, type Schedule } from '../../src/jobs/runner.js';
import { sendMessageHandler } from '../../src/jobs/handlers/send-message.js';
import { planRunHandler } from '../../src/jobs/handlers/plan-run.js';
import { writeBackHandler } from '../../src/jobs/handlers/write-back.js';
import { userEventHandler } from '../../src/jobs/handlers/user-event.js';
import { loadPack } from '../curation/helpers.js';
import { freshDatabases } from '../support/databases.js';
import { planOf } from '../support/plans.js';
import { eventually } from '../support/processes.js';

const DB_KINDS = await freshDatabases();
const CHANNEL = '95334';
const MAX_AGE_MS = 60 * 60_000;
const T0 = 1_750_000_000_000;

type Kind = 'sendMessage' | 'planRun' | 'writeBack' | 'userEvent';

/** The one request each kind makes that the stand-in answers 429. */
const THROTTLED: Record<Kind, RegExp> = {
  sendMessage: /^POST \/open\/v5\/user-chats\/[^/]+\/messages$/,
  planRun: /^GET \/open\/v5\/users\/[^/]+$/,
  writeBack: /^PATCH \/open\/v5\/users\/[^/]+$/,
  userEvent: /^POST \/open\/v5\/users\/[^/]+\/events$/,
};

function opened(chatId: string): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: CHANNEL, chatId, userId: `u-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

/** Channel Talk answering 429 with `hint` on the requests `throttled` matches, and what a real answer looks like to the rest. */
function channelTalk(throttled: RegExp, hint: Record<string, string>) {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const call = `${init?.method ?? 'GET'} ${url.pathname}`;
    calls.push(call);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } }));
    if (throttled.test(call)) return json(429, { message: 'too many requests' }, hint);
    const userId = /\/users\/([^/]+)/.exec(url.pathname)?.[1] ?? 'u';
    if (call.endsWith('/messages')) return json(200, { message: { id: `m-${calls.length}` } });
    if (call.endsWith('/events')) return json(200, call.startsWith('GET') ? { events: [] } : { event: { id: 'ev-1', name: 'curationCompleted', createdAt: T0 } });
    return json(200, { user: { id: userId, name: 'Hong', profile: {}, language: 'ko' } });
  };
  return { calls, client: new ChannelTalkClient({ baseUrl: 'http://channeltalk.invalid', accessKey: 'k', accessSecret: 's', fetch: fetchImpl, timeoutMs: 5_000, now: () => T0 }) };
}

function runnerFor(store: Store, client: ChannelTalkClient, pack: CurationSet) {
  const settled: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const noTimers: Schedule = () => () => {};
  const common = { db: store.db, clientFor: () => client, leaseMs: 30_000 };
  const runner = new JobRunner({
    db: store.db,
    ops: new JobOps(store.db, store.dialect),
    owner: 'test',
    logger,
    now: () => T0,
    random: () => 0.5,
    schedule: noTimers,
    onSettled: (kind, outcome) => settled.push(`${kind}:${outcome}`),
    handlers: [
      sendMessageHandler({ ...common, timing: chatTiming(1), sendMaxAgeMs: MAX_AGE_MS, instanceId: 'test', random: () => 0.5 }),
      planRunHandler({ ...common, curationOf: fromSet(pack), timing: chatTiming(1), maxAgeMs: MAX_AGE_MS, random: () => 0.5 }),
      writeBackHandler({ ...common, maxAgeMs: MAX_AGE_MS, random: () => 0.5 }),
      userEventHandler({ ...common, maxAgeMs: MAX_AGE_MS }),
    ],
  });
  return { runner, settled, lines };
}

/** Makes the work whose first Channel Talk call for `kind` is the throttled one; returns its run id. */
async function workFor(store: Store, kind: Kind, chatId: string): Promise<string> {
  const runId = `r-${chatId}`;
  const base = { eventId: `e-${chatId}`, event: opened(chatId), receivedAt: T0 - 1_000, takeover: false };
  const candidate = { runId, curationId: 'c', oncePerChat: false, cooldownMs: null };
  switch (kind) {
    case 'sendMessage':
      await intake(store, { ...base, candidates: [{ ...candidate, plan: planOf(runId, [0, 0]) }] });
      break;
    case 'planRun':
      // No profile in the delivery: planning fetches the user first.
      await intake(store, { ...base, candidates: [{ ...candidate, curationId: 'diet-main', plan: null }] });
      break;
    case 'writeBack':
      // The send goes through; the run's write-back is the throttled call.
      await intake(store, { ...base, candidates: [{ ...candidate, plan: planOf(runId, [0]), writeBack: { x: 'goal' } }] });
      break;
    case 'userEvent':
      await intake(store, { ...base, candidates: [{ ...candidate, plan: { ...planOf(runId, []), userEvent: { name: 'curationCompleted' } } }] });
      break;
  }
  return runId;
}

const ABSURD: Array<{ name: string; hint: Record<string, string> }> = [
  { name: 'Retry-After: 999999999', hint: { 'retry-after': '999999999' } },
  { name: 'a 400-digit Retry-After', hint: { 'retry-after': '9'.repeat(400) } },
];

const KINDS: Kind[] = ['sendMessage', 'planRun', 'writeBack', 'userEvent'];

for (const db of DB_KINDS) {
  describe(`wait hints in the durable retry, on ${db.name}`, () => {
    let store: Store;
    let pack: CurationSet;
    before(async () => {
      store = await Store.open(db.url, { delayScale: 1 });
      pack = await loadPack();
    });
    after(async () => {
      await store.close();
    });

    async function runUntil(client: ChannelTalkClient, done: (settled: string[]) => boolean, what: string) {
      const r = runnerFor(store, client, pack);
      r.runner.start();
      try {
        await eventually(() => done(r.settled) || undefined, 10_000, what);
      } finally {
        await r.runner.stop(1_000);
      }
      return r;
    }

    async function dueTimes(): Promise<number[]> {
      return (await store.db.selectFrom('jobs').select('run_at').execute()).map((j) => Number(j.run_at));
    }

    for (const { name, hint } of ABSURD) {
      for (const kind of KINDS) {
        test(`${kind}: one 429 with ${name} fails the work now, saying why; no due time lies past the maximum age`, async () => {
          await store.db.deleteFrom('jobs').execute();
          const chatId = `${kind}-${name.length}-${db.name}`;
          const { client, calls } = channelTalk(THROTTLED[kind], hint);
          const runId = await workFor(store, kind, chatId);
          const r = await runUntil(client, (s) => s.includes(`${kind}:fail`) || (kind === 'planRun' && s.includes('planRun:done')), `the ${kind} job to settle`);
          assert.equal(calls.filter((c) => THROTTLED[kind].test(c)).length, 1, 'one attempt, no later one scheduled');
          const reason = /^rate_limited 429: Channel Talk asked to wait 30 d, more than the 60 min left of the maximum age$/;
          switch (kind) {
            case 'sendMessage': {
              const m = await store.db.selectFrom('messages').select(['state', 'reason']).where('run_id', '=', runId).where('seq', '=', 0).executeTakeFirstOrThrow();
              assert.equal(m.state, 'failed');
              assert.match(m.reason ?? '', reason);
              const run = await store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirstOrThrow();
              assert.equal(run.state, 'failed', 'the chat is free for its next messages');
              break;
            }
            case 'planRun': {
              // A profile that cannot be had in time: planned without it (the curation's fallback), as past the maximum age.
              const run = await store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirstOrThrow();
              assert.notEqual(run.state, 'planning');
              const line = r.lines.find((l) => l.msg === 'could not fetch the profile; planning without it');
              assert.match(String(line?.reason), reason);
              break;
            }
            case 'writeBack': {
              const run = await store.db.selectFrom('runs').select(['writeback_state', 'reason']).where('id', '=', runId).executeTakeFirstOrThrow();
              assert.equal(run.writeback_state, 'failed');
              assert.match(run.reason ?? '', /asked to wait 30 d, more than the 60 min left of the maximum age/);
              break;
            }
            case 'userEvent': {
              const job = await store.db.selectFrom('jobs').select(['state', 'last_error']).where('key', '=', `userEvent:${runId}`).executeTakeFirstOrThrow();
              assert.equal(job.state, 'failed');
              assert.match(job.last_error ?? '', reason);
              break;
            }
          }
          for (const at of await dueTimes()) assert.ok(Number.isFinite(at) && at <= T0 + MAX_AGE_MS, `due time ${at}`);
        });
      }
    }

    for (const kind of KINDS) {
      test(`${kind}: a Retry-After that fits in what is left of the maximum age is the wait`, async () => {
        await store.db.deleteFrom('jobs').execute();
        const { client } = channelTalk(THROTTLED[kind], { 'retry-after': '120' });
        await workFor(store, kind, `${kind}-fits-${db.name}`);
        await runUntil(client, (s) => s.includes(`${kind}:retry`), `the ${kind} job to be rescheduled`);
        const job = await store.db.selectFrom('jobs').select(['state', 'run_at']).where('kind', '=', kind).executeTakeFirstOrThrow();
        assert.equal(job.state, 'pending');
        assert.equal(Number(job.run_at), T0 + 120_000);
      });

      test(`${kind}: an x-ratelimit-reset two hours ahead (a skewed clock) is a wait of at most a minute`, async () => {
        await store.db.deleteFrom('jobs').execute();
        const { client } = channelTalk(THROTTLED[kind], { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String((T0 + 2 * 3_600_000) / 1000) });
        await workFor(store, kind, `${kind}-skew-${db.name}`);
        await runUntil(client, (s) => s.includes(`${kind}:retry`), `the ${kind} job to be rescheduled`);
        const job = await store.db.selectFrom('jobs').select(['state', 'run_at']).where('kind', '=', kind).executeTakeFirstOrThrow();
        assert.equal(job.state, 'pending');
        assert.equal(Number(job.run_at), T0 + 60_000);
      });
    }
  });
}
