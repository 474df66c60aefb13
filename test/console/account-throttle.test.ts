// Failed sign-ins are throttled per account as well as per address: ten
// wrong passwords for one name from ten addresses lock that name (even the
// right password waits), while other accounts sign in; no password is logged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { listAudit } from '../../src/delivery/store/audit-log.js';
import { Store } from '../../src/delivery/store/store.js';
import { registerConsole } from '../../src/server/console/index.js';
import type { CurationSet } from '../../src/curation/index.js';
import { tempDir } from '../support/processes.js';
import { FakeClock } from './fake-clock.js';

let store: Store;
let app: FastifyInstance;
let clock: FakeClock;
const logs: string[] = [];

before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir('curation-acct-throttle-'), 'c.db')}`, { delayScale: 0 });
  clock = new FakeClock();
  const by = { actorId: null, actor: 'test', address: null };
  assert.ok((await createAccount(store.db, { name: 'choi', role: 'editor', passwordHash: await hashPassword('choi-right-password') }, by, clock.now())).ok);
  assert.ok((await createAccount(store.db, { name: 'jung', role: 'viewer', passwordHash: await hashPassword('jung-right-password') }, by, clock.now())).ok);
  app = Fastify();
  await registerConsole(app, {
    store,
    logger: pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => (logs.push(c.toString('utf8')), done()) })),
    adminToken: 'throttle-test-admin-token',
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

const signIn = (ip: string, name: string, password: string) => app.inject({ method: 'POST', url: '/console/login', remoteAddress: ip, payload: { name, password } });

test('ten failures for one name from ten addresses lock the name, not the others', async () => {
  for (let i = 0; i < 10; i++) assert.equal((await signIn(`192.0.2.${i + 1}`, 'choi', `guess-number-${i}`)).statusCode, 401);
  const locked = await signIn('198.51.100.1', 'choi', 'choi-right-password');
  assert.equal(locked.statusCode, 429, 'the right password waits while the name is locked');
  assert.ok(Number(locked.headers['retry-after']) > 0);
  assert.equal((await signIn('198.51.100.1', 'jung', 'jung-right-password')).statusCode, 200, 'another account from the same address signs in');
  clock.advance(15 * 60_000 + 1);
  assert.equal((await signIn('198.51.100.1', 'choi', 'choi-right-password')).statusCode, 200, 'after the window');

  const failed = await listAudit(store.db, { action: 'sign_in.failed' });
  assert.equal(failed.length, 10);
  assert.ok(failed.every((r) => r.actor === 'choi' && r.address?.startsWith('192.0.2.')));
  assert.ok(!logs.some((l) => l.includes('guess-number') || l.includes('right-password')), 'no password in a log line');
});
