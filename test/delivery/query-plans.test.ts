// The dispatcher runs its claim queries on every pass, and /healthz and
// /metrics count the queue. If any of them reads a whole table or a full
// index, its cost grows with history until a shop with a year of chats stalls
// (the scale benchmark found claimPlanning doing that: 0.8 s per pass at 1M
// runs). This checks SQLite's plan for each statement DispatchOps runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/delivery/store/store.js';
import { timeDispatcherQueries } from '../../bench/lib/queries.js';
import { tempDir } from '../support/processes.js';

test('every per-pass dispatcher query and queueDepth are bounded by the live queue, not by history', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'plans.db');
    const store = await Store.open(`sqlite:${file}`, { delayScale: 1 });
    await store.close();
    const q = await timeDispatcherQueries(file, 20);
    const whats = q.plans.map((p) => p.what.replace(/ #\d+$/, ''));
    for (const name of ['reclaimExpired', 'claimPlanning', 'claimWriteBacks', 'nextWakeAt', 'queueDepth', 'claimDue']) {
      assert.ok(whats.includes(name), `${name} was captured`);
    }
    const scans = q.plans.filter((p) => p.fullScan).map((p) => `${p.what}: ${p.plan.join(' / ')} (${p.sql})`);
    assert.deepEqual(scans, [], 'no statement reads a whole table or full index');
    const byName = (n: string) => q.plans.filter((p) => p.what.startsWith(`${n} `)).flatMap((p) => p.plan);
    assert.ok(byName('claimPlanning').some((l) => l.includes('runs_planning')), `claimPlanning: ${byName('claimPlanning').join(' / ')}`);
    const depth = byName('queueDepth').join(' / ');
    for (const ix of ['messages_due', 'messages_claimed', 'runs_active']) assert.ok(depth.includes(ix), `queueDepth uses ${ix}: ${depth}`);
    assert.ok(byName('claimDue').some((l) => l.includes('messages_due')), `claimDue: ${byName('claimDue').join(' / ')}`);
    assert.equal(q.liveQueue.pending, 200, 'the live queue was in place while timing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
