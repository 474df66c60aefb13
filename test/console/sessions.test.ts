// Sessions expire when idle and at their maximum age; failed sign-ins are throttled per address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoginThrottle, Sessions, sameSecret } from '../../src/server/console/sessions.js';

test('a session lives while used, and not past its idle time or maximum age', () => {
  let now = 0;
  const sessions = new Sessions({ now: () => now, idleMs: 1000, maxAgeMs: 5000 });
  const s = sessions.create();
  assert.notEqual(s.id, s.csrf);
  assert.match(s.operatorId, /^op_/);
  assert.ok(!s.operatorId.includes(s.id), 'the loggable id reveals nothing of the cookie');
  for (now = 900; now <= 4500; now += 900) assert.equal(sessions.get(s.id)?.id, s.id, `alive at ${now}`);
  now = 5100;
  assert.equal(sessions.get(s.id), null, 'past the maximum age');
  const idle = sessions.create();
  now += 1001;
  assert.equal(sessions.get(idle.id), null, 'idle too long');
  assert.equal(sessions.get(undefined), null);
  const gone = sessions.create();
  sessions.destroy(gone.id);
  assert.equal(sessions.get(gone.id), null);
});

test('the oldest sessions give way past the maximum count', () => {
  const sessions = new Sessions({ now: () => 0, max: 2 });
  const a = sessions.create();
  const b = sessions.create();
  const c = sessions.create();
  assert.equal(sessions.get(a.id), null);
  assert.ok(sessions.get(b.id) && sessions.get(c.id));
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
