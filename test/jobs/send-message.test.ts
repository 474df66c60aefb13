// Sending is a job kind, on SQLite and (when available) PostgreSQL: a
// message that becomes live gets exactly one sendMessage job in the same
// transaction, a message a takeover cancelled is never sent, a transient
// failure retries until SEND_MAX_AGE counted from the first attempt, and a
// store from before sending was a job kind gets a job for every live message
// when it is migrated. An injected clock and timers, a stand-in Channel Talk.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { intake } from '../support/intake.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type UnknownRow } from 'kysely';
import type { Database } from '../../src/delivery/store/schema.js';
import pino from 'pino';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import type { ChatOpenedEvent, Event } from '../../src/channeltalk/event.js';
import { Store } from '../../src/delivery/store/store.js';
import { connect } from '../../src/delivery/store/connect.js';
import { migrateTo } from '../../src/delivery/store/migrations.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import type { IntakeItem } from '../../src/delivery/store/start-runs.js';
import { activateNextInChat } from '../../src/delivery/store/chat-queue.js';
import { JobRunner, type Schedule } from '../../src/jobs/runner.js';
import { sendMessageHandler, type ChatCheckDeps } from '../../src/jobs/handlers/send-message.js';
import { chatLane } from '../../src/delivery/lanes.js';
import { freshDatabases } from '../support/databases.js';
import { planOf } from '../support/plans.js';
import { eventually } from '../support/processes.js';
import { DatabaseUnavailableError } from '../../src/delivery/store/unavailable.js';

const DB_KINDS = await freshDatabases();

/** Counts the reads of a run's curation (chat-check-ops.ts runCuration) a Kysely instance makes. */
class RunCurationReads implements KyselyPlugin {
  reads = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    const text = JSON.stringify(args.node);
    if (args.node.kind === 'SelectQueryNode' && text.includes('"name":"runs"') && text.includes('"name":"curation_version"')) this.reads++;
    return args.node;
  }
  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
const CHANNEL = '95334';

