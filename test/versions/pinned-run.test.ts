// A run finishes with the version it was planned with (issue 19 item 1):
// a run waiting for its profile when a new version is published is planned
// by its planRun job with its own version, never "whatever is live now";
// a run started after the publish uses the new one. SQLite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { loadCurations } from '../../src/curation/index.js';
import { intakeItem } from '../../src/delivery/intake.js';
import { CurationLibrary } from '../../src/versions/library.js';
import { planRunHandler } from '../../src/jobs/handlers/plan-run.js';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { settle } from '../../src/jobs/settle.js';
import type { Job, JobContext } from '../../src/jobs/types.js';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { freshDatabases } from '../support/databases.js';
import { intake } from '../support/intake.js';
import { chatOpened, tempDir } from '../curation/helpers.js';

const DB_KINDS = await freshDatabases();
const silent = pino({ level: 'silent' });
const source = (word: string) =>
  `id: weigh\ndefaultLanguage: ko\ntrigger: { on: chatOpened }\nfields:\n  weight: { type: number, unit: kg, min: 20, max: 300 }\nmessages:\n  - text: "${word} {{ weight }}kg"\n`;

/** Channel Talk as planRun calls it: the user, with the weight. */
const client = new ChannelTalkClient({
  baseUrl: 'http://channeltalk.invalid',
  accessKey: 'k',
  accessSecret: 's',
  retry: false,
  fetch: (input) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    const id = decodeURIComponent(url.split('/users/')[1] ?? '');
    return Promise.resolve(new Response(JSON.stringify({ user: { id, profile: { weight: 72 }, language: 'ko' } }), { status: 200, headers: { 'content-type': 'application/json' } }));
  },
});

for (const kind of DB_KINDS) {
  describe(`a run keeps its curation version on ${kind.name}`, () => {
    let store: Store;
    let library: CurationLibrary;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 0 });
      library = new CurationLibrary(store.db, store.dialect, silent);
      const loaded = await loadCurations(await tempDir({ 'weigh.yaml': source('첫 판') }));
      assert.ok(loaded.ok);
      await library.syncFiles('shop', { set: loaded.set, sources: loaded.sources });
      await library.refresh();
    });
    after(async () => {
      await store.close();
    });

    async function start(chatId: string, at: number): Promise<string> {
      const event = { ...chatOpened({ chatId, userId: `user-${chatId}`, profile: null }), dedupeKey: `chatOpened:${chatId}` };
      const out = await intake(store, intakeItem(`e-${chatId}`, event, library.liveSet('shop')!, at));
      const runId = out.runs[0]?.runId;
      assert.ok(runId, JSON.stringify(out));
      return runId;
    }

    /** Runs the due planRun jobs with the service's resolver: the run's own version. */
    async function planDue(now: number): Promise<void> {
      const ops = new JobOps(store.db, store.dialect);
      const handler = planRunHandler({
        db: store.db,
        clientFor: () => client,
        curationOf: (run) => (run.curation_version !== null ? library.forVersion(run.curation_version) : Promise.resolve(library.liveSet('shop')?.byId(run.curation_id))),
        timing: chatTiming(0),
        maxAgeMs: 3_600_000,
        leaseMs: 60_000,
      });
      for (const row of await ops.claim(now, 10, 'test', new Map([['planRun', 60_000]]))) {
        const job: Job<{ runId: string }> = { id: row.id, kind: row.kind, key: row.key, payload: handler.parse(JSON.parse(row.payload_json)), attempts: row.attempts, runAt: row.run_at, createdAt: row.created_at, lane: row.lane, pool: row.pool, leaseEnd: row.locked_until ?? now };
        const ctx: JobContext = { now: () => now, logger: silent, failure: (err) => ({ kind: 'fail', reason: String(err) }) };
        await settle(store.db, ops, job, 'test', await handler.run(job, ctx), { maxAttempts: null, maxAgeMs: null }, now);
      }
    }

    const firstBody = async (runId: string) => (await store.db.selectFrom('messages').select('body_json').where('run_id', '=', runId).where('seq', '=', 0).executeTakeFirstOrThrow()).body_json;
    const versionOf = async (runId: string) => (await store.db.selectFrom('runs').select('curation_version').where('id', '=', runId).executeTakeFirstOrThrow()).curation_version;

    test('planned after a publish, a run started before it still sends its own version; a run started after sends the new one', async () => {
      const before = await start('pin-before', 1_000);
      assert.equal(await versionOf(before), 'shop/weigh@1');
      const published = await library.publish({ scope: 'shop', curationId: 'weigh', source: source('둘째 판'), by: 'operator', note: 'new wording', takeOver: true });
      assert.ok(published.ok);
      const afterRun = await start('pin-after', 2_000);
      assert.equal(await versionOf(afterRun), 'shop/weigh@2');
      await planDue(3_000);
      assert.match(await firstBody(before), /첫 판 72kg/);
      assert.match(await firstBody(afterRun), /둘째 판 72kg/);
    });
  });
}
