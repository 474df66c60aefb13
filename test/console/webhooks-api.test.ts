// The console's webhook API against the real service and the fake: the
// health the banner reads, Unblock behind the session, CSRF and origin
// checks, and the sweep it sets off shown with what it recovered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { control } from '../fake-channeltalk/helpers.js';
import { signIn, startHarness, until, type Harness } from './harness.js';

const PUBLIC = 'https://curation.example/webhooks/channeltalk';

describe('console webhooks API', () => {
  let h: Harness;
  let auth: { cookie: string; csrf: string };
  let webhookId: string;
  before(async () => {
    h = await startHarness({ env: { PUBLIC_WEBHOOK_URL: PUBLIC } });
    auth = await signIn(h.url);
    const c = h.service.channels.channels[0]!.client;
    webhookId = (await c.createWebhook({ name: 'channeltalk-curation', url: PUBLIC, scopes: ['userChat.opened', 'message.created.userChat'], apiVersion: 'v5' })).id;
  });
  after(async () => {
    await h?.close();
  });

  const get = async () => (await (await fetch(`${h.url}/console/api/webhooks`, { headers: { cookie: auth.cookie } })).json()) as { channels: Array<{ channel: string; state: string; fix: string }>; sweeps: Array<{ reason: string; recovered: Array<{ chatId: string; runs: string[] }>; recoveredCount: number }> };
  const unblock = (body: unknown, headers: Record<string, string> = { 'x-csrf-token': auth.csrf }) =>
    fetch(`${h.url}/console/api/webhooks/unblock`, { method: 'POST', headers: { cookie: auth.cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  test('no session: 401, like every console API', async () => {
    assert.equal((await fetch(`${h.url}/console/api/webhooks`)).status, 401);
    assert.equal((await fetch(`${h.url}/console/api/webhooks/unblock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401);
  });

  test('blocked: shown with the fix; Unblock needs the CSRF token and a same-origin request, names a channel, lifts the block and sweeps', async () => {
    await control(h.fake, 'POST', '/users', { users: [{ id: 'apiu1', profile: { weight: 70 } }] });
    await control(h.fake, 'POST', `/webhooks/${webhookId}/block`);
    // Opened while blocked: Channel Talk delivers nothing.
    await control(h.fake, 'POST', '/user-chats', { channelId: '95334', userId: 'apiu1', chatId: 'apiblocked1', tags: ['식단큐레이션받기'], source: { supportBot: { id: '43684' } } });
    await h.service.webhooks.checkHealth('default');
    const before = await get();
    assert.equal(before.channels[0]?.state, 'blocked');
    assert.match(before.channels[0]?.fix ?? '', /Unblock in the console/);

    assert.equal((await unblock({ channel: 'default' }, {})).status, 403, 'no CSRF token');
    assert.equal((await unblock({ channel: 'default' }, { 'x-csrf-token': auth.csrf, origin: 'https://evil.example' })).status, 403, 'another origin');
    assert.equal((await unblock({ channel: 'nope' })).status, 400);
    assert.equal((await h.service.channels.channels[0]!.client.getWebhook(webhookId)).blocked, true, 'nothing changed yet');

    // The strict fake (as the record shows): the API answers, the block stays; the answer says so with the desk steps.
    const refused = await unblock({ channel: 'default' });
    assert.equal(refused.status, 409);
    const rb = (await refused.json()) as { ok: boolean; outcome: string; error: string; fix: string; code: string; params: unknown; fixWords: unknown };
    assert.deepEqual({ ok: rb.ok, outcome: rb.outcome }, { ok: false, outcome: 'refused' });
    // The banner words the refusal and the desk's steps from the catalogue.
    assert.deepEqual([rb.code, rb.params], ['health.stillBlocked', { webhook: webhookId }]);
    assert.deepEqual(rb.fixWords, { code: 'health.deskFixUrl', params: { webhook: webhookId, url: PUBLIC } });
    assert.match(rb.error, /still blocked/);
    assert.match(rb.fix, new RegExp(`In the desk: Settings > Webhook, open webhook ${webhookId} \\(${PUBLIC.replace(/[./]/g, '\\$&')}\\) and unblock it there`));
    assert.equal((await get()).channels[0]?.state, 'blocked');
    assert.match((await get()).channels[0]?.fix ?? '', /In the desk: Settings > Webhook/);

    await control(h.fake, 'POST', '/webhooks/config', { apiUnblock: true });
    const res = await unblock({ channel: 'default' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { outcome: string; sweep: string };
    assert.deepEqual({ outcome: body.outcome, sweep: body.sweep }, { outcome: 'unblocked', sweep: 'started' });
    assert.equal((await h.service.channels.channels[0]!.client.getWebhook(webhookId)).blocked, false);
    assert.equal((await get()).channels[0]?.state, 'ok');
    const swept = await until(async () => (await get()).sweeps.find((s) => s.reason === 'unblocked'), 'the sweep after the unblock');
    assert.ok(swept.recovered.some((c) => c.chatId === 'apiblocked1' && c.runs.length === 1), JSON.stringify(swept));
    const audit = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'console: webhook unblock asked');
    assert.match(String(audit?.operator), /^op_/);
  });
});
