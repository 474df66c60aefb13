// Sessions expire when idle and at their maximum age, in memory and in the
// database, where every instance sees the same sessions; failed sign-ins are
// throttled per address.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle, MemorySessionBackend, Sessions, sameSecret } from '../../src/server/console/sessions.js';
import { SessionTable, type SessionBackend } from '../../src/delivery/store/console-sessions.js';
import { Store } from '../../src/delivery/store/store.js';
import { freshDatabases } from '../support/databases.js';

const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});

const backends: Array<{ name: string; make: () => Promise<SessionBackend> }> = [
  { name: 'memory', make: () => Promise.resolve(new MemorySessionBackend()) },
  ...(await freshDatabases()).map((db) => ({
    name: db.name,
    make: async () => {
      const store = await Store.open(db.url, { delayScale: 1 });
      stores.push(store);
      await store.db.deleteFrom('console_sessions').execute();
      return new SessionTable(store.db);
    },
  })),
];

for (const b of backends) {
  describe(`sessions in ${b.name}`, () => {
    test('a session lives while used, and not past its idle time or maximum age', async () => {
      let now = 0;
      const sessions = new Sessions({ now: () => now, backend: await b.make(), idleMs: 1000, maxAgeMs: 5000 });
      const s = await sessions.create();
      assert.notEqual(s.id, s.csrf);
      assert.match(s.operatorId, /^op_/);
      assert.ok(!s.operatorId.includes(s.id), 'the loggable id reveals nothing of the cookie');
      for (now = 900; now <= 4500; now += 900) {
        const got = await sessions.get(s.id);
        assert.equal(got?.id, s.id, `alive at ${now}`);
        assert.equal(got?.csrf, s.csrf);
      }
      now = 5100;
      assert.equal(await sessions.get(s.id), null, 'past the maximum age');
      const idle = await sessions.create();
      now += 1001;
      assert.equal(await sessions.get(idle.id), null, 'idle too long');
      assert.equal(await sessions.get(undefined), null);
      assert.equal(await sessions.get('not-a-session'), null);
      const gone = await sessions.create();
      await sessions.destroy(gone.id);
      assert.equal(await sessions.get(gone.id), null);
    });

    test('the oldest sessions give way past the maximum count', async () => {
      let now = 0;
      const sessions = new Sessions({ now: () => now, backend: await b.make(), max: 2 });
      const a = await sessions.create();
      now = 1;
      const bb = await sessions.create();
      now = 2;
      const c = await sessions.create();
      assert.equal(await sessions.get(a.id), null);
      assert.ok((await sessions.get(bb.id)) && (await sessions.get(c.id)));
    });

    test('two instances on one store share sign-ins and sign-outs', async () => {
      const backend = await b.make();
      // In a database: a second connection, as a second process would have.
      const other = b.name === 'memory' ? backend : await b.make();
      let now = 10_000;
      const one = new Sessions({ now: () => now, backend });
      const two = new Sessions({ now: () => now, backend: other });
      const s = await one.create();
      now += 90_000;
      const seen = await two.get(s.id);
      assert.equal(seen?.operatorId, s.operatorId, 'signed in on one, known to the other');
      assert.equal(seen?.csrf, s.csrf, 'with the same CSRF token');
      await two.destroy(s.id);
      assert.equal(await one.get(s.id), null, 'signed out on the other, gone on the first');
    });
  });
}

test('the database holds a hash of the cookie value, never the value', async () => {
  const [db] = await freshDatabases();
  const store = await Store.open(db!.url, { delayScale: 1 });
  stores.push(store);
  const sessions = new Sessions({ now: Date.now, backend: new SessionTable(store.db) });
  const s = await sessions.create();
  const rows = await store.db.selectFrom('console_sessions').selectAll().execute();
  assert.ok(rows.length >= 1);
  assert.ok(rows.every((r) => r.id_hash !== s.id && !JSON.stringify(r).includes(s.id)));
});

test('sign-in throttle: blocked after the failures, per address, until the window passes', () => {
  let now = 0;
  const t = new LoginThrottle(() => now, 3, 1000);
  for (let i = 0; i < 3; i++) {
    assert.equal(t.blockedFor('a'), 0);
    t.fail('a');
  }
  assert.ok(t.blockedFor('a') > 0);
  assert.equal(t.blockedFor('b'), 0);
  now = 1001;
  assert.equal(t.blockedFor('a'), 0);
  t.fail('b');
  t.succeed('b');
  assert.equal(t.blockedFor('b'), 0);
});

test('sameSecret compares whole strings only', () => {
  assert.ok(sameSecret('abc', 'abc'));
  assert.ok(!sameSecret('ab', 'abc'));
  assert.ok(!sameSecret(undefined, 'abc'));
  assert.ok(!sameSecret(['abc'], 'abc'));
});
