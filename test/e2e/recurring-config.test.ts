// A recurring job follows the configuration the service starts with: after a
// restart with another WEBHOOK_HEALTH_INTERVAL_SECONDS the health check's next
// run is its last run plus the new interval (it kept the old schedule, so a
// shorter interval waited out the old one first), and SWEEP_INTERVAL_SECONDS=0
// ends the sweep's series (its row stayed, and its job then ran without pause).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { eventually, serviceEnv, startFake, startService, type FakeProc, type ServiceProc } from '../support/processes.js';

interface Row {
  key: string;
  run_at: number;
  created_at: number;
  state: string;
}

describe('recurring jobs after a restart with another interval', () => {
  let fake: FakeProc;
  let svc: ServiceProc | undefined;
  before(async () => {
    fake = await startFake();
  });
  after(async () => {
    await svc?.stop();
    await fake?.stop();
  });

  test('the health check follows the new interval; a sweep turned off stops', async () => {
    const env = serviceEnv(fake, { WEBHOOK_HEALTH_INTERVAL_SECONDS: '3600', SWEEP_INTERVAL_SECONDS: '3600' });
    const file = env.DATABASE_URL!.slice('sqlite:'.length);
    const rows = (): Row[] => {
      const db = new BetterSqlite3(file, { readonly: true });
      try {
        return db.prepare(`SELECT key, run_at, created_at, state FROM jobs WHERE key IN ('webhookHealth:default', 'sweep:default')`).all() as Row[];
      } finally {
        db.close();
      }
    };
    const row = (key: string) => rows().find((r) => r.key === key);
    // A row written by a finished run: due its interval after that run.
    const scheduled = (key: string, ms: number) => {
      const r = row(key);
      return r !== undefined && r.state === 'pending' && r.run_at - r.created_at === ms && r;
    };

    svc = await startService(env);
    const first = await eventually(() => scheduled('webhookHealth:default', 3_600_000), 30_000, 'the first health check, then the next one an hour later');
    await eventually(() => scheduled('sweep:default', 3_600_000), 30_000, 'the first sweep, then the next one an hour later');
    await svc.stop();

    svc = await startService({ ...env, WEBHOOK_HEALTH_INTERVAL_SECONDS: '45', SWEEP_INTERVAL_SECONDS: '0' });
    const next = row('webhookHealth:default');
    assert.ok(next, 'the health check still has its row');
    assert.equal(next.created_at, first.created_at, 'the same occurrence, not a new series');
    assert.equal(next.run_at, first.created_at + 45_000, 'due 45 s after the last check, not an hour');
    assert.equal(row('sweep:default'), undefined, 'the sweep is off: its row is gone');
    await svc.stop();

    // Longer again: the waiting occurrence moves out with it.
    svc = await startService({ ...env, WEBHOOK_HEALTH_INTERVAL_SECONDS: '7200', SWEEP_INTERVAL_SECONDS: '0' });
    const later = row('webhookHealth:default');
    assert.ok(later);
    assert.equal(later.run_at, later.created_at + 7_200_000);
    assert.equal(row('sweep:default'), undefined);
  });
});
