// The benchmark's processes are set up as an operator would run them: its
// fake Channel Talk has our webhook registered (as `curation setup` leaves
// it), so a benchmarked service finds its webhook healthy and logs no error.
// A full run once exited 1 because every service it started logged the
// webhook as missing (the intake and postgres stages count error lines).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { removeDir, startFake, startService, tempDir, type FakeProc, type ServiceProc } from '../../bench/lib/procs.js';
import { chatOpenedTemplate, concrete } from '../../bench/lib/bodies.js';
import { eventually } from '../support/processes.js';

describe('the benchmark\'s service and fake', () => {
  let fake: FakeProc;
  let svc: ServiceProc;
  let dir: string;
  before(async () => {
    dir = tempDir();
    fake = await startFake();
    svc = await startService({ fakeUrl: fake.url, dbFile: path.join(dir, 'bench.db'), delayScale: 100 });
  });
  after(async () => {
    await svc?.stop();
    await fake?.stop();
    removeDir(dir);
  });

  test('the webhook health check finds the webhook registered, with the scopes the curations need, and nothing is logged as an error', { timeout: 60_000 }, async () => {
    const health = await eventually(async () => {
      const body = (await (await fetch(`${svc.url}/healthz`)).json()) as { webhooks?: { ok: boolean; channels: Record<string, { state: string; missingScopes?: string[]; reason: string }> } };
      return body.webhooks?.channels.default;
    }, 30_000, 'the first webhook health check');
    assert.equal(health.state, 'ok', health.reason);
    assert.equal(health.missingScopes, undefined, health.reason);
    // The stages' own sample delivery, as they send it first.
    const sample = await svc.post(concrete(chatOpenedTemplate(), 'benchsvcsanity'.padEnd(20, '0')));
    assert.equal(sample.status, 200);
    // Its run started in the webhook's commit (record-event.ts): answered `acted`, with that run.
    assert.equal(sample.json.status, 'acted');
    assert.equal((sample.json.runs as unknown[]).length, 1);
    assert.equal(svc.errorLines(), 0, 'no error logged');
  });
});
