// /metrics: the job engine's depth by kind and state (pending, running,
// failed), read from the store on each scrape, on the Metrics object alone
// and on a real store of each database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Metrics, registerMetrics } from '../../src/server/metrics.js';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps, type JobDepth } from '../../src/delivery/store/job-ops.js';
import { freshDatabases } from '../support/databases.js';

const DB_KINDS = await freshDatabases();

function value(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').at(-1)) : null;
}

const depth = (kind: string, state: string) => `curation_job_depth{kind="${kind}",state="${state}"}`;

test('the gauge follows the store on each scrape; a kind seen once reads 0 in every state it has left', async () => {
  let rows: JobDepth[] = [
    { kind: 'planRun', state: 'pending', count: 3 },
    { kind: 'planRun', state: 'running', count: 1 },
    { kind: 'writeBack', state: 'failed', count: 2 },
  ];
  const app = Fastify();
  registerMetrics(app, new Metrics({ processMetrics: false }), { queueDepth: () => Promise.resolve(0), jobDepth: () => Promise.resolve(rows) });
  const first = (await app.inject({ url: '/metrics' })).body;
  assert.match(first, /^# TYPE curation_job_depth gauge$/m);
  assert.equal(value(first, depth('planRun', 'pending')), 3);
  assert.equal(value(first, depth('planRun', 'running')), 1);
  assert.equal(value(first, depth('planRun', 'failed')), 0);
  assert.equal(value(first, depth('writeBack', 'failed')), 2);
  assert.equal(value(first, depth('writeBack', 'pending')), 0);
  rows = [{ kind: 'writeBack', state: 'pending', count: 5 }];
  const second = (await app.inject({ url: '/metrics' })).body;
  assert.equal(value(second, depth('planRun', 'pending')), 0, 'drained: 0, not the last value');
  assert.equal(value(second, depth('planRun', 'running')), 0);
  assert.equal(value(second, depth('writeBack', 'failed')), 0);
  assert.equal(value(second, depth('writeBack', 'pending')), 5);
  await app.close();
});

test('a store that cannot answer leaves the last depth and the scrape answers', async () => {
  let fail = false;
  const app = Fastify();
  registerMetrics(app, new Metrics({ processMetrics: false }), {
    queueDepth: () => Promise.resolve(0),
    jobDepth: () => (fail ? Promise.reject(new Error('database is locked')) : Promise.resolve([{ kind: 'sweep', state: 'pending', count: 1 }])),
  });
  assert.equal(value((await app.inject({ url: '/metrics' })).body, depth('sweep', 'pending')), 1);
  fail = true;
  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.equal(value(res.body, depth('sweep', 'pending')), 1);
  await app.close();
});

for (const kind of DB_KINDS) {
  describe(`job depth from a ${kind.name} store`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    test('counts each kind\'s jobs by state', async () => {
      const ops = new JobOps(store.db, store.dialect);
      for (let i = 0; i < 3; i++) await ops.enqueue({ kind: 'writeBack', key: `writeBack:r${i}`, payload: { runId: `r${i}` }, runAt: 100 }, 100);
      await ops.enqueue({ kind: 'userEvent', key: 'userEvent:r0', payload: { runId: 'r0' }, runAt: 100 }, 100);
      await ops.enqueue({ kind: 'userEvent', key: 'userEvent:r1', payload: { runId: 'r1' }, runAt: 100 }, 100);
      const [claimed] = await ops.claim(1_000, 1, 'i', new Map([['writeBack', 30_000]]));
      assert.ok(claimed);
      await store.db.updateTable('jobs').set({ state: 'failed' }).where('key', '=', 'userEvent:r1').execute();
      const app = Fastify();
      registerMetrics(app, new Metrics({ processMetrics: false }), store);
      const t = (await app.inject({ url: '/metrics' })).body;
      await app.close();
      assert.equal(value(t, depth('writeBack', 'pending')), 2);
      assert.equal(value(t, depth('writeBack', 'running')), 1);
      assert.equal(value(t, depth('writeBack', 'failed')), 0);
      assert.equal(value(t, depth('userEvent', 'pending')), 1);
      assert.equal(value(t, depth('userEvent', 'failed')), 1);
      assert.equal(value(t, depth('userEvent', 'running')), 0);
    });
  });
}
