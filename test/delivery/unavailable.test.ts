// What counts as "the database cannot be reached", the wait at start-up, and
// the link's once-per-outage account and fast refusal, without a server: the
// errors are shaped as node-postgres and Node give them (postgres-outage's
// e2e test meets the real ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseUnavailableError, asUnavailableError, isConnectionError, retryWhileUnavailable } from '../../src/delivery/store/unavailable.js';
import { asBusyError, DatabaseBusyError } from '../../src/delivery/store/busy.js';
import { PgLink, type ProbeClient } from '../../src/delivery/store/pg-link.js';
import { eventually } from '../support/processes.js';

const withCode = (message: string, code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

test('connection errors are recognised, other errors are not', () => {
  const refused = withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED', { errno: -111, syscall: 'connect', address: '127.0.0.1', port: 5432 });
  const happyEyeballs = Object.assign(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'), refused], ''), { code: 'ECONNREFUSED' });
  const adminShutdown = withCode('terminating connection due to administrator command', '57P01', { severity: 'FATAL' });
  const startingUp = withCode('the database system is starting up', '57P03', { severity: 'FATAL' });
  const linkFailure = withCode('connection failure', '08006');
  const terminated = new Error('Connection terminated unexpectedly');
  const timedOut = new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') });
  for (const err of [refused, happyEyeballs, adminShutdown, startingUp, linkFailure, terminated, timedOut, new Error('migration failed', { cause: adminShutdown })]) {
    assert.equal(isConnectionError(err), true, err.message);
    const u = asUnavailableError(err);
    assert.ok(u instanceof DatabaseUnavailableError, err.message);
  }
  assert.equal((asUnavailableError(refused) as DatabaseUnavailableError).code, 'ECONNREFUSED');
  const notThese = [
    withCode('syntax error at or near "SELEC"', '42601'),
    withCode('duplicate key value violates unique constraint "events_dedupe_key_key"', '23505'),
    withCode('password authentication failed for user "curation"', '28P01'),
    withCode('canceling statement due to lock timeout', '55P03'),
    new Error('timeout exceeded when trying to connect'),
    withCode('database or disk is full', 'SQLITE_FULL'),
  ];
  for (const err of notThese) assert.equal(isConnectionError(err), false, err.message);
  // The pool's own wait for a free connection stays "busy".
  assert.ok(asUnavailableError(asBusyError(new Error('timeout exceeded when trying to connect'))) instanceof DatabaseBusyError);
});

test('the start-up wait tries again with backoff, says why each time, gives up after maxMs, and ends on abort', async () => {
  let calls = 0;
  const waits: Array<{ attempt: number; code: string | undefined; retryInMs: number }> = [];
  const refused = () => new DatabaseUnavailableError('connect ECONNREFUSED', 'ECONNREFUSED');
  const value = await retryWhileUnavailable(
    () => (++calls < 3 ? Promise.reject(refused()) : Promise.resolve('open')),
    { maxMs: null, onWait: (w) => waits.push(w) },
  );
  assert.equal(value, 'open');
  assert.deepEqual(waits.map((w) => [w.attempt, w.code, w.retryInMs]), [[1, 'ECONNREFUSED', 1_000], [2, 'ECONNREFUSED', 2_000]]);

  // Other errors are not waited for.
  await assert.rejects(retryWhileUnavailable(() => Promise.reject(new Error('bad password')), { maxMs: null, onWait: () => assert.fail('no wait') }), /bad password/);
  // A bound: the next try would come after it, so the error is thrown.
  await assert.rejects(retryWhileUnavailable(() => Promise.reject(refused()), { maxMs: 500, onWait: () => assert.fail('no wait') }), DatabaseUnavailableError);
  // SIGTERM during the wait.
  const stop = new AbortController();
  const waiting = retryWhileUnavailable(() => Promise.reject(refused()), { maxMs: null, signal: stop.signal, onWait: () => setTimeout(() => stop.abort(new Error('stopped by SIGTERM')), 10) });
  await assert.rejects(waiting, /stopped by SIGTERM/);
});

test('the link: one line when lost and one when back, requests refused at once while new connections fail, a probe until one succeeds', async () => {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const log = {
    warn: (fields: Record<string, unknown>, msg: string) => void lines.push({ level: 'warn', msg, fields }),
    info: (fields: Record<string, unknown>, msg: string) => void lines.push({ level: 'info', msg, fields }),
  } as unknown as Parameters<PgLink['report']>[0];
  let up = false;
  let probes = 0;
  const probe = (): Promise<ProbeClient> => {
    probes++;
    if (!up) return Promise.reject(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'));
    return Promise.resolve({ query: () => Promise.resolve({}), release: () => {} });
  };
  const link = new PgLink('postgres://127.0.0.1:5432/curation', probe, 1_000);
  link.report(log);
  try {
    // A restart: ten pooled connections break at once, then a new one is refused.
    for (let i = 0; i < 10; i++) link.broken(withCode('terminating connection due to administrator command', '57P01'));
    const attempt = link.connecting();
    assert.notEqual(link.connectingSince(), null, 'a connection is being made');
    attempt(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'));
    assert.equal(link.connectingSince(), null);
    assert.equal(link.unreachable(), true);
    const t0 = performance.now();
    await assert.rejects(link.acquire(() => assert.fail('no connection is asked for')), DatabaseUnavailableError);
    assert.ok(performance.now() - t0 < 100, 'refused at once');
    assert.deepEqual(lines.map((l) => l.msg), ['database connection lost', 'database unreachable: webhooks get 503 and jobs wait until it answers']);
    assert.equal(lines[0]!.fields.code, '57P01');
    assert.equal(lines[0]!.fields.database, 'postgres://127.0.0.1:5432/curation');
    await eventually(() => probes >= 2, 5_000, 'the probe to try again');
    up = true;
    await eventually(() => !link.unreachable(), 5_000, 'the probe to find the database back');
    assert.equal(lines.at(-1)!.msg, 'database connection back');
    assert.equal(lines.length, 3, 'three lines for the whole outage');
    assert.equal(await link.acquire(() => Promise.resolve('client')), 'client');
  } finally {
    link.close();
  }
});
