// The console's HTTP surface without a browser: off without ADMIN_TOKEN,
// 401 without a session, CSRF and origin checks on writes, security headers,
// the cookie's attributes, the simulator's answers, sign-out and throttling.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, signIn, startHarness, type Harness } from './harness.js';

describe('console switched off', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ adminToken: undefined });
  });
  after(async () => {
    await h?.close();
  });

  test('/console says how to turn it on; the API is not there', async () => {
    const page = await fetch(`${h.url}/console`);
    assert.equal(page.status, 503);
    assert.match(await page.text(), /ADMIN_TOKEN/);
    const api = await fetch(`${h.url}/console/api/overview`);
    assert.equal(api.status, 404);
    assert.match(((await api.json()) as { error: string }).error, /ADMIN_TOKEN/);
    const login = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'x' }) });
    assert.equal(login.status, 404);
  });
});

describe('console switched on', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('every API answers 401 without a session, the page redirects to sign-in', async () => {
    const gets = ['/console/api/overview', '/console/api/runs', '/console/api/runs/r_x', '/console/api/curations', '/console/api/session', '/console/api/nope'];
    for (const p of gets) assert.equal((await fetch(`${h.url}${p}`)).status, 401, p);
    for (const p of ['/console/api/simulate', '/console/api/runs/r_x/reveal', '/console/api/curations/reload', '/console/api/logout']) {
      const res = await fetch(`${h.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: 'curation_console=forged' }, body: '{}' });
      assert.equal(res.status, 401, p);
    }
    const page = await fetch(`${h.url}/console/`, { redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/console/login');
  });

  test('security headers on pages, assets and API; static files cannot escape their folder', async () => {
    const login = await fetch(`${h.url}/console/login`);
    assert.equal(login.status, 200);
    const csp = login.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(login.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(login.headers.get('x-frame-options'), 'DENY');
    assert.equal(login.headers.get('referrer-policy'), 'no-referrer');
    const chart = await fetch(`${h.url}/console/static/chart.umd.min.js`);
    assert.equal(chart.status, 200);
    assert.match(chart.headers.get('content-type') ?? '', /javascript/);
    assert.ok((await chart.text()).length > 50_000, 'Chart.js itself');
    for (const p of ['/console/static/..%2F..%2F..%2F..%2Fpackage.json', '/console/static/.env', '/console/static/index.ts']) {
      assert.equal((await fetch(`${h.url}${p}`)).status, 404, p);
    }
    const api = await fetch(`${h.url}/console/api/overview`);
    assert.equal(api.headers.get('cache-control'), 'no-store');
    assert.ok(api.headers.get('content-security-policy'));
  });

  test('sign-in sets an HttpOnly, SameSite=Strict cookie scoped to /console; a wrong token does not', async () => {
    const bad = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'wrong-token-123' }) });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers.get('set-cookie'), null);
    const ok = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    assert.equal(ok.status, 200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^curation_console=[A-Za-z0-9_-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/console/);
    const cross = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    assert.equal(cross.status, 403, 'no sign-in from another site');
  });

  test('writes need the CSRF token and the same origin', async () => {
    const s = await signIn(h.url);
    const post = (headers: Record<string, string>) =>
      fetch(`${h.url}/console/api/simulate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: s.cookie, ...headers },
        body: JSON.stringify({ curationId: 'diet-main', profile: {} }),
      });
    assert.equal((await post({})).status, 403, 'no token');
    assert.equal((await post({ 'x-csrf-token': 'guess' })).status, 403, 'wrong token');
    assert.equal((await post({ 'x-csrf-token': s.csrf, origin: 'https://evil.example' })).status, 403, 'other origin');
    assert.equal((await post({ 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' })).status, 403, 'cross-site fetch');
    assert.equal((await post({ 'x-csrf-token': s.csrf, origin: h.url })).status, 200);
    assert.equal((await fetch(`${h.url}/console/api/overview`, { headers: { cookie: s.cookie } })).status, 200, 'reads need only the session');
  });

  test('simulate: values and messages for good answers; field problems for bad ones', async () => {
    const s = await signIn(h.url);
    const simulate = async (profile: Record<string, unknown>) => {
      const res = await fetch(`${h.url}/console/api/simulate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
        body: JSON.stringify({ curationId: 'diet-main', profile, lang: 'en' }),
      });
      assert.equal(res.status, 200);
      return (await res.json()) as { outcome: string; lang: string; values: Record<string, unknown>; problems: Array<{ field: string; problem: string; message: string }>; messages: Array<{ delayMs: number; rendered: unknown }> };
    };
    const { webhook } = await import('../support/fixtures.js');
    const profile = (webhook('user-chat-opened').refers as { user: { profile: Record<string, unknown> } }).user.profile;
    const good = await simulate(profile);
    assert.equal(good.outcome, 'sequence');
    assert.equal(good.lang, 'en');
    assert.equal(good.values.bmr, Math.trunc(66 + 13.7 * 72.5 + 5 * 176 - 6.8 * 34));
    assert.ok(good.messages.length >= 10);
    assert.deepEqual(good.problems, []);
    const bad = await simulate({ ...profile, weight: 500 });
    assert.notEqual(bad.outcome, 'sequence');
    const weight = bad.problems.find((p) => p.field === 'weight');
    assert.equal(weight?.problem, 'out_of_range');
    assert.ok(!weight.message.includes('500'), 'the problem never echoes the value');
    const unknown = await fetch(`${h.url}/console/api/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
      body: JSON.stringify({ curationId: 'nope', profile: {} }),
    });
    assert.equal(unknown.status, 404);
  });

  test('sign-out ends the session', async () => {
    const s = await signIn(h.url);
    const out = await fetch(`${h.url}/console/api/logout`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf }, body: '{}' });
    assert.equal(out.status, 200);
    assert.equal((await fetch(`${h.url}/console/api/session`, { headers: { cookie: s.cookie } })).status, 401);
  });

  test('without TRUST_PROXY, X-Forwarded-* headers are not believed: no Secure cookie, no HSTS over plain HTTP', async () => {
    const res = await fetch(`${h.url}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.50' },
      body: JSON.stringify({ token: ADMIN_TOKEN }),
    });
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.headers.get('set-cookie') ?? '', /Secure/i);
    assert.equal(res.headers.get('strict-transport-security'), null);
    const page = await fetch(`${h.url}/console/login`);
    assert.equal(page.headers.get('strict-transport-security'), null);
    // The rest of the hand-written set survives the move to helmet.
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-resource-policy'), 'same-origin');
    assert.equal(page.headers.get('permissions-policy'), 'camera=(), microphone=(), geolocation=(), payment=()');
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /unsafe-inline|unsafe-eval|upgrade-insecure-requests/);
  });

  test('a query parameter given twice is a 400 that names it, on every console API that reads the query', async () => {
    const s = await signIn(h.url);
    const get = (p: string) => fetch(`${h.url}/console/api${p}`, { headers: { cookie: s.cookie } });
    for (const [p, name] of [
      ['/runs?q=x&q=y', 'q'],
      ['/runs?chatId=a&chatId=b', 'chatId'],
      ['/runs?userId=a&userId=b', 'userId'],
      ['/runs?curationId=a&curationId=b', 'curationId'],
      ['/runs?state=failed&state=completed', 'state'],
      ['/runs?before=1&before=2', 'before'],
      ['/runs?limit=1&limit=2', 'limit'],
      ['/overview?tz=0&tz=60', 'tz'],
    ] as const) {
      const res = await get(p);
      assert.equal(res.status, 400, p);
      const body = (await res.json()) as { ok: boolean; error: string; code: string; params: unknown };
      assert.equal(body.ok, false);
      assert.equal(body.error, `the query parameter ${name} was given more than once; give it once`, p);
      assert.deepEqual([body.code, body.params], ['badRequest.repeatedQuery', { name }], p);
    }
    assert.equal((await get('/runs?q=x')).status, 200);
    assert.equal((await get('/runs?q=x&chatId=y&limit=5')).status, 200);
    assert.equal((await get('/overview?tz=-540')).status, 200);
  });

  // Last: it locks this client address out of signing in for a while.
  test('repeated wrong tokens are throttled', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) {
      last = (await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: `guess-${i}` }) })).status;
    }
    assert.equal(last, 429);
    const right = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    assert.equal(right.status, 429, 'even the right token waits');
    assert.ok(!h.logs.some((l) => l.includes('guess-')), 'tried tokens are never logged');
  });
});

// The proxy named by its address, and by a hop count (the service reachable only through it).
for (const trust of ['127.0.0.1', '1']) describe(`console behind a TLS-terminating proxy (TRUST_PROXY=${trust})`, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { TRUST_PROXY: trust } });
  });
  after(async () => {
    await h?.close();
  });

  const login = (token: string, headers: Record<string, string>) =>
    fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }) });

  test('a request that came over HTTPS gets a Secure cookie and HSTS; one over HTTP neither', async () => {
    const tls = await login(ADMIN_TOKEN, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.1' });
    assert.equal(tls.status, 200);
    const cookie = tls.headers.get('set-cookie') ?? '';
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(tls.headers.get('strict-transport-security') ?? '', /^max-age=\d{7,}/);
    const page = await fetch(`${h.url}/console/login`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.match(page.headers.get('strict-transport-security') ?? '', /max-age=/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/, 'the other headers stay');
    const plain = await login(ADMIN_TOKEN, { 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.1' });
    assert.equal(plain.status, 200);
    assert.doesNotMatch(plain.headers.get('set-cookie') ?? '', /Secure/i);
    assert.equal(plain.headers.get('strict-transport-security'), null);
  });

  test('sign-ins are throttled per client address, not per proxy', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) last = (await login(`guess-${i}`, { 'x-forwarded-for': '203.0.113.7' })).status;
    assert.equal(last, 429, 'the guessing client is locked out');
    assert.equal((await login(ADMIN_TOKEN, { 'x-forwarded-for': '203.0.113.7' })).status, 429);
    assert.equal((await login(ADMIN_TOKEN, { 'x-forwarded-for': '203.0.113.8' })).status, 200, 'another operator behind the same proxy is not');
  });
});