function opened(chatId: string, n = 0): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}:${n}`, channelId: CHANNEL, chatId, userId: `u-${chatId}`, chatTags: [], supportBotId: null, profile: { name: 'A' }, language: 'ko', occurredAt: null };
}

function item(event: Event, runId: string, delays: number[], at: number): IntakeItem {
  return { eventId: `e-${event.dedupeKey}`, event, receivedAt: at, takeover: false, candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: planOf(runId, delays) }] };
}

/** A Channel Talk that answers every send with `status` and counts the requests per chat. */
function channelTalk(status: number) {
  const sent: string[] = [];
  const fetchImpl: typeof fetch = (input) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const chat = /user-chats\/([^/]+)\/messages/.exec(url)?.[1] ?? '?';
    sent.push(chat);
    const body = status === 200 ? { message: { id: `ct-${sent.length}` } } : { type: 'error', status, errors: [{ message: 'unavailable' }] };
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
  const client = new ChannelTalkClient({ baseUrl: 'http://channeltalk.invalid', accessKey: 'k', accessSecret: 's', fetch: fetchImpl, timeoutMs: 5_000 });
  return { client, sent };
}

/** The runner with the send handler, its clock in the test's hands (timers never fire by themselves). */
function sender(
  store: Store,
  client: ChannelTalkClient,
  clock: { now: number },
  sendMaxAgeMs = 60_000,
  logger: pino.Logger = pino({ level: 'silent' }),
  chatCheck?: ChatCheckDeps,
  handlerDb: Kysely<Database> = store.db,
) {
  const settled: string[] = [];
  const noTimers: Schedule = () => () => {};
  const runner = new JobRunner({
    db: store.db,
    ops: new JobOps(store.db, store.dialect),
    owner: 'test',
    logger,
    now: () => clock.now,
    random: () => 0.5,
    schedule: noTimers,
    onSettled: (kind, outcome) => settled.push(`${kind}:${outcome}`),
    handlers: [sendMessageHandler({ db: handlerDb, clientFor: () => client, timing: chatTiming(1), sendMaxAgeMs, leaseMs: 30_000, instanceId: 'test', random: () => 0.5, ...(chatCheck ? { chatCheck } : {}) })],
  });
  return { runner, settled };
}

for (const kind of DB_KINDS) {
  describe(`sendMessage jobs on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    // Each test's runner sees only that test's work.
    const clearJobs = () => store.db.deleteFrom('jobs').execute();
    const jobsOf = async (chatId: string) =>
      (await store.db.selectFrom('jobs').selectAll().where('lane', '=', chatLane({ channelId: CHANNEL, chatId })).orderBy('id').execute()).map((j) => ({
        kind: j.kind,
        key: j.key,
        payload: JSON.parse(j.payload_json) as unknown,
        runAt: j.run_at,
        createdAt: j.created_at,
        pool: j.pool,
        state: j.state,
      }));

    test('a message that becomes live enqueues exactly one job, in its chat lane and its channel pool; the next one gets its own when its turn comes', async () => {
      const chat = 'live-one';
      await clearJobs();
      await intake(store, item(opened(chat, 1), 'r-live-a', [100, 2_000, 500], 5_000));
      await intake(store, item(opened(chat, 2), 'r-live-b', [0], 5_001));
      const first = { kind: 'sendMessage', key: 'send:r-live-a:0', payload: { runId: 'r-live-a', seq: 0 }, runAt: 5_100, createdAt: 5_100, pool: `send:${CHANNEL}`, state: 'pending' };
      assert.deepEqual(await jobsOf(chat), [first], 'the head of the chat only: the rest wait without a job');
      // Asked again (anything that may have freed the chat calls it), nothing more is enqueued.
      await store.db.transaction().execute((trx) => activateNextInChat(trx, { channelId: CHANNEL, chatId: chat }, 5_050, chatTiming(1)));
      assert.deepEqual(await jobsOf(chat), [first]);

      const { client, sent } = channelTalk(200);
      const clock = { now: 7_000 };
      const { runner, settled } = sender(store, client, clock);
      runner.start();
      try {
        await eventually(() => settled.includes('sendMessage:done') || undefined, 10_000, 'the first message to be sent');
      } finally {
        await runner.stop(1_000);
      }
      assert.deepEqual(sent, [chat]);
      const m0 = await store.db.selectFrom('messages').selectAll().where('run_id', '=', 'r-live-a').where('seq', '=', 0).executeTakeFirstOrThrow();
      assert.equal(m0.state, 'sent');
      assert.deepEqual(await jobsOf(chat), [{ ...first, key: 'send:r-live-a:1', payload: { runId: 'r-live-a', seq: 1 }, runAt: 9_000, createdAt: 9_000 }], 'the next message, due 2000 ms after the actual send');
    });

    test('the database going away under the chat read before a send is not a send failure: the job goes again and the message is sent once', async () => {
      const chat = 'db-gone-read';
      await clearJobs();
      await intake(store, item(opened(chat), 'r-db-gone', [0], 1_000));
      const { client, sent } = channelTalk(200);
      const clock = { now: 2_000 };
      let reads = 0;
      const { runner, settled } = sender(store, client, clock, 60_000, undefined, {
        maxAgeMs: 0,
        // The first read meets PostgreSQL stopping (57P01), as a read of the run's curation did in the outage test.
        stopsOf: () => (++reads === 1 ? Promise.reject(new DatabaseUnavailableError('terminating connection due to administrator command', '57P01')) : Promise.resolve([])),
        keepOn: () => [],
      });
      runner.start();
      try {
        await eventually(() => settled.includes('sendMessage:retry') || settled.includes('sendMessage:fail') || undefined, 10_000, 'the first attempt to settle');
        assert.deepEqual(settled, ['sendMessage:retry'], 'retried, not failed');
        const m = await store.db.selectFrom('messages').selectAll().where('run_id', '=', 'r-db-gone').where('seq', '=', 0).executeTakeFirstOrThrow();
        assert.notEqual(m.state, 'failed');
        assert.deepEqual(sent, [], 'nothing was sent on the failed read');
        clock.now += 60_000;
        runner.wake();
        await eventually(() => settled.includes('sendMessage:done') || undefined, 10_000, 'the message sent once the database answers');
      } finally {
        await runner.stop(1_000);
      }
      assert.deepEqual(sent, [chat]);
      const m = await store.db.selectFrom('messages').selectAll().where('run_id', '=', 'r-db-gone').where('seq', '=', 0).executeTakeFirstOrThrow();
      assert.equal(m.state, 'sent');
    });

    test("a message a takeover cancelled is not sent: its job ends without a request", async () => {
      const chat = 'cancelled-one';
      await clearJobs();
      await intake(store, item(opened(chat), 'r-cancel', [0, 0], 1_000));
      assert.equal((await jobsOf(chat)).length, 1);
      const manager: Event = { ...opened(chat), kind: 'managerMessage', dedupeKey: `managerMessage:${chat}`, messageId: 'mm-1', personId: 'p' };
      const out = await intake(store, { eventId: `e-mm-${chat}`, event: manager, receivedAt: 1_500, candidates: [], takeover: true });
      assert.equal(out.cancelledRuns, 1);

      const { client, sent } = channelTalk(200);
      const { runner, settled } = sender(store, client, { now: 2_000 });
      runner.start();
      try {
        await eventually(async () => ((await jobsOf(chat)).length === 0 ? true : undefined), 10_000, 'the job to end');
      } finally {
        await runner.stop(1_000);
      }
      assert.deepEqual(sent, [], 'nothing sent');
      assert.deepEqual(settled, ['sendMessage:done']);
      const msgs = await store.db.selectFrom('messages').select(['state', 'attempts']).where('run_id', '=', 'r-cancel').orderBy('seq').execute();
      assert.deepEqual(msgs, [{ state: 'cancelled', attempts: 0 }, { state: 'cancelled', attempts: 0 }]);
      assert.equal((await store.db.selectFrom('attempts').select('id').where('run_id', '=', 'r-cancel').execute()).length, 0, 'no attempt recorded');
    });

    test('a transient failure retries until SEND_MAX_AGE, counted from the first attempt, then fails with the reason', async () => {
      const chat = 'too-old';
      await clearJobs();
      const dueAt = 1_000_000;
      await intake(store, item(opened(chat), 'r-old', [0, 0], dueAt));
      const { client, sent } = channelTalk(503);
      // The service was down: the first attempt comes two hours after the message was due, and still gets its full minute.
      const clock = { now: dueAt + 2 * 3_600_000 };
      const firstAt = clock.now;
      const { runner, settled } = sender(store, client, clock, 60_000);
      const msg = () => store.db.selectFrom('messages').selectAll().where('run_id', '=', 'r-old').where('seq', '=', 0).executeTakeFirstOrThrow();
      const job = async () => (await store.db.selectFrom('jobs').selectAll().where('key', '=', 'send:r-old:0').executeTakeFirstOrThrow());
      runner.start();
      try {
        await eventually(() => settled.length === 1 || undefined, 10_000, 'the first attempt');
        assert.deepEqual(settled, ['sendMessage:retry'], 'older than the maximum age since it was due, yet retried: the age counts from the first attempt');
        const m = await msg();
        assert.equal(m.state, 'pending');
        assert.equal(m.attempts, 1);
        assert.equal(m.first_attempt_at, firstAt);
        assert.equal(m.reason, 'server_error 503');
        const j = await job();
        assert.equal(j.state, 'pending');
        assert.equal(j.run_at, m.due_at, 'the job is due when the message is');
        assert.ok(j.run_at > firstAt && j.run_at <= firstAt + 500, `backoff of attempt 1 is within 0.5 s: ${j.run_at - firstAt}`);

        clock.now = firstAt + 59_000;
        runner.wake();
        await eventually(() => settled.length === 2 || undefined, 10_000, 'the second attempt');
        assert.equal(settled[1], 'sendMessage:retry', 'younger than the maximum age: retried');

        clock.now = firstAt + 61_000;
        runner.wake();
        await eventually(() => settled.length === 3 || undefined, 10_000, 'the third attempt');
      } finally {
        await runner.stop(1_000);
      }
      assert.equal(settled[2], 'sendMessage:fail');
      assert.deepEqual(sent, [chat, chat, chat], 'one request per attempt');
      const m = await msg();
      assert.equal(m.state, 'failed');
      assert.equal(m.attempts, 3);
      assert.match(m.reason ?? '', /^gave up after 3 attempts over 61 s: server_error/);
      // The same in the console's words: the settlement's, as the detail of the message's reason.
      const stored = await store.db.selectFrom('messages').select('reason_words').where('run_id', '=', 'r-old').where('seq', '=', 0).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(stored.reason_words ?? 'null'), [
        { code: 'sendFailed', params: { detail: { code: 'settle.gaveUpAttempts', params: { attempts: 3, seconds: 61, reason: [{ code: 'health.why.server_error', params: {} }] } } } },
      ]);
      const j = await job();
      assert.equal(j.state, 'failed');
      assert.match(j.last_error ?? '', /^gave up after 3 attempts over 61 s/);
      const run = await store.db.selectFrom('runs').select(['state', 'reason']).where('id', '=', 'r-old').executeTakeFirstOrThrow();
      assert.equal(run.state, 'failed');
      const rest = await store.db.selectFrom('messages').select('state').where('run_id', '=', 'r-old').where('seq', '=', 1).executeTakeFirstOrThrow();
      assert.equal(rest.state, 'skipped');
      const attempts = await store.db.selectFrom('attempts').select(['status', 'error_kind']).where('run_id', '=', 'r-old').execute();
      assert.deepEqual(attempts, Array.from({ length: 3 }, () => ({ status: 503, error_kind: 'unavailable' })));
    });

    test("a run's curation is read once for the chat checks before its messages, not before each one (a run's curation never changes)", async () => {
      const chat = 'one-read';
      await clearJobs();
      await intake(store, item(opened(chat), 'r-one-read', [0, 0, 0], 1_000));
      const { client, sent } = channelTalk(200);
      const reads = new RunCurationReads();
      const asked: Array<string | null> = [];
      // No stops: the check reads no chat, so nothing makes the chat's check fresh; each message asks the run's stops.
      const chatCheck: ChatCheckDeps = { maxAgeMs: 60_000, stopsOf: (run) => (asked.push(run.curation_version), Promise.resolve([])), keepOn: () => [] };
      const { runner, settled } = sender(store, client, { now: 2_000 }, 60_000, undefined, chatCheck, store.db.withPlugin(reads));
      runner.start();
      try {
        await eventually(() => settled.filter((x) => x === 'sendMessage:done').length === 3 || undefined, 10_000, 'the three sends');
      } finally {
        await runner.stop(1_000);
      }
      assert.deepEqual(sent, [chat, chat, chat]);
      assert.equal(asked.length, 3, "the run's stops are asked before each message");
      assert.equal(reads.reads, 1, `reads of the run's curation: ${reads.reads}`);
    });

    test("the 'message sent' line carries the job's and the message's ids and skips pino's redaction walk (every field is an id)", async () => {
      const chat = 'sent-line';
      await clearJobs();
      await intake(store, item(opened(chat), 'r-sent-line', [0], 1_000));
      const { client } = channelTalk(200);
      const lines: Array<Record<string, unknown> & { level: number; msg: string }> = [];
      // A redact path on a field the sent line holds: were the walk run over the line, its requestId would read as the censor.
      const logger = pino({ level: 'debug', redact: { paths: ['requestId', 'reason'], censor: '[walked]' } }, { write: (s: string) => void lines.push(JSON.parse(s) as (typeof lines)[number]) });
      const clock = { now: 2_000 };
      const { runner, settled } = sender(store, client, clock, 60_000, logger);
      runner.start();
      try {
        await eventually(() => settled.includes('sendMessage:done') || undefined, 10_000, 'the send');
      } finally {
        await runner.stop(1_000);
      }
      const m = await store.db.selectFrom('messages').select(['request_id']).where('run_id', '=', 'r-sent-line').where('seq', '=', 0).executeTakeFirstOrThrow();
      const sentLines = lines.filter((l) => l.msg === 'message sent');
      assert.equal(sentLines.length, 1);
      const [line] = sentLines;
      assert.ok(line);
      assert.equal(line.requestId, m.request_id, 'not walked');
      assert.equal(line.runId, 'r-sent-line');
      assert.equal(line.chatId, chat);
      assert.equal(line.seq, 0);
      assert.equal(line.jobKind, 'sendMessage');
      assert.equal(typeof line.jobId, 'number');
      assert.equal(line.level, 30);
    });

    test('each failed attempt is one warning (its retry) and the give-up one error, the handler\'s, with the message ids; the runner repeats neither', async () => {
      const chat = 'one-line';
      await clearJobs();
      const dueAt = 2_000_000;
      await intake(store, item(opened(chat), 'r-one-line', [0], dueAt));
      const { client } = channelTalk(503);
      const lines: Array<Record<string, unknown> & { level: number; msg: string }> = [];
      const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as (typeof lines)[number]) });
      const clock = { now: dueAt };
      const { runner, settled } = sender(store, client, clock, 60_000, logger);
      runner.start();
      try {
        await eventually(() => settled.length === 1 || undefined, 10_000, 'the first attempt');
        clock.now = dueAt + 30_000;
        runner.wake();
        await eventually(() => settled.length === 2 || undefined, 10_000, 'the second attempt');
        clock.now = dueAt + 61_000;
        runner.wake();
        await eventually(() => settled.length === 3 || undefined, 10_000, 'the third attempt');
      } finally {
        await runner.stop(1_000);
      }
      assert.deepEqual(settled, ['sendMessage:retry', 'sendMessage:retry', 'sendMessage:fail']);
      const warnings = lines.filter((l) => l.level === 40);
      const errors = lines.filter((l) => l.level >= 50);
      assert.deepEqual(warnings.map((l) => l.msg), ['message send will be retried', 'message send will be retried'], 'one warning per failed attempt that is retried');
      assert.deepEqual(errors.map((l) => l.msg), ['message failed'], 'one error when it is given up');
      for (const l of [...warnings, ...errors]) {
        assert.equal(l.runId, 'r-one-line');
        assert.equal(l.chatId, chat);
        assert.equal(l.status, 503);
      }
      // The runner's own account stays available to whoever reads debug.
      assert.equal(lines.filter((l) => l.level === 20 && l.msg === 'job will be retried').length, 2);
      assert.equal(lines.filter((l) => l.level === 20 && l.msg === 'job failed').length, 1);
    });
  });

  test(`the upgrade to send jobs (0007) enqueues one job for every live message, on ${kind.name}, and everything is sent once`, async () => {
    const [fresh] = (await freshDatabases()).filter((d) => d.name === kind.name);
    assert.ok(fresh);
    // A store as the code before send jobs left it.
    const c = await connect(fresh.url);
    const db = c.kysely as unknown as Kysely<unknown>;
    await migrateTo(db, c.dialect, '0005_jobs');
    const now = 50_000;
    const runs = [
      { id: 'r-up-due', chat: 'up-due', states: ['pending', 'waiting'], due: now - 1_000, claim: null },
      { id: 'r-up-flight', chat: 'up-flight', states: ['sending'], due: now - 5_000, claim: now + 20_000 },
      { id: 'r-up-half', chat: 'up-half', states: ['sent', 'pending'], due: now + 3_000, claim: null },
      { id: 'r-up-done', chat: 'up-done', states: ['sent'], due: null, claim: null },
    ];
    await c.kysely.transaction().execute(async (trx) => {
      for (const r of runs) {
        const finished = r.states.every((s) => s === 'sent');
        await trx
          .insertInto('runs')
          .values({ id: r.id, curation_id: 'c', event_id: `e-${r.id}`, channel_id: CHANNEL, chat_id: r.chat, user_id: `u-${r.chat}`, state: finished ? 'completed' : 'sending', outcome: 'sequence', created_at: 1_000, updated_at: 1_000, finished_at: finished ? 2_000 : null, planning_attempts: 0 } as never)
          .execute();
        for (const [seq, state] of r.states.entries()) {
          const live = state === 'pending' || state === 'sending';
          await trx
            .insertInto('messages')
            .values({
              run_id: r.id, seq, chat_id: r.chat, channel_id: CHANNEL, request_id: `${r.id}-${seq}`, state, delay_ms: 0,
              due_at: live ? r.due : null, body_json: JSON.stringify({ blocks: [{ type: 'text', value: `m${seq}` }], requestId: `${r.id}-${seq}` }),
              is_last: seq === r.states.length - 1 ? 1 : 0, attempts: 0, created_at: 1_000,
              sent_at: state === 'sent' ? 2_000 : null, claimed_by: state === 'sending' ? 'old-instance' : null, claim_until: state === 'sending' ? r.claim : null,
            } as never)
            .execute();
        }
      }
    });
    // Up to 0007 only: the later steps move these jobs on (0010 names the lane by the chat in its channel); Store.open runs them below.
    await migrateTo(db, c.dialect, '0007_send_jobs');
    const jobs = await c.kysely.selectFrom('jobs').selectAll().orderBy('key').execute();
    await c.kysely.destroy();
    assert.deepEqual(
      jobs.map((j) => ({ kind: j.kind, key: j.key, payload: JSON.parse(j.payload_json) as unknown, runAt: j.run_at, lane: j.lane, pool: j.pool, state: j.state, attempts: j.attempts })),
      [
        { kind: 'sendMessage', key: 'send:r-up-due:0', payload: { runId: 'r-up-due', seq: 0 }, runAt: now - 1_000, lane: 'chat:up-due', pool: `send:${CHANNEL}`, state: 'pending', attempts: 0 },
        // In flight under an old instance's claim: due when that claim ends, so a still running old instance is not doubled.
        { kind: 'sendMessage', key: 'send:r-up-flight:0', payload: { runId: 'r-up-flight', seq: 0 }, runAt: now + 20_000, lane: 'chat:up-flight', pool: `send:${CHANNEL}`, state: 'pending', attempts: 0 },
        { kind: 'sendMessage', key: 'send:r-up-half:1', payload: { runId: 'r-up-half', seq: 1 }, runAt: now + 3_000, lane: 'chat:up-half', pool: `send:${CHANNEL}`, state: 'pending', attempts: 0 },
      ],
    );

    // Started on it, the runner sends exactly what was left, once each.
    const store = await Store.open(fresh.url, { delayScale: 1 });
    try {
      const { client, sent } = channelTalk(200);
      const clock = { now: now + 30_000 };
      const { runner } = sender(store, client, clock);
      runner.start();
      try {
        await eventually(async () => {
          const open = await store.db.selectFrom('messages').select('seq').where('state', '<>', 'sent').execute();
          return open.length === 0 || undefined;
        }, 10_000, 'every message to be sent');
      } finally {
        await runner.stop(1_000);
      }
      assert.deepEqual([...sent].sort(), ['up-due', 'up-due', 'up-flight', 'up-half']);
      assert.deepEqual(await store.db.selectFrom('jobs').select('key').execute(), [], 'no job left');
      const states = await store.db.selectFrom('runs').select(['id', 'state']).orderBy('id').execute();
      assert.deepEqual(states.map((r) => r.state), ['completed', 'completed', 'completed', 'completed']);
    } finally {
      await store.close();
    }
  });
}
