// The webhook health check and unblock against the fake Channel Talk: ok,
// blocked (with lastBlockedAt), missing, error; a block lifted through the
// API, and an API that will not lift it (the fix then names the desk).
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { checkWebhookHealth, unblockWebhook, type WebhookApi } from '../../src/webhook/health.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError, ChannelTalkUnreadableAnswerError } from '../../src/channeltalk/errors.js';
import { loadCatalogue, renderWords } from '../../src/server/console/messages.js';
import type { Words } from '../../src/words.js';
import { WebhookHealthBoard } from '../../src/webhook/health-board.js';
import { DEFAULT_WEBHOOK_NAME } from '../../src/webhook/setup-plan.js';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { control, KEY, SECRET, startTestFake } from '../fake-channeltalk/helpers.js';

const URL_ = 'https://bot.example/webhooks/channeltalk';
const SCOPES = ['userChat.opened', 'message.created.userChat'] as const;
let fake: FakeChannelTalk;
let client: ChannelTalkClient;
const now = () => 1_800_000_000_000;

before(async () => {
  fake = await startTestFake();
  client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, retry: false });
});
after(async () => {
  await fake.close();
});
beforeEach(() => fake.state.reset());

const check = (over: Partial<Parameters<typeof checkWebhookHealth>[0]> = {}) =>
  checkWebhookHealth({ client, channel: 'default', url: URL_, name: DEFAULT_WEBHOOK_NAME, scopes: SCOPES, now, ...over });
const register = (over: Record<string, unknown> = {}) => client.createWebhook({ name: DEFAULT_WEBHOOK_NAME, url: URL_, scopes: [...SCOPES], apiVersion: 'v5', ...over });

const [en, ko] = [loadCatalogue('en'), loadCatalogue('ko')];
/** The reason and fix as catalogue words: their English is the sentences the CLI and the logs read; the Korean is returned. */
function worded(x: { reason: string; fix: string; words?: { reason: Words; fix: Words } }): [string, string] {
  assert.ok(x.words, `words for: ${x.reason}`);
  assert.equal(renderWords(en, x.words.reason), x.reason);
  assert.equal(renderWords(en, x.words.fix), x.fix);
  return [renderWords(ko, x.words.reason), renderWords(ko, x.words.fix)];
}
/** A client whose webhook list fails with `err`. */
const failing = (err: Error): WebhookApi => ({ listWebhooks: () => Promise.reject(err), getWebhook: () => Promise.reject(err), updateWebhook: () => Promise.reject(err) });

