// planWebhookSetup: what `curation setup` changes, as a pure function of the
// webhooks Channel Talk has and what we want. Matched by URL (host and path,
// query ignored) or by name; never a second webhook; idempotent.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { findOurWebhook, planWebhookSetup, webhookUrlProblem, DEFAULT_WEBHOOK_NAME } from '../../src/webhook/setup-plan.js';
import type { Webhook } from '../../src/channeltalk/resources.js';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { control, KEY, SECRET, startTestFake } from '../fake-channeltalk/helpers.js';

const URL_ = 'https://bot.example/webhooks/channeltalk';
const SCOPES = ['userChat.opened', 'message.created.userChat'] as const;

const hook = (over: Partial<Webhook> = {}): Webhook => ({
  id: 'wh1',
  name: DEFAULT_WEBHOOK_NAME,
  url: URL_,
  token: 'tok',
  scopes: [...SCOPES],
  apiVersion: 'v5',
  blocked: false,
  ...over,
});

const want = (existing: Webhook[], over: Partial<Parameters<typeof planWebhookSetup>[0]> = {}) =>
  planWebhookSetup({ existing, url: URL_, name: DEFAULT_WEBHOOK_NAME, scopes: [...SCOPES], unblock: false, ...over });

describe('planWebhookSetup', () => {
  test('no webhook yet: create one with our URL, name, scopes and v5', () => {
    const plan = want([]);
    assert.equal(plan.action, 'create');
    assert.deepEqual(plan.body, { name: DEFAULT_WEBHOOK_NAME, url: URL_, scopes: [...SCOPES], apiVersion: 'v5' });
    assert.equal(plan.changes.length, 1);
    assert.match(plan.changes[0] ?? '', /create a webhook "channeltalk-curation" for https:\/\/bot\.example\/webhooks\/channeltalk with scopes userChat\.opened, message\.created\.userChat/);
  });

  test('ours as it should be: nothing to change', () => {
    const plan = want([hook()]);
    assert.equal(plan.action, 'none');
    assert.deepEqual(plan.changes, []);
  });

  test('found by host and path whatever its query (an old URL with ?token=); the query is replaced by ours', () => {
    const plan = want([hook({ url: `${URL_}?token=old-secret` })]);
    assert.equal(plan.action, 'update');
    assert.equal(plan.webhookId, 'wh1');
    assert.equal(plan.body.url, URL_);
    assert.ok(plan.changes.some((c) => c.startsWith('url: ')), plan.changes.join('\n'));
    assert.ok(!plan.changes.join('\n').includes('old-secret'), 'a token in the old URL is never printed');
  });

  test('found by name when the URL moved; scopes added and removed, the apiVersion set', () => {
    const plan = want([hook({ url: 'https://old.example/hook', scopes: ['userChat.opened', 'lead.deleted'], apiVersion: 'v4' })]);
    assert.equal(plan.action, 'update');
    assert.deepEqual(plan.body.scopes, [...SCOPES]);
    assert.deepEqual(plan.changes, [
      'url: https://old.example/hook → https://bot.example/webhooks/channeltalk',
      'scopes: add message.created.userChat',
      'scopes: remove lead.deleted',
      'apiVersion: v4 → v5',
    ]);
  });

  test('another webhook of the shop (other URL, other name) is left alone and ours is created', () => {
    const plan = want([hook({ id: 'whOther', name: 'crm', url: 'https://crm.example/in' })]);
    assert.equal(plan.action, 'create');
  });

  test('two webhooks point at our URL: one is updated, never a third made, and the others are named in a warning', () => {
    const plan = want([hook({ id: 'whA', name: 'old one', scopes: ['userChat.opened'] }), hook({ id: 'whB' })]);
    assert.equal(plan.action, 'none', 'the one with our name is ours');
    assert.equal(plan.webhookId, 'whB');
    assert.match(plan.warnings.join('\n'), /whA also points at this URL/);
  });

  test('blocked: left blocked with a warning, unless --unblock; the body keeps blocked as it is', () => {
    const blocked = hook({ blocked: true, lastBlockedAt: Date.UTC(2026, 0, 2, 3, 4, 5) });
    const stay = want([blocked]);
    assert.equal(stay.action, 'none');
    assert.match(stay.warnings.join('\n'), /blocked by Channel Talk since 2026-01-02T03:04:05/);
    assert.match(stay.warnings.join('\n'), /--unblock/);
    const moved = want([{ ...blocked, scopes: ['userChat.opened'] }]);
    assert.equal(moved.body.blocked, true, 'an update for another reason does not unblock by accident');
    const unblock = want([blocked], { unblock: true });
    assert.equal(unblock.action, 'update');
    assert.equal(unblock.body.blocked, false);
    assert.deepEqual(unblock.changes, ['blocked: unblock it (blocked by Channel Talk since 2026-01-02T03:04:05.000Z)']);
  });

  test('a deprecated keyword filter is kept as it is, with a warning that it drops deliveries', () => {
    const plan = want([hook({ keywords: ['식단'] })]);
    assert.equal(plan.action, 'none');
    assert.deepEqual(plan.body.keywords, ['식단']);
    assert.match(plan.warnings.join('\n'), /keyword filter/);
  });

  test('a scope this code does not know is removed like any other we do not need', () => {
    const plan = want([hook({ scopes: [...SCOPES, 'someday.new'] })]);
    assert.deepEqual(plan.changes, ['scopes: remove someday.new']);
  });
});

