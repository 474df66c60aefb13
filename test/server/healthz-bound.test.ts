// Issue 16, item 2: /healthz is bounded as a whole. The queue depth it shows
// used to be read after the write probe with no deadline, so under load (a
// PostgreSQL pool with no free connection) the answer took 4 s, and a read
// that timed out was reported as `busy`. A slow or failing read of the queue
// is not an unhealthy database: the answer says the depth is unknown, and
// only the write probe (and the writes, see write-health.test.ts) decide the status.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { DatabaseBusyError } from '../../src/delivery/store/busy.js';
import { ROOT } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

let store: Store;
let app: FastifyInstance;
const realQueueDepth = () => Store.prototype.queueDepth.call(store);

before(async () => {
  const logger = pino({ level: 'silent' });
  store = await Store.open(`sqlite:${path.join(tempDir(), 'healthz-bound.db')}`, { delayScale: 0 });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: ['healthz-token'], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels: opened.registry });
});
after(async () => {
  store.queueDepth = realQueueDepth;
  await app.close();
  await store.close();
});

interface Health {
  ok: boolean;
  database: string;
  queue: number | null;
  note?: string;
}

test('the queue depth when it comes in time', async () => {
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(res.statusCode, 200);
  const body = res.json<Health>();
  assert.equal(body.ok, true);
  assert.equal(body.queue, 0);
  assert.equal(body.note, undefined);
});

test('a queue depth that never comes: /healthz still answers, 200 with the depth unknown and why', { timeout: 30_000 }, async () => {
  // Like a read waiting for a pooled connection that no one gives back.
  store.queueDepth = () => new Promise<number>(() => {});
  try {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    const body = res.json<Health>();
    assert.equal(body.ok, true);
    assert.equal(body.database, 'sqlite');
    assert.equal(body.queue, null);
    assert.match(body.note ?? '', /queue depth .*not read within 1 s/);
  } finally {
    store.queueDepth = realQueueDepth;
  }
});

test('a queue depth that fails as busy is no false `busy`: the write probe said the database takes writes', async () => {
  store.queueDepth = () => Promise.reject(new DatabaseBusyError('timeout exceeded when trying to connect', undefined));
  try {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    const body = res.json<Health>();
    assert.equal(body.ok, true);
    assert.equal(body.queue, null);
    assert.match(body.note ?? '', /queue depth could not be read/);
  } finally {
    store.queueDepth = realQueueDepth;
  }
});