describe('checkWebhookHealth', () => {
  test('ok: registered, not blocked, every scope there', async () => {
    const w = await register();
    const h = await check();
    assert.equal(h.state, 'ok');
    assert.equal(h.webhookId, w.id);
    assert.equal(h.fix, '');
    assert.equal(h.checkedAt, now());
  });

  test('blocked: with lastBlockedAt, the reason and the fix (setup --unblock, the console, the desk)', async () => {
    const w = await register();
    await control(fake, 'POST', `/webhooks/${w.id}/block`);
    const h = await check();
    assert.equal(h.state, 'blocked');
    assert.equal(h.webhookId, w.id);
    assert.equal(typeof h.lastBlockedAt, 'number');
    assert.match(h.reason, /Channel Talk has blocked webhook wh[0-9a-f]+ since 20\d\d-/);
    assert.match(h.fix, /curation setup --unblock/);
    assert.match(h.fix, /Unblock in the console/);
    assert.match(h.fix, /Settings > Webhook/);
    assert.match((await check({ channelFlag: 'salad' })).fix, /curation setup --unblock --channel salad/);
  });

  test('blocked by the fake itself after failed deliveries in a row', async () => {
    await register({ url: 'http://127.0.0.1:9/webhooks/channeltalk' });
    await control(fake, 'POST', '/webhooks/config', { blockAfter: 2 });
    for (let i = 0; i < 2; i++) await control(fake, 'POST', '/user-chats', { channelId: '95334', userId: 'u1' });
    assert.equal((await check({ url: 'http://127.0.0.1:9/webhooks/channeltalk' })).state, 'blocked');
  });

  test('missing: no webhook with our URL or name; without PUBLIC_WEBHOOK_URL the fix says to set it', async () => {
    await register({ name: 'crm', url: 'https://crm.example/in' });
    const h = await check();
    assert.equal(h.state, 'missing');
    assert.match(h.reason, /no webhook in Channel Talk points at https:\/\/bot\.example\/webhooks\/channeltalk/);
    assert.match(h.fix, /curation setup/);
    const noUrl = await check({ url: undefined });
    assert.equal(noUrl.state, 'missing');
    assert.match(noUrl.fix, /set PUBLIC_WEBHOOK_URL/);
  });

  test('a scope the curations need is missing: ok, but said, with the fix', async () => {
    await register({ scopes: ['userChat.opened'] });
    const h = await check();
    assert.equal(h.state, 'ok');
    assert.deepEqual(h.missingScopes, ['message.created.userChat']);
    assert.match(h.fix, /curation setup/);
  });

  test('error: wrong credentials, or Channel Talk unreachable; never a secret in the reason', async () => {
    const wrong = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: 'not-the-secret-value', retry: false });
    const h = await check({ client: wrong });
    assert.equal(h.state, 'error');
    assert.match(h.reason, /refused the credentials \(HTTP 401\)/);
    assert.ok(!JSON.stringify(h).includes('not-the-secret-value'));
    const down = new ChannelTalkClient({ baseUrl: 'http://127.0.0.1:9', accessKey: KEY, accessSecret: SECRET, retry: false });
    const d = await check({ client: down });
    assert.equal(d.state, 'error');
    assert.match(d.reason, /could not read the webhooks from Channel Talk \(network\)/);
  });

  test('every error state is worded for the console: its English is the reason and fix, its Korean names no English word but the settings', async () => {
    const wrong = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: 'not-the-secret-value', retry: false });
    const down = new ChannelTalkClient({ baseUrl: 'http://127.0.0.1:9', accessKey: KEY, accessSecret: SECRET, retry: false });
    const cases: Array<[string, Parameters<typeof check>[0]]> = [
      ['credentials', { client: wrong }],
      ['network', { client: down }],
      ['HTTP 500', { client: failing(new ChannelTalkRejectedError({ status: 500, method: 'GET', path: '/webhooks' })) }],
      ['unreadable', { client: failing(new ChannelTalkUnreadableAnswerError({ problem: 'too_large', status: 200, method: 'GET', path: '/webhooks?limit=500', limit: 1024 })) }],
      ['rate limited', { client: failing(new ChannelTalkUnavailableError({ reason: 'rate_limited', method: 'GET', path: '/webhooks', status: 429 })) }],
      ['other', { client: failing(new Error('socket hang up')) }],
    ];
    for (const [name, over] of cases) {
      const h = await check(over);
      assert.equal(h.state, 'error', name);
      const korean = worded(h).join(' ');
      // Left in Latin letters: the settings, the commands, the desk's menu path, the request, the error's own message.
      const left = korean.replace(/CHANNELTALK_API_URL|`curation doctor`|GET \/webhooks|HTTP|API|socket hang up/g, '');
      assert.doesNotMatch(left, /[A-Za-z]{2,}/, `${name}: ${korean}`);
    }
  });
});

