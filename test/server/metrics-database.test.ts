// /metrics keeps answering when the database cannot: the scrape reports the
// database's state and keeps the last queue depth instead of failing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Metrics, registerMetrics } from '../../src/server/metrics.js';

test('a busy database: /metrics answers 200 with curation_database_state busy, and the last queue depth', async () => {
  let busy = false;
  const source = {
    queueDepth: () => (busy ? Promise.reject(new Error('database busy (database is locked)')) : Promise.resolve(7)),
    health: () => Promise.resolve(busy ? ('busy' as const) : ('ok' as const)),
  };
  const app = Fastify();
  registerMetrics(app, new Metrics({ processMetrics: false }), source);
  try {
    const ok = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /^curation_database_state\{state="ok"\} 1$/m);
    assert.match(ok.body, /^curation_queue_depth 7$/m);
    busy = true;
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^curation_database_state\{state="busy"\} 1$/m);
    assert.match(res.body, /^curation_database_state\{state="ok"\} 0$/m);
    assert.match(res.body, /^curation_database_state\{state="unreachable"\} 0$/m);
    assert.match(res.body, /^curation_queue_depth 7$/m, 'the last depth read');
  } finally {
    await app.close();
  }
});
