// A handler's `write` runs inside settle's transaction, and runs again when
// that transaction does: a busy database makes the store run it again
// (store-kysely.ts), an unreachable one makes the runner keep the outcome and
// settle it again (runner.ts settleKept), and an SQLite settle batch that
// fails is settled again one job at a time (settle-batch.ts). So a log line or
// a metric inside `write` would count twice; they belong in `committed`,
// called once after the commit.
//
// Here two chats go the whole way with the real handlers and the real runner
// (planEvent, planRun, sendMessage; then answerWait ending one's wait as
// fallback; wakeRun ending the other's long wait, and writeBack after its
// completed sequence), each settle
// failing once right after the handler's write, and every callback and log
// line must still come once per run.
import { fromSet } from '../support/curation-of.js';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { DatabaseBusyError } from '../../src/delivery/store/busy.js';
import { DatabaseUnavailableError } from '../../src/delivery/store/unavailable.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { loadCurations, type CurationSet } from '../../src/curation/index.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { planEventHandler } from '../../src/jobs/handlers/plan-event.js';
import { planRunHandler } from '../../src/jobs/handlers/plan-run.js';
import { sendMessageHandler } from '../../src/jobs/handlers/send-message.js';
import { answerWaitHandler } from '../../src/jobs/handlers/answer-wait.js';
import { writeBackHandler } from '../../src/jobs/handlers/write-back.js';
import { wakeRunHandler } from '../../src/jobs/handlers/wake-run.js';
import type { JobHandler } from '../../src/jobs/types.js';
import { freshDatabases } from '../support/databases.js';
import { eventually } from '../support/processes.js';
import { failingOnceAfterWrite } from '../support/write-faults.js';
import { tempDir } from '../curation/helpers.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../src/delivery/store/schema.js';
import { takeRunTransitions } from '../../src/delivery/store/transition-log.js';
import { isFinalRunState, RUN_START } from '../../src/delivery/run-lifecycle.js';

const DB_KINDS = await freshDatabases();
const HOUR = 3_600_000;

// Asks for the weight in the chat, then waits 12 h for it; a run that has it sends the BMI, parks for an hour (longer
// than PARK_AFTER_SECONDS), then checks in, and writes its BMI back to the profile.
const CURATION = `id: bmi
defaultLanguage: ko
trigger: { on: chatOpened }
fields:
  weight: { type: number, unit: kg, min: 20, max: 300 }
  height: { type: number, unit: cm, min: 100, max: 250 }
compute:
  bmi: round(weight / (height / 100) ^ 2, 1)
messages:
  - text: "BMI {{ bmi }}"
  - delay: 1h
    text: 잘 지내고 계신가요?
fallback:
  messages:
    - text: 설문을 끝까지 작성해 주세요.
  ask:
    wait: 12h
    messages:
      - text: 아래 내용만 알려 주세요.
        form:
          inputs:
            - { field: weight, label: 현재 체중 (kg) }
writeBack:
  bmi: curationBmi
`;

/** A chat opened without the profile in the delivery: planning fetches it (planRun). */
function opened(chatId: string, userId: string): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

/** Channel Talk as far as these handlers call it: the user (height; the weight too for a `user-known-…`), the message sends and the write-back. */
const client = new ChannelTalkClient({
  baseUrl: 'http://channeltalk.invalid',
  accessKey: 'k',
  accessSecret: 's',
  retry: false,
  fetch: (input, init) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    const json = (body: unknown) => Promise.resolve(new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }));
    if ((init?.method ?? 'GET') === 'GET' && url.includes('/users/')) {
      const id = decodeURIComponent(url.split('/users/')[1] ?? '');
      return json({ user: { id, profile: id.startsWith('user-known-') ? { height: 176, weight: 72.5 } : { height: 176 }, language: 'ko' } });
    }
    if (init?.method === 'PATCH' && url.includes('/users/')) return json({ user: { id: decodeURIComponent(url.split('/users/')[1] ?? '') } });
    if (init?.method === 'POST' && url.includes('/messages')) return json({ message: { id: `ct-${Math.random().toString(36).slice(2)}` } });
    return Promise.resolve(new Response('{}', { status: 404, headers: { 'content-type': 'application/json' } }));
  },
});

/** The log lines, parsed, as pino writes them. */
function capturedLogger() {
  const lines: Array<{ msg: string } & Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as { msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), count: (msg: string) => lines.filter((l) => l.msg === msg).length, lines };
}

type Fault = () => Error;

