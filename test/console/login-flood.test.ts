// The sign-in throttle and its log lines through the real /console/login
// route, in process (Fastify inject, one remote address per request) on a
// clock the test moves: a flood of addresses neither unlocks a locked one nor
// floods the log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { registerConsole } from '../../src/server/console/index.js';
import type { CurationSet } from '../../src/curation/index.js';
import { tempDir } from '../support/processes.js';
import { FakeClock } from './fake-clock.js';

const ADMIN = 'flood-test-admin-token';
const LOCKED = '192.0.2.77';
const ipv4 = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

let store: Store;
let app: FastifyInstance;
let clock: FakeClock;
const logs: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
/** 401 answers so far: what the log lines must add up to. */
let refused401 = 0;

before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir('curation-flood-'), 'c.db')}`, { delayScale: 0 });
  clock = new FakeClock();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) logs.push(JSON.parse(l) as (typeof logs)[number]);
      done();
    },
  });
  app = Fastify();
  await registerConsole(app, {
    store,
    logger: pino({ level: 'info' }, sink),
    adminToken: ADMIN,
    curations: (): CurationSet => ({ curations: [], byId: () => undefined }),
    reloadCurations: () => Promise.resolve({ ok: true, ids: [] }),
    now: clock.now,
    schedule: clock.schedule,
  });
});
after(async () => {
  await app.close();
  await store.close();
});

async function signIn(ip: string, token: string) {
  const res = await app.inject({ method: 'POST', url: '/console/login', remoteAddress: ip, payload: { token } });
  if (res.statusCode === 401) refused401++;
  return res;
}

describe('console sign-in under a flood', () => {
  test('10,005 other addresses failing neither unlock a locked address nor write a line each', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await signIn(LOCKED, `guess-${i}`)).statusCode, 401);
    assert.equal((await signIn(LOCKED, ADMIN)).statusCode, 429, 'locked');

    const codes = new Map<number, number>();
    for (let i = 0; i < 10_005; i++) {
      const { statusCode } = await signIn(ipv4(i), `flood-${i}`);
      codes.set(statusCode, (codes.get(statusCode) ?? 0) + 1);
    }
    const locked = await signIn(LOCKED, ADMIN);
    assert.equal(locked.statusCode, 429, 'the right token still waits at the locked address');
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.deepEqual([...codes.keys()].sort(), [401, 429], 'refused, then held back by the all-address ceiling');

    const refusedLines = logs.filter((l) => l.msg === 'console: sign-in refused');
    assert.equal(refusedLines.length, 1, 'only the first refusal has a line of its own');
    const paused = logs.filter((l) => /sign-in paused for every address/.test(l.msg));
    assert.equal(paused.length, 1, 'the ceiling is reported once');
    assert.ok(!logs.some((l) => JSON.stringify(l).includes('flood-') || JSON.stringify(l).includes('guess-')), 'tried tokens are never logged');
  });

  test('a minute later one summary line counts the refusals, without addresses', () => {
    const before = logs.length;
    clock.advance(60_000);
    const summaries = logs.slice(before).filter((l) => /console sign-ins refused \(wrong admin token\) in the last 60 s$/.test(l.msg));
    assert.equal(summaries.length, 1);
    const s = summaries[0]!;
    assert.equal(s.level, 40, 'warn');
    const refused = logs.filter((l) => l.msg === 'console: sign-in refused').length + (s.refused as number);
    assert.equal(refused, refused401, 'every 401 counted once');
    assert.ok(!JSON.stringify(s).includes('10.0.'), 'no address in the summary');
    assert.equal(typeof s.addresses, 'number');
    clock.advance(120_000);
    assert.equal(logs.slice(before).length, 1, 'nothing more when nothing more was refused');
  });

  test('after the window, the ceiling and the lock lift, and the right token signs in', async () => {
    clock.advance(15 * 60_000);
    assert.equal((await signIn(LOCKED, ADMIN)).statusCode, 200);
    assert.equal((await signIn('198.51.100.20', ADMIN)).statusCode, 200);
  });
});
