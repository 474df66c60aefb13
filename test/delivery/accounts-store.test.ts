// Accounts and the audit log in the store, on SQLite and PostgreSQL: each
// change is written with its audit row and ends that account's sessions in
// one transaction; the audit log filters by action, actor and time, and
// retention deletes only rows past the cutoff.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { changeAccount, createAccount, listAccounts } from '../../src/delivery/store/accounts.js';
import { appendAudit, listAudit } from '../../src/delivery/store/audit-log.js';
import { SessionTable } from '../../src/delivery/store/console-sessions.js';
import { Store } from '../../src/delivery/store/store.js';
import { freshDatabases, type TestDb } from '../support/databases.js';

const ADMIN = { actorId: 'acc_admin', actor: 'kim.minji', address: '203.0.113.9' };
const T0 = Date.UTC(2026, 11, 1, 9);

let dbs: TestDb[] = [];
before(async () => {
  dbs = await freshDatabases();
});

for (const which of ['sqlite', 'postgres'] as const) {
  describe(`accounts on ${which}`, () => {
    let store: Store | undefined;
    before(async () => {
      const db = dbs.find((d) => d.name === which);
      if (db) store = await Store.open(db.url, { delayScale: 0 });
    });
    after(() => store?.close());

    test('create, change and disable: audit rows in the same transaction, sessions ended', async (t) => {
      if (!store) return t.skip('no TEST_DATABASE_URL');
      const db = store.db;
      const made = await createAccount(db, { name: 'part-timer', role: 'viewer', passwordHash: 'scrypt$hash-not-a-password' }, ADMIN, T0);
      assert.ok(made.ok);
      assert.deepEqual(await createAccount(db, { name: 'part-timer', role: 'admin', passwordHash: 'x' }, ADMIN, T0), { ok: false, reason: 'name taken' });
      const sessions = new SessionTable(db);
      const keep = { createdBefore: 0, idleBefore: 0, keep: 100 };
      for (const [i, accountId] of [made.account.id, made.account.id, null].entries()) {
        await sessions.insert({ idHash: `h${i}`, operatorId: `op_${i}`, csrf: 'c', createdAt: T0, lastSeen: T0, accountId, role: 'viewer', actor: accountId ? 'part-timer' : 'break-glass' }, keep);
      }
      const promoted = await changeAccount(db, 'part-timer', { kind: 'role', role: 'editor' }, ADMIN, T0 + 1000);
      assert.ok(promoted.ok);
      assert.equal(promoted.account.role, 'editor');
      assert.equal(promoted.sessionsEnded, 2);
      assert.equal((await sessions.find('h2'))?.actor, 'break-glass', "another's session stays");
      assert.equal((await changeAccount(db, 'part-timer', { kind: 'disabled', disabled: true }, ADMIN, T0 + 2000)).ok, true);
      assert.deepEqual(await changeAccount(db, 'nobody', { kind: 'disabled', disabled: true }, ADMIN, T0), { ok: false, reason: 'no such account' });
      const [acc] = await listAccounts(db);
      assert.deepEqual([acc?.name, acc?.role, acc?.disabled, acc?.language], ['part-timer', 'editor', true, null]);

      const rows = await listAudit(db, { actor: 'kim.minji' });
      assert.deepEqual(
        rows.map((r) => [r.action, r.target, r.address, r.at]),
        [
          ['account.disabled', 'part-timer', '203.0.113.9', T0 + 2000],
          ['account.role_changed', 'part-timer', '203.0.113.9', T0 + 1000],
          ['account.created', 'part-timer', '203.0.113.9', T0],
        ],
      );
      assert.deepEqual(rows[1]?.details, { accountId: made.account.id, role: 'editor', from: 'viewer', sessionsEnded: 2 });
      assert.ok(!JSON.stringify(rows).includes('scrypt$'), 'no hash in the audit log');
    });

    test('the last active admin can be neither disabled nor demoted', async (t) => {
      if (!store) return t.skip('no TEST_DATABASE_URL');
      const db = store.db;
      assert.ok((await createAccount(db, { name: 'only-admin', role: 'admin', passwordHash: 'x' }, ADMIN, T0)).ok);
      assert.deepEqual(await changeAccount(db, 'only-admin', { kind: 'disabled', disabled: true }, ADMIN, T0), { ok: false, reason: 'last admin' });
      assert.deepEqual(await changeAccount(db, 'only-admin', { kind: 'role', role: 'editor' }, ADMIN, T0), { ok: false, reason: 'last admin' });
      assert.ok((await createAccount(db, { name: 'second-admin', role: 'admin', passwordHash: 'x' }, ADMIN, T0)).ok);
      assert.equal((await changeAccount(db, 'only-admin', { kind: 'role', role: 'editor' }, ADMIN, T0)).ok, true);
      assert.deepEqual(await changeAccount(db, 'second-admin', { kind: 'disabled', disabled: true }, ADMIN, T0), { ok: false, reason: 'last admin' });
      const refused = await listAudit(db, { action: 'account.disabled' });
      assert.ok(!refused.some((r) => r.target === 'only-admin' || r.target === 'second-admin'), 'a refused change leaves no row');
    });

    test('filters by action and time; retention deletes only what is past the cutoff', async (t) => {
      if (!store) return t.skip('no TEST_DATABASE_URL');
      const db = store.db;
      const day = 86_400_000;
      await appendAudit(db, { actorId: null, actor: 'break-glass', action: 'sign_in', details: { method: 'admin token' }, address: '198.51.100.4' }, T0 - 400 * day);
      await appendAudit(db, { actorId: 'acc_e', actor: 'editor-lee', action: 'curation.published', target: 'diet-main', details: { version: 3 }, address: '198.51.100.5' }, T0 + 5000);
      assert.deepEqual((await listAudit(db, { action: 'curation.published' })).map((r) => r.details), [{ version: 3 }]);
      assert.deepEqual((await listAudit(db, { since: T0 + 1500, until: T0 + 5000, actor: 'kim.minji' })).map((r) => r.action), ['account.disabled']);
      const all = (await listAudit(db, {})).length;
      assert.equal(await store.pruneAudit(T0 - 365 * day), 1);
      assert.equal((await listAudit(db, { actor: 'break-glass' })).length, 0);
      assert.equal((await listAudit(db, {})).length, all - 1, 'only the row past the cutoff');
    });
  });
}