describe('unblockWebhook', () => {
  test('the strict fake: PATCH blocked: false leaves it blocked; read again, that is refused with the desk steps', async () => {
    const w = await register();
    await control(fake, 'POST', `/webhooks/${w.id}/block`);
    const r = await unblockWebhook({ client, webhookId: w.id });
    assert.equal(r.outcome, 'refused');
    assert.ok(r.outcome === 'refused');
    assert.match(r.reason, /read again the webhook is still blocked/);
    assert.equal(r.fix, `Channel Talk did not lift the block through the API. In the desk: Settings > Webhook, open webhook ${w.id} (${URL_}) and unblock it there; the service notices at its next health check and sweeps the chats opened meanwhile`);
    assert.ok(r.outcome === 'refused');
    assert.match(worded(r)[1], new RegExp(`웹훅 ${w.id}[을를] 열어\\(주소 ${URL_.replace(/[./]/g, '\\$&')}\\)`));
    assert.equal((await check()).state, 'blocked');
  });

  test('the PATCH answer says unblocked but a fresh read says blocked: refused (only the read counts)', async () => {
    const hook = { id: 'wh2', name: 'n', url: URL_, scopes: ['userChat.opened'], apiVersion: 'v5' };
    const c = new ChannelTalkClient({
      baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', retry: false,
      fetch: (_u, init) => Promise.resolve(new Response(JSON.stringify({ webhook: { ...hook, blocked: init?.method !== 'PATCH' } }), { status: 200 })),
    });
    const r = await unblockWebhook({ client: c, webhookId: 'wh2' });
    assert.equal(r.outcome, 'refused');
  });

  test('with the apiUnblock switch, a blocked webhook is unblocked by PATCH with the whole body and blocked: false; nothing else changes', async () => {
    await control(fake, 'POST', '/webhooks/config', { apiUnblock: true });
    const w = await register({ scopes: ['userChat.opened'] });
    await control(fake, 'POST', `/webhooks/${w.id}/block`);
    const r = await unblockWebhook({ client, webhookId: w.id });
    assert.equal(r.outcome, 'unblocked');
    const after = await client.getWebhook(w.id);
    assert.equal(after.blocked, false);
    assert.deepEqual(after.scopes, ['userChat.opened'], 'scopes as they were');
    assert.equal((await check()).state, 'ok');
    assert.equal((await unblockWebhook({ client, webhookId: w.id })).outcome, 'not_blocked');
  });

  test('an unblock that cannot read the webhook: an error, worded like the health check', async () => {
    const r = await unblockWebhook({ client: failing(new ChannelTalkUnavailableError({ reason: 'timeout', method: 'GET', path: '/webhooks/wh1' })), webhookId: 'wh1' });
    assert.ok(r.outcome === 'error');
    assert.match(worded(r)[0], /시간 초과/);
  });

  test('an API that refuses (403), or answers and leaves it blocked: refused, and the fix names the desk', async () => {
    const blockedHook = { id: 'wh1', name: 'n', url: URL_, scopes: ['userChat.opened'], apiVersion: 'v5', blocked: true };
    const scripted = (patchStatus: number): typeof fetch => (_u, init) =>
      Promise.resolve(
        init?.method === 'PATCH' && patchStatus !== 200
          ? new Response(JSON.stringify({ message: 'forbidden' }), { status: patchStatus })
          : new Response(JSON.stringify({ webhook: blockedHook }), { status: 200 }),
      );
    for (const status of [403, 200]) {
      const c = new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: scripted(status), retry: false });
      const r = await unblockWebhook({ client: c, webhookId: 'wh1' });
      assert.equal(r.outcome, 'refused', String(status));
      assert.ok(r.outcome === 'refused' && /In the desk: Settings > Webhook, open webhook wh1.* and unblock it there/.test(r.fix));
      worded(r);
    }
  });
});

describe('WebhookHealthBoard', () => {
  const h = (state: 'ok' | 'blocked' | 'missing' | 'error', lastBlockedAt?: number) => ({
    channel: 'default',
    state,
    checkedAt: 1,
    webhookId: 'wh1',
    ...(lastBlockedAt !== undefined ? { lastBlockedAt } : {}),
    reason: 'r',
    fix: state === 'blocked' ? 'unblock it' : '',
  });

  test('says when a block began and when it was lifted, also when blocked and unblocked between two checks', () => {
    const board = new WebhookHealthBoard();
    assert.deepEqual(board.record(h('ok')), { lifted: false, newlyBlocked: false });
    assert.deepEqual(board.record(h('blocked', 10)), { lifted: false, newlyBlocked: true });
    assert.deepEqual(board.record(h('blocked', 10)), { lifted: false, newlyBlocked: false });
    assert.equal(board.summary().ok, false);
    assert.deepEqual(board.record(h('ok', 10)), { lifted: true, newlyBlocked: false });
    assert.equal(board.summary().ok, true);
    assert.deepEqual(board.record(h('ok', 20)), { lifted: true, newlyBlocked: false }, 'blocked at 20 and unblocked before this check');
    assert.deepEqual(board.record(h('ok', 20)), { lifted: false, newlyBlocked: false });
  });

  test('after the API refused to unblock, the blocked fix names the desk until the block is gone', () => {
    const board = new WebhookHealthBoard();
    board.record(h('blocked', 10));
    board.noteUnblockRefused('default');
    assert.match(board.get('default')?.fix ?? '', /In the desk: Settings > Webhook, open webhook wh1 and unblock it there/);
    assert.equal(board.get('default')?.unblockRefused, true, 'the console then shows no Unblock button');
    board.record(h('blocked', 10));
    assert.match(board.get('default')?.fix ?? '', /In the desk: Settings > Webhook, open webhook wh1 and unblock it there/, 'the next check keeps it');
    board.record(h('ok', 10));
    board.record(h('blocked', 30));
    assert.equal(board.get('default')?.fix, 'unblock it', 'a new block is tried through the API again');
    assert.equal(board.get('default')?.unblockRefused, undefined);
  });

  test('missing counts as not ok; an error (Channel Talk unreachable) does not', () => {
    const board = new WebhookHealthBoard();
    board.record(h('error'));
    assert.equal(board.summary().ok, true);
    board.record(h('missing'));
    assert.equal(board.summary().ok, false);
    assert.equal(board.summary().channels.default?.state, 'missing');
  });
});
