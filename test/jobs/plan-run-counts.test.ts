// The runs the planRun job ends are counted once, and only those it did end
// (from the transitions its settle committed):
// a profile Channel Talk keeps failing to give, past the job's last attempt,
// fails the run and counts `failed`; a run a human took over between the
// job's read and its settle is left cancelled and counts nothing. On SQLite and, when
// available, PostgreSQL.
import { fromSet } from '../support/curation-of.js';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { intakeItem } from '../../src/delivery/intake.js';
import { eventIdFor } from '../../src/delivery/ids.js';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { loadCurations, type CurationSet } from '../../src/curation/index.js';
import { planRunHandler } from '../../src/jobs/handlers/plan-run.js';
import { settle } from '../../src/jobs/settle.js';
import type { Job, JobContext } from '../../src/jobs/types.js';
import { intake } from '../support/intake.js';
import { freshDatabases } from '../support/databases.js';
import { webhook } from '../support/fixtures.js';
import { tempDir } from '../curation/helpers.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../src/delivery/store/schema.js';
import { takeRunTransitions } from '../../src/delivery/store/transition-log.js';
import { isFinalRunState } from '../../src/delivery/run-lifecycle.js';

const DB_KINDS = await freshDatabases();
const silent = pino({ level: 'silent' });
const T0 = 1_800_000_000_000;

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
fallback:
  messages:
    - text: 설문을 끝까지 작성해 주세요.
`;

/** A chat opened without the profile in the delivery: planning fetches it. */
function opened(chatId: string): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

/** Channel Talk is down for every user read: each attempt is a retry, until the job's limits make it a fail. */
const down = new ChannelTalkClient({
  baseUrl: 'http://channeltalk.invalid',
  accessKey: 'k',
  accessSecret: 's',
  retry: false,
  fetch: () => Promise.resolve(new Response(JSON.stringify({ message: 'unavailable' }), { status: 503, headers: { 'content-type': 'application/json' } })),
});

/** The runs a committed settle ended, as the service counts them (wiring/work.ts). */
const ended = (into: string[]) => (trx: Transaction<Database>) => {
  for (const e of takeRunTransitions(trx)) if (e.to !== e.from && isFinalRunState(e.to)) into.push(e.to);
};

for (const kind of DB_KINDS) {
  describe(`the planRun job's run counts on ${kind.name}`, () => {
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

    /** The run's planRun job, claimed as the runner claims it. */
    async function claimedPlanRun(runId: string, now: number): Promise<Job<{ runId: string }>> {
      const ops = new JobOps(store.db, store.dialect);
      const [row] = await ops.claim(now, 10, 'test', new Map([['planRun', 60_000]]));
      assert.ok(row && row.key === `planRun:${runId}`, 'the planRun job is due');
      return { id: row.id, kind: row.kind, key: row.key, payload: { runId }, attempts: row.attempts, runAt: row.run_at, createdAt: row.created_at, lane: row.lane, pool: row.pool, leaseEnd: row.locked_until ?? now + 60_000 };
    }

    async function deferredRun(chatId: string, now: number): Promise<string> {
      const event = opened(chatId);
      const out = await intake(store, intakeItem(eventIdFor(event.dedupeKey), event, set, now));
      const runId = out.runs[0]?.runId;
      assert.ok(runId);
      assert.equal(out.runs[0]?.state, 'planning');
      return runId;
    }

    test('a profile that cannot be fetched by the last attempt fails the run, counted once as failed', async () => {
      const finished: string[] = [];
      const handler = planRunHandler({ db: store.db, clientFor: () => down, curationOf: fromSet(set), timing: chatTiming(1), maxAgeMs: 3_600_000, leaseMs: 60_000 });
      const now = T0;
      const runId = await deferredRun('count-a', now);
      const job = await claimedPlanRun(runId, now);
      const ctx: JobContext = { now: () => now, logger: silent, failure: (err) => ({ kind: 'fail', reason: String(err) }) };
      const outcome = await handler.run(job, ctx);
      assert.equal(outcome.kind, 'retry');
      // This was the job's last attempt: settle makes the retry a fail.
      const final = await settle(store.db, new JobOps(store.db, store.dialect), job, 'test', outcome, { maxAttempts: 1, maxAgeMs: null }, now, ended(finished));
      assert.notEqual(final, 'lost');
      if (final !== 'lost') outcome.committed?.(final);
      const run = await store.db.selectFrom('runs').select(['state', 'reason']).where('id', '=', runId).executeTakeFirstOrThrow();
      assert.equal(run.state, 'failed');
      assert.match(run.reason ?? '', /503/);
      assert.deepEqual(finished, ['failed']);
    });

    test('a run taken over while its curation had gone is left cancelled, and counts nothing', async () => {
      const finished: string[] = [];
      const handler = planRunHandler({ db: store.db, clientFor: () => down, curationOf: fromSet(undefined), timing: chatTiming(1), maxAgeMs: 3_600_000, leaseMs: 60_000 });
      const now = T0 + 1_000;
      const runId = await deferredRun('count-b', now);
      const job = await claimedPlanRun(runId, now);
      const ctx: JobContext = { now: () => now, logger: silent, failure: (err) => ({ kind: 'fail', reason: String(err) }) };
      const outcome = await handler.run(job, ctx);
      assert.equal(outcome.kind, 'fail', 'its curation is no longer loaded');
      // A manager takes the chat over before the job's outcome is settled.
      const closed = normalize({ ...webhook('user-chat-opened'), event: 'update', entity: { ...(webhook('user-chat-opened').entity as object), id: 'count-b', state: 'closed' } });
      assert.equal(closed.kind, 'chatClosed');
      assert.equal((await intake(store, intakeItem(eventIdFor(closed.dedupeKey), closed, set, now + 1))).cancelledRuns, 1);
      const final = await settle(store.db, new JobOps(store.db, store.dialect), job, 'test', outcome, { maxAttempts: null, maxAgeMs: null }, now + 2, ended(finished));
      assert.notEqual(final, 'lost');
      if (final !== 'lost') outcome.committed?.(final);
      assert.equal((await store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirstOrThrow()).state, 'cancelled');
      assert.deepEqual(finished, [], 'the takeover ended it, not the job');
    });
  });
}
