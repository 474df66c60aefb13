// The server enforces roles on every console API route: each route is
// walked with no session, a viewer, an editor, an admin and the break-glass
// admin token, and the status checked against the table below (403 for a
// role below, never 404 or 200). Then the accounts' life: a new password,
// a disabled account and a new role take effect at once, and the audit log
// records it all, filterable and as CSV.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { ROUTE_ROLES } from '../../src/server/console/route-roles.js';
import { ADMIN_TOKEN, signIn, startHarness, type Harness } from './harness.js';

type Min = 'viewer' | 'editor' | 'admin';
/** Every console API route and the least role it needs: the test's own copy, on purpose. */
const EXPECTED: Record<string, Min> = {
  'GET /session': 'viewer',
  'GET /overview': 'viewer',
  'GET /runs': 'viewer',
  'GET /runs/:id': 'viewer',
  'GET /curations': 'viewer',
  'GET /webhooks': 'viewer',
  'ALL /*': 'viewer',
  'POST /runs/:id/reveal': 'editor',
  'POST /runs/:id/stop': 'editor',
  'POST /curations/reload': 'editor',
  'POST /simulate': 'editor',
  'GET /curations/schema': 'editor',
  'GET /curations/:id/source': 'editor',
  'POST /curations/preview-source': 'editor',
  'GET /curations/:id/versions': 'editor',
  'GET /curations/:id/versions/:n': 'editor',
  'PUT /curations/:id/draft': 'editor',
  'POST /curations/:id/impact': 'editor',
  'POST /curations/:id/publish': 'editor',
  'POST /curations/:id/rollback': 'editor',
  'POST /curations/:id/switch': 'editor',
  'POST /webhooks/unblock': 'admin',
  'GET /accounts': 'admin',
  'POST /accounts': 'admin',
  'POST /accounts/:name/disable': 'admin',
  'POST /accounts/:name/enable': 'admin',
  'POST /accounts/:name/password': 'admin',
  'POST /accounts/:name/role': 'admin',
  'GET /audit': 'admin',
  'GET /audit.csv': 'admin',
  'PUT /session/language': 'viewer',
  // Last: it ends the session.
  'POST /logout': 'viewer',
};
const RANK = { none: -1, viewer: 0, editor: 1, admin: 2 } as const;
const PW = { viewer: 'viewer-password-1', editor: 'editor-password-1', admin: 'admin-password-12' };

let h: Harness;
before(async () => {
  h = await startHarness();
  for (const role of ['viewer', 'editor', 'admin'] as const) {
    const r = await createAccount(h.service.store.db, { name: `${role}-kim`, role, passwordHash: await hashPassword(PW[role]) }, { actorId: null, actor: 'test', address: null }, Date.now());
    assert.ok(r.ok);
  }
});
after(() => h.close());

async function login(name: string, password: string) {
  const res = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (res.status !== 200) return { status: res.status, cookie: '', csrf: '' };
  const s = (await (await fetch(`${h.url}/console/api/session`, { headers: { cookie } })).json()) as { csrf: string };
  return { status: res.status, cookie, csrf: s.csrf };
}

async function call(method: string, path: string, auth: { cookie: string; csrf: string } | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (auth) Object.assign(headers, { cookie: auth.cookie, 'x-csrf-token': auth.csrf });
  if (method !== 'GET') headers['content-type'] = 'application/json';
  const res = await fetch(`${h.url}/console/api${path}`, { method, headers, ...(method !== 'GET' ? { body: JSON.stringify(body ?? {}) } : {}) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

const concrete = (path: string) => path.replace(':id', 'diet-main').replace(':n', '1').replace(':name', 'nobody-here').replace('/*', '/no-such-api');

describe('every console API route, every role', () => {
  test("the test's table is the server's table, and each route in it is registered", () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), Object.keys(ROUTE_ROLES).sort());
    for (const key of Object.keys(EXPECTED)) {
      const [method, path] = key.split(' ') as [string, string];
      const m = method === 'ALL' ? 'GET' : method;
      assert.ok(h.service.app.hasRoute({ method: m, url: `/console/api${path}` }), `${key} is registered`);
    }
  });

  for (const who of ['none', 'viewer', 'editor', 'admin', 'break-glass'] as const) {
    test(`as ${who}`, async () => {
      const auth = who === 'none' ? null : who === 'break-glass' ? await signIn(h.url, ADMIN_TOKEN) : await login(`${who}-kim`, PW[who]);
      const rank = who === 'break-glass' ? RANK.admin : RANK[who];
      const wrong: string[] = [];
      for (const [key, min] of Object.entries(EXPECTED)) {
        const [method, path] = key.split(' ') as [string, string];
        const r = await call(method === 'ALL' ? 'GET' : method, concrete(path), auth);
        const ok = who === 'none' ? r.status === 401 : rank < RANK[min] ? r.status === 403 : r.status !== 401 && r.status !== 403;
        if (!ok) wrong.push(`${key}: ${r.status}`);
      }
      assert.deepEqual(wrong, [], `answers that break the table for ${who}`);
    });
  }
});

