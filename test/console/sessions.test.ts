// Sessions expire when idle and at their maximum age, in memory and in the
// database, where every instance sees the same sessions; failed sign-ins are
// throttled per address.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BREAK_GLASS_OWNER, LoginThrottle, MemorySessionBackend, Sessions, sameSecret, throttleKey } from '../../src/server/console/sessions.js';
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
      const s = await sessions.create(BREAK_GLASS_OWNER);
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
      const idle = await sessions.create(BREAK_GLASS_OWNER);
      now += 1001;
      assert.equal(await sessions.get(idle.id), null, 'idle too long');
      assert.equal(await sessions.get(undefined), null);
      assert.equal(await sessions.get('not-a-session'), null);
      const gone = await sessions.create(BREAK_GLASS_OWNER);
      await sessions.destroy(gone.id);
      assert.equal(await sessions.get(gone.id), null);
    });

    test('the oldest sessions give way past the maximum count', async () => {
      let now = 0;
      const sessions = new Sessions({ now: () => now, backend: await b.make(), max: 2 });
      const a = await sessions.create(BREAK_GLASS_OWNER);
      now = 1;
      const bb = await sessions.create(BREAK_GLASS_OWNER);
      now = 2;
      const c = await sessions.create(BREAK_GLASS_OWNER);
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
      const s = await one.create(BREAK_GLASS_OWNER);
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
  const s = await sessions.create(BREAK_GLASS_OWNER);
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

const ipv4 = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

test('sign-in throttle: a flood of other addresses never unlocks a locked one', () => {
  let now = 0;
  // The all-address ceiling off, so that only the per-address store stands in the way.
  const t = new LoginThrottle(() => now, 10, 15 * 60_000, { maxGlobalFailures: Infinity });
  for (let i = 0; i < 10; i++) t.fail('192.0.2.1');
  assert.ok(t.blockedFor('192.0.2.1') > 0);
  for (let i = 0; i < 10_005; i++) {
    now += 1;
    assert.equal(t.blockedFor(ipv4(i)), 0, 'one failure each: none of them is blocked');
    t.fail(ipv4(i));
  }
  assert.ok(t.blockedFor('192.0.2.1') > 0, 'still locked after 10,005 other addresses failed');
  assert.ok(t.tracked <= 10_000, `bounded: ${t.tracked} entries`);
});

test('sign-in throttle: past the cap, the oldest unlocked entries go first, locked ones stay', () => {
  let now = 0;
  const t = new LoginThrottle(() => now, 3, 1000, { maxGlobalFailures: Infinity, maxTracked: 5 });
  for (const ip of ['198.51.100.1', '198.51.100.2']) for (let i = 0; i < 3; i++) t.fail(ip);
  t.fail('198.51.100.3');
  t.fail('198.51.100.3');
  for (let i = 0; i < 50; i++) t.fail(ipv4(i));
  assert.ok(t.blockedFor('198.51.100.1') > 0 && t.blockedFor('198.51.100.2') > 0, 'both locked addresses kept');
  assert.ok(t.tracked <= 5, `bounded: ${t.tracked}`);
  // 198.51.100.3 was pushed out while it was only counting: it starts again from nothing.
  t.fail('198.51.100.3');
  assert.equal(t.blockedFor('198.51.100.3'), 0);
  // More locked addresses than the cap: the store stays bounded, the newest lock holds.
  for (let k = 0; k < 8; k++) for (let i = 0; i < 3; i++) t.fail(`203.0.113.${k}`);
  assert.ok(t.tracked <= 5, `bounded: ${t.tracked}`);
  assert.ok(t.blockedFor('203.0.113.7') > 0);
  now += 1001;
  assert.equal(t.blockedFor('203.0.113.7'), 0, 'a lock ends with its window');
});

test('sign-in throttle: the lockout lasts a full window from the failure that caused it', () => {
  let now = 0;
  const t = new LoginThrottle(() => now, 3, 1000);
  t.fail('a');
  now = 900;
  t.fail('a');
  t.fail('a');
  now = 1500;
  assert.ok(t.blockedFor('a') > 0, 'not released 100 ms after it began because the first failure was old');
  now = 1901;
  assert.equal(t.blockedFor('a'), 0);
});

test('sign-in throttle: failures from all addresses together have a ceiling per window', () => {
  let now = 0;
  const t = new LoginThrottle(() => now, 10, 1000, { maxGlobalFailures: 25 });
  for (let i = 0; i < 25; i++) {
    assert.equal(t.blockedFor(ipv4(i)), 0);
    t.fail(ipv4(i));
  }
  assert.ok(t.blockedFor('192.0.2.200') > 0, 'a fresh address waits too: a distributed guess is bounded');
  assert.equal(t.globallyBlocked(), true);
  now = 1001;
  assert.equal(t.blockedFor('192.0.2.200'), 0, 'until the window passes');
  assert.equal(t.globallyBlocked(), false);
});

test('sign-in throttle key: an IPv6 client is its /64, an IPv4-mapped one its IPv4 address', () => {
  assert.equal(throttleKey('203.0.113.9'), '203.0.113.9');
  assert.equal(throttleKey('::ffff:203.0.113.9'), '203.0.113.9');
  assert.equal(throttleKey('2001:db8:1:2::1'), throttleKey('2001:0db8:0001:0002:ffff:0:0:9'));
  assert.notEqual(throttleKey('2001:db8:1:2::1'), throttleKey('2001:db8:1:3::1'));
  assert.equal(throttleKey('fe80::1%eth0'), throttleKey('fe80::2'));
  assert.equal(throttleKey('::1'), throttleKey('::2'), 'loopback shares the zero /64');
  const t = new LoginThrottle(() => 0, 3, 1000);
  for (let i = 1; i <= 3; i++) t.fail(throttleKey(`2001:db8:1:2::${i}`));
  assert.ok(t.blockedFor(throttleKey('2001:db8:1:2::99')) > 0, 'rotating addresses inside one /64 does not help');
});

test('sameSecret compares whole strings only', () => {
  assert.ok(sameSecret('abc', 'abc'));
  assert.ok(!sameSecret('ab', 'abc'));
  assert.ok(!sameSecret(undefined, 'abc'));
  assert.ok(!sameSecret(['abc'], 'abc'));
});
