// An instance's identity (jobs.locked_by) outlives its process: restarted after
// a SIGKILL, it knows the claims it left and takes them back at once instead
// of waiting out their lease. Two instances sharing a state directory never
// share an identity. Real processes on the shared PostgreSQL test server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { IDENTITY_SESSION_NAME, identityLockKey } from '../../src/delivery/store/instance-lock.js';
import { freshPostgres, postgresAvailable } from '../support/databases.js';
import { eventually, serviceEnv, startFake, startService, tempDir, type FakeProc } from '../support/processes.js';
import { allArrived, assertExactlyOnceInOrder, postAll, sequence, shippedCurations } from '../support/sequences.js';

const admin = postgresAvailable();
const LEASE_SECONDS = 120;

function instanceIdOf(startedLine: string | undefined): string {
  return String((JSON.parse(startedLine ?? '{}') as { instanceId?: unknown }).instanceId);
}

describe('instance identity on PostgreSQL', { skip: admin ? false : 'TEST_DATABASE_URL not set' }, () => {
  let fake: FakeProc;
  before(async () => {
    fake = await startFake();
  });
  after(async () => {
    await fake?.stop();
  });

  const envFor = async () =>
    serviceEnv(fake, {
      DATABASE_URL: await freshPostgres(admin!),
      STATE_DIR: tempDir('curation-state-'),
      DELAY_SCALE: '0',
      SWEEP_INTERVAL_SECONDS: '0',
      WEBHOOK_HEALTH_INTERVAL_SECONDS: '0',
      CLAIM_LEASE_SECONDS: String(LEASE_SECONDS),
    });

  test('a SIGKILLed instance, restarted, sends the message it had claimed without waiting for the lease', async () => {
    const env = await envFor();
    const curations = await shippedCurations();
    const s = sequence(curations, 'identity', 0);
    // The first send hangs at Channel Talk (and is never taken): the instance dies holding its claim.
    await fake.control('/_fake/faults', { next: ['timeout'], failAfterCommitRate: 0, stallMs: 60_000 });
    const first = await startService(env);
    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    let second: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      await postAll([first], [s]);
      const claim = await eventually(async () => {
        const { rows } = await db.query<{ locked_by: string; locked_until: string }>("SELECT locked_by, locked_until FROM jobs WHERE kind = 'sendMessage' AND state = 'running'");
        return rows[0];
      }, 20_000, 'the send to be claimed');
      await first.kill();
      await fake.control('/_fake/faults', {});
      const restartedAt = Date.now();
      second = await startService(env);
      assert.equal(instanceIdOf(second.lines.find((l) => /"msg":"service started"/.test(l))), claim.locked_by, 'the restarted instance has the same identity');
      // Its claim would last until restartedAt + ~120 s; it is taken back at start.
      const r = await allArrived(fake, [s], (LEASE_SECONDS / 4) * 1000);
      assertExactlyOnceInOrder(r, [s]);
      const firstArrival = Math.min(...r.messages.filter((m) => m.chatId === s.chatId).map((m) => m.receivedAt));
      assert.ok(firstArrival < Number(claim.locked_until), 'sent before the dead claim would have expired');
      console.log(`identity: first message ${firstArrival - restartedAt} ms after the restart; the lease had ${Number(claim.locked_until) - restartedAt} ms left`);
    } finally {
      await fake.control('/_fake/faults', {});
      await db.end();
      await second?.stop();
      await first.stop();
    }
  });

  test('two instances started with one state directory get two identities; a restarted one takes the identity that was freed', async () => {
    const env = await envFor();
    const a = await startService(env);
    const b = await startService(env);
    let c: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      const idA = instanceIdOf(a.lines.find((l) => /service started/.test(l)));
      const idB = instanceIdOf(b.lines.find((l) => /service started/.test(l)));
      assert.notEqual(idA, idB, 'no two running instances share an identity');
      await b.kill();
      c = await startService(env);
      assert.equal(instanceIdOf(c.lines.find((l) => /service started/.test(l))), idB, 'the restarted instance is the one that died');
    } finally {
      await c?.stop();
      await b.stop();
      await a.stop();
    }
  });

  test('an identity another process took while the instance had no connection stops the instance: two live processes never share one', async () => {
    const env = await envFor();
    const a = await startService(env);
    const id = instanceIdOf(a.lines.find((l) => /service started/.test(l)));
    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    try {
      // The session holding the identity ends; before the instance takes it again, another session takes it.
      const ended = await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [IDENTITY_SESSION_NAME]);
      assert.equal(ended.rowCount, 1, 'the instance held its identity in a session of its own');
      await db.query('SELECT pg_advisory_lock($1, $2)', identityLockKey(id));
      assert.equal(await a.exited, 1, 'the instance stopped, with an error');
      assert.ok(a.lines.some((l) => /"level":60.*another process took the instance identity/.test(l)), 'and said why');
    } finally {
      await db.end();
      await a.stop();
    }
  });
});