describe('accounts and the audit log', () => {
  test('sign-in by name; a new password, a new role and disabling take effect at once; all audited', async () => {
    const admin = await login('admin-kim', PW.admin);
    assert.equal(admin.status, 200);
    assert.equal((await call('POST', '/accounts', admin, { name: 'park.seoyeon', role: 'editor', password: 'first-password-1' })).status, 200);
    assert.equal((await call('POST', '/accounts', admin, { name: 'park.seoyeon', role: 'editor', password: 'first-password-1' })).status, 409);
    assert.equal((await call('POST', '/accounts', admin, { name: 'lee', role: 'owner', password: 'first-password-1' })).status, 400);
    const short = await call('POST', '/accounts', admin, { name: 'lee', role: 'viewer', password: 'short' });
    const shortBody = JSON.parse(short.text) as { code: string; params: unknown; error: string };
    assert.deepEqual([short.status, shortBody.code, shortBody.params, shortBody.error], [400, 'password.tooShort', { min: 12 }, 'a password has at least 12 characters']);
    const noPassword = await call('POST', '/accounts/park.seoyeon/password', admin, {});
    assert.deepEqual([noPassword.status, (JSON.parse(noPassword.text) as { code: string }).code], [400, 'password.required']);
    assert.equal((await login('park.seoyeon', 'wrong-password-x')).status, 401);
    const park = await login('park.seoyeon', 'first-password-1');
    assert.equal(park.status, 200);
    assert.notEqual((await call('GET', '/curations/diet-main/versions', park)).status, 403);

    // Demoted: the same session is a viewer from now on.
    assert.equal((await call('POST', '/accounts/park.seoyeon/role', admin, { role: 'viewer' })).status, 200);
    assert.equal((await call('GET', '/curations/diet-main/versions', park)).status, 401, 'a role change ends the sessions');
    const parkViewer = await login('park.seoyeon', 'first-password-1');
    assert.equal((await call('GET', '/curations/diet-main/versions', parkViewer)).status, 403);

    // A new password ends the sessions; the old password no longer works.
    const reset = await call('POST', '/accounts/park.seoyeon/password', admin, { password: 'second-password-2' });
    assert.equal(reset.status, 200);
    assert.equal((JSON.parse(reset.text) as { sessionsEnded: number }).sessionsEnded, 1);
    assert.equal((await call('GET', '/runs', parkViewer)).status, 401);
    assert.equal((await login('park.seoyeon', 'first-password-1')).status, 401);
    const again = await login('park.seoyeon', 'second-password-2');
    assert.equal(again.status, 200);

    // Disabled: the session ends and sign-in is refused.
    assert.equal((await call('POST', '/accounts/park.seoyeon/disable', admin)).status, 200);
    assert.equal((await call('GET', '/runs', again)).status, 401);
    assert.equal((await login('park.seoyeon', 'second-password-2')).status, 401);

    const audit = await call('GET', '/audit?actor=admin-kim', admin);
    const actions = (JSON.parse(audit.text) as { entries: Array<{ action: string; target: string | null; details: Record<string, unknown>; address: string }> }).entries;
    const mine = actions.map((e) => `${e.action} ${e.target ?? ''}`.trim()).reverse();
    assert.deepEqual(mine.filter((a) => a.startsWith('account.')), ['account.created park.seoyeon', 'account.role_changed park.seoyeon', 'account.password_reset park.seoyeon', 'account.disabled park.seoyeon']);
    assert.ok(actions.every((e) => e.address === '127.0.0.1'));
    const failed = JSON.parse((await call('GET', '/audit?action=sign_in.failed&actor=park.seoyeon', admin)).text) as { entries: unknown[] };
    assert.equal(failed.entries.length, 3, 'the wrong password, the old one, and the disabled account');

    const csv = await call('GET', '/audit.csv?action=account.role_changed', admin);
    assert.match(csv.type, /^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    assert.equal(lines[0], 'at,actor,actor_id,action,target,details,address');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /,admin-kim,acc_[\w-]+,account\.role_changed,park\.seoyeon,"\{""accountId"":""acc_[\w-]+"",""role"":""viewer"",""from"":""editor"",""sessionsEnded"":1\}",127\.0\.0\.1$/);

    for (const secret of ['first-password-1', 'second-password-2', 'wrong-password-x', PW.admin, ADMIN_TOKEN]) {
      assert.ok(!h.logs.some((l) => l.includes(secret)), 'no password in a log line');
      assert.ok(!csv.text.includes(secret) && !audit.text.includes(secret), 'no password in the audit log');
    }
  });

  test('the break-glass sign-in is audited as such, and so is its failure', async () => {
    const bad = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'not-the-token' }) });
    assert.equal(bad.status, 401);
    const s = await signIn(h.url, ADMIN_TOKEN);
    const entries = (JSON.parse((await call('GET', '/audit?actor=break-glass', s)).text) as { entries: Array<{ action: string; details: { method: string } }> }).entries;
    assert.deepEqual(entries.slice(0, 2).map((e) => `${e.action}/${e.details.method}`), ['sign_in/admin token', 'sign_in.failed/admin token']);
    assert.ok(h.logs.some((l) => l.includes('"breakGlass":true')), 'the break-glass sign-in is logged');
  });
});