const FAULTS: Array<[string, Fault]> = [
  // The store's transaction runs the whole callback again (store-kysely.ts).
  ['busy', () => new DatabaseBusyError('canceling statement due to lock timeout', '55P03')],
  // Not retried by the store: the runner keeps the outcome and settles it again (settleKept).
  ['unreachable', () => new DatabaseUnavailableError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
];

/** Runs started and finished, as the service counts them: from the transitions each committed settle made (wiring/work.ts). */
function countTransitions(counted: Map<string, number>, trx: Transaction<Database>): void {
  const bump = (name: string) => counted.set(name, (counted.get(name) ?? 0) + 1);
  for (const e of takeRunTransitions(trx)) {
    if (e.from === RUN_START) bump(`started:${e.to}`);
    if (e.to !== e.from && isFinalRunState(e.to)) bump(`finished:${e.to}`);
  }
}

for (const kind of DB_KINDS) {
  describe(`side effects after commit on ${kind.name}`, () => {
    let store: Store;
    let set: CurationSet;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
      const loaded = await loadCurations(await tempDir({ 'bmi.yaml': CURATION }));
      assert.ok(loaded.ok);
      set = loaded.set;
    });
    after(async () => {
      await store.close();
    });

    /** The service's handlers for this flow, with their callbacks counted. */
    function handlers(counted: Map<string, number>, jobs: () => JobRunner) {
      const count = (name: string) => counted.set(name, (counted.get(name) ?? 0) + 1);
      return {
        planEvent: planEventHandler({
          db: store.db,
          curations: () => set,
          timing: chatTiming(1),
          leaseMs: 60_000,
        }),
        planRun: planRunHandler({
          db: store.db,
          clientFor: () => client,
          curationOf: fromSet(set),
          timing: chatTiming(1),
          maxAgeMs: HOUR,
          leaseMs: 60_000,
          onPlanned: () => {
            count('planned');
            jobs().wake();
          },
        }),
        sendMessage: sendMessageHandler({
          db: store.db,
          clientFor: () => client,
          timing: chatTiming(1),
          sendMaxAgeMs: HOUR,
          leaseMs: 60_000,
          instanceId: 'test',
          onAttempt: (outcome) => count(`attempt:${outcome}`),
        }),
        answerWait: answerWaitHandler({
          db: store.db,
          curationOf: fromSet(set),
          defaultWaitMs: 24 * HOUR,
          leaseMs: 60_000,
        }),
        writeBack: writeBackHandler({ db: store.db, clientFor: () => client, maxAgeMs: HOUR, leaseMs: 60_000 }),
        wakeRun: wakeRunHandler({ db: store.db, timing: chatTiming(1), leaseMs: 60_000 }),
      };
    }

    const runOf = (runId: string) => store.db.selectFrom('runs').select(['state', 'asked_at', 'writeback_state']).where('id', '=', runId).executeTakeFirst();

    for (const [faultName, fault] of FAULTS) {
      test(`every settle meeting a ${faultName} database once after its write: each callback and log line comes once`, { timeout: 60_000 }, async () => {
        // Real time (messages are paced), moved forward past the wait when the test says.
        let shift = 0;
        const now = () => Date.now() + shift;
        const chatId = `chat-${faultName}`;
        const { logger, count } = capturedLogger();
        const counted = new Map<string, number>();
        const writes = new Map<string, number>();
        const settled: string[] = [];
        let runner: JobRunner | null = null;
        const h = handlers(counted, () => runner!);
        runner = new JobRunner({
          db: store.db,
          ops: new JobOps(store.db, store.dialect),
          owner: 'test',
          logger,
          now,
          // As the service: SQLite batches the settles that arrive together.
          batchSettles: store.dialect === 'sqlite',
          handlers: [h.planEvent, h.planRun, h.sendMessage, h.answerWait, h.writeBack, h.wakeRun].map((x) => failingOnceAfterWrite(x as JobHandler<unknown>, fault, writes)),
          onSettled: (k, outcome) => settled.push(`${k}:${outcome}`),
          onCommitted: (trx) => countTransitions(counted, trx),
        });
        // The planEvent job's path (its settle meets the fault too), not planning in the webhook's commit.
        const intake = new Intake({ store, logger, now, onWork: () => runner.wake(), planInCommit: false });
        runner.start();
        try {
          const accepted = await intake.accept(opened(chatId, `user-${chatId}`), set);
          assert.equal(accepted.status, 'queued');
          const runId = accepted.runs[0]?.runId;
          assert.ok(runId);
          // Another chat, whose customer gave the weight already: its run sends the BMI and parks for an hour.
          const known = (await intake.accept(opened(`${chatId}-known`, `user-known-${chatId}`), set)).runs[0]?.runId;
          assert.ok(known);
          await eventually(async () => (await runOf(known))?.state === 'parked', 30_000, 'the run with the answers to park');
          // planEvent (the run waits for its profile), planRun (fetched; it asks), sendMessage (the ask): the run waits.
          const asked = await eventually(async () => {
            const r = await runOf(runId);
            return r?.state === 'awaiting' && r.asked_at !== null ? r.asked_at : undefined;
          }, 30_000, 'the run to ask and wait');
          // The wait is over: answerWait ends the run as fallback.
          shift += asked + 12 * HOUR - now();
          runner.wake();
          await eventually(() => settled.includes('answerWait:done'), 30_000, 'the end of the wait');
          assert.equal((await runOf(runId))?.state, 'fallback');
          // The parked run woke with the same step of the clock: it completes and writes back.
          await eventually(async () => (await runOf(known))?.writeback_state === 'done', 30_000, 'the woken run to complete and write back');
          assert.equal((await runOf(known))?.state, 'completed');
        } finally {
          await runner.stop(5_000);
        }
        // Whatever was scheduled for later has had its turn.
        await new Promise<void>((r) => setImmediate(r));
        // Each job's write ran again after its fault (more often when settles shared a batch, which runs again as a whole).
        for (const [k, jobs] of [['planEvent', 2], ['planRun', 2], ['sendMessage', 3], ['writeBack', 1], ['answerWait', 1], ['wakeRun', 1]] as const) {
          assert.ok((writes.get(k) ?? 0) >= 2 * jobs, `${k}: its write ran again after the fault (${writes.get(k)})`);
        }
        assert.deepEqual(
          Object.fromEntries([...counted].sort()),
          { 'attempt:sent': 3, 'finished:completed': 1, 'finished:fallback': 1, planned: 2, 'started:planning': 2 },
          'each callback once per run',
        );
        for (const [msg, times] of [
          ['event planned', 2],
          ['run planned', 2],
          ['message sent', 3],
          ['run finished', 1],
          ['run parked on a long wait: its chat is free until it wakes', 1],
          ['parked run woke: it takes its turn in its chat', 1],
          ['profile written back', 1],
          ['run asked in the chat: waiting for the answer', 1],
          ['no answer came: the run ends as fallback', 1],
        ] as const) {
          assert.equal(count(msg), times, `the log line "${msg}" once per run`);
        }
      });
    }

    test('a settle batch that fails for a neighbour settles each job again: its callbacks and log lines still come once', { skip: kind.name === 'sqlite' ? false : 'settle batches are SQLite only', timeout: 60_000 }, async () => {
      // Real time (messages are paced), moved forward past the wait when the test says.
      let shift = 0;
      const now = () => Date.now() + shift;
      const chatId = 'chat-batch';
      const { logger, count } = capturedLogger();
      const counted = new Map<string, number>();
      const settled: string[] = [];
      let runner: JobRunner | null = null;
      const h = handlers(counted, () => runner!);
      // The neighbour: a job whose write always throws (not a database error), settled in the same batch.
      let release: () => void = () => {};
      const endOfWaitRan = new Promise<void>((r) => (release = r));
      const neighbour: JobHandler<object> = {
        kind: 'badWrite',
        parse: (p) => p as object,
        leaseMs: 60_000,
        run: async () => {
          // Its outcome arrives together with the end of the wait's, so both share one batch.
          await endOfWaitRan;
          return {
            kind: 'done',
            write: () => Promise.reject(new Error('a write that always fails')),
          };
        },
      };
      let waitWrites = 0;
      const answerWait: JobHandler<{ runId: string }> = {
        ...h.answerWait,
        async run(job, ctx) {
          const outcome = await h.answerWait.run(job, ctx);
          release();
          const write = outcome.write;
          return write ? { ...outcome, write: async (trx, final) => void (await write(trx, final), waitWrites++) } : outcome;
        },
      };
      const ops = new JobOps(store.db, store.dialect);
      runner = new JobRunner({
        db: store.db,
        ops,
        owner: 'test',
        logger,
        now,
        batchSettles: true,
        handlers: [h.planEvent, h.planRun, h.sendMessage, answerWait, neighbour],
        onSettled: (k, outcome) => settled.push(`${k}:${outcome}`),
        onCommitted: (trx) => countTransitions(counted, trx),
      });
      const intake = new Intake({ store, logger, now, onWork: () => runner.wake(), planInCommit: false });
      runner.start();
      try {
        const accepted = await intake.accept(opened(chatId, `user-${chatId}`), set);
        const runId = accepted.runs[0]?.runId;
        assert.ok(runId);
        const asked = await eventually(async () => {
          const r = await runOf(runId);
          return r?.state === 'awaiting' && r.asked_at !== null ? r.asked_at : undefined;
        }, 30_000, 'the run to ask and wait');
        // Enqueued after the end of the wait's job, so the batch (in id order) runs the end of the wait's write
        // first; due at the same moment, so one claim takes both once the clock gets there.
        await ops.enqueue({ kind: 'badWrite', key: 'bad-write', payload: {}, runAt: asked + 12 * HOUR }, now());
        shift += asked + 12 * HOUR - now();
        runner.wake();
        await eventually(() => settled.includes('answerWait:done'), 30_000, 'the end of the wait');
        await eventually(() => count('jobs: unexpected error') > 0, 30_000, "the neighbour's failed settle");
        assert.equal((await runOf(runId))?.state, 'fallback');
      } finally {
        await runner.stop(5_000);
      }
      await new Promise<void>((r) => setImmediate(r));
      assert.equal(waitWrites, 2, 'the end of the wait was written in the batch, rolled back, and written again alone');
      assert.equal(counted.get('finished:fallback'), 1, 'the run finished once');
      assert.equal(count('no answer came: the run ends as fallback'), 1, 'its log line once');
    });
  });
}