describe('findOurWebhook', () => {
  test('URL first (host case and a trailing slash do not matter), then name', () => {
    const byUrl = findOurWebhook([hook({ id: 'a', name: 'x', url: 'https://BOT.example/webhooks/channeltalk/' }), hook({ id: 'b', url: 'https://z.example/' })], { url: URL_, name: DEFAULT_WEBHOOK_NAME });
    assert.equal(byUrl?.webhook.id, 'a');
    assert.equal(byUrl?.by, 'url');
    const byName = findOurWebhook([hook({ id: 'b', url: 'https://z.example/' })], { url: URL_, name: DEFAULT_WEBHOOK_NAME });
    assert.equal(byName?.by, 'name');
    assert.equal(findOurWebhook([hook({ id: 'b', name: 'x', url: 'https://z.example/' })], { url: URL_, name: DEFAULT_WEBHOOK_NAME }), null);
    assert.equal(findOurWebhook([hook({ url: 'not a url' })], { url: undefined, name: DEFAULT_WEBHOOK_NAME })?.by, 'name', 'without a URL, by name only');
  });
});

describe('webhookUrlProblem', () => {
  test('http(s) URLs without a secret in them', () => {
    assert.equal(webhookUrlProblem(URL_), null);
    assert.equal(webhookUrlProblem('http://127.0.0.1:3000/webhooks/channeltalk'), null);
    assert.match(webhookUrlProblem(`${URL_}?token=abc`) ?? '', /must not carry the token: Channel Talk appends \?token= itself/);
    assert.match(webhookUrlProblem('https://user:pw@bot.example/x') ?? '', /user name or password/);
    assert.match(webhookUrlProblem('ftp://bot.example/x') ?? '', /http/);
    assert.match(webhookUrlProblem('bot.example/x') ?? '', /not a URL/);
  });
});

describe('against the fake: running it twice changes nothing the second time', () => {
  let fake: FakeChannelTalk;
  before(async () => {
    fake = await startTestFake();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => fake.state.reset());

  async function apply(client: ChannelTalkClient, opts: { unblock?: boolean } = {}) {
    const { webhooks } = await client.listWebhooks({ limit: 500 });
    const plan = want(webhooks, { unblock: opts.unblock ?? false });
    if (plan.action === 'create') await client.createWebhook(plan.body);
    if (plan.action === 'update') await client.updateWebhook(plan.webhookId, plan.body);
    return plan;
  }

  test('create, then none; an old scope set is updated, then none; a block is lifted with unblock, then none', async () => {
    const client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET });
    assert.equal((await apply(client)).action, 'create');
    assert.equal((await apply(client)).action, 'none');
    const [w] = (await client.listWebhooks()).webhooks;
    assert.ok(w);
    await client.updateWebhook(w.id, { name: w.name, url: `${URL_}?token=x`, scopes: ['userChat.opened'], apiVersion: 'v4' });
    assert.equal((await apply(client)).action, 'update');
    assert.equal((await apply(client)).action, 'none');
    await control(fake, 'POST', `/webhooks/${w.id}/block`);
    assert.equal((await apply(client)).action, 'none', 'not unblocked without being asked');
    // The fake's kind switch: PATCH {blocked: false} lifts the block (the strict default does not; see cli/setup.test).
    await control(fake, 'POST', '/webhooks/config', { apiUnblock: true });
    assert.equal((await apply(client, { unblock: true })).action, 'update');
    assert.equal((await client.getWebhook(w.id)).blocked, false);
    assert.equal((await apply(client, { unblock: true })).action, 'none');
    assert.equal((await client.listWebhooks()).webhooks.length, 1, 'never a second webhook');
  });
});
