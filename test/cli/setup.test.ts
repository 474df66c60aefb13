// `curation setup` against the fake Channel Talk: creates our webhook with
// the scopes the curations need and prints the token to configure; a second
// run changes nothing; --dry-run only shows; --unblock lifts a block; several
// channels, each with its own key pair; clear exit codes.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setupCommand } from '../../src/cli/setup.js';
import { startFakeChannelTalk, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import type { CliIO } from '../../src/cli/io.js';
import { ROOT } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

const URL_ = 'https://curation.example/webhooks/channeltalk';
let fake: FakeChannelTalk;
before(async () => {
  fake = await startFakeChannelTalk({
    accessKey: 'setup-key',
    accessSecret: 'setup-secret-value',
    credentials: [{ accessKey: 'bakery-key', accessSecret: 'bakery-secret-value', channelId: '77001' }],
  });
});
after(async () => {
  await fake.close();
});
beforeEach(() => fake.state.reset());

async function setup(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: { ...base(), ...env }, cwd: tempDir() };
  const code = await setupCommand(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const base = (): Record<string, string> => ({
  CHANNELTALK_ACCESS_KEY: 'setup-key',
  CHANNELTALK_ACCESS_SECRET: 'setup-secret-value',
  CHANNELTALK_API_URL: fake.url,
  CURATIONS_DIR: path.join(ROOT, 'curations'),
});
const hooks = () => [...fake.state.webhooks.byId.values()];

describe('curation setup', () => {
  test('first run creates the webhook (no token configured yet) and prints the token to put in; the second run changes nothing', async () => {
    const first = await setup(['--url', URL_]);
    assert.equal(first.code, 0, first.out + first.err);
    assert.match(first.out, /^scopes the curations need: userChat\.opened \(starts diet-main; stops diet-gift, diet-main\), message\.created\.userChat \(starts diet-gift; stops diet-gift, diet-main\)$/m);
    assert.match(first.out, /^create a webhook "channeltalk-curation" for https:\/\/curation\.example\/webhooks\/channeltalk with scopes userChat\.opened, message\.created\.userChat$/m);
    const [w] = hooks();
    assert.ok(w);
    assert.equal(w.url, URL_, 'the URL holds no token');
    assert.deepEqual(w.scopes, ['userChat.opened', 'message.created.userChat']);
    assert.equal(w.apiVersion, 'v5');
    assert.match(first.out, new RegExp(`^created webhook ${w.id}$`, 'm'));
    assert.match(first.out, /ACTION NEEDED: the webhook's token is not in CHANNELTALK_WEBHOOK_TOKEN/);
    assert.match(first.out, new RegExp(`^ {2}token: ${w.token}$`, 'm'));
    assert.ok(!first.out.includes('setup-secret-value'));

    const second = await setup(['--url', URL_], { CHANNELTALK_WEBHOOK_TOKEN: w.token });
    assert.equal(second.code, 0);
    assert.match(second.out, new RegExp(`^webhook ${w.id} is up to date: nothing to change$`, 'm'));
    assert.match(second.out, /^the token: the webhook's token is in CHANNELTALK_WEBHOOK_TOKEN$/m);
    assert.ok(!second.out.includes(w.token), 'a token already configured is not printed again');
    assert.equal(hooks().length, 1);
  });

  test('a curation that asks for missing answers in the chat: setup adds the scopes its answers come on', async () => {
    await setup(['--url', URL_]);
    const [w] = hooks();
    assert.ok(w);
    const out = await setup(['--url', URL_], { CHANNELTALK_WEBHOOK_TOKEN: w.token, CURATIONS_DIR: path.join(ROOT, 'examples/curations') });
    assert.equal(out.code, 0, out.out + out.err);
    assert.match(out.out, /member\.upserted\.contact \(brings the answers refund-estimate asks for\)/);
    assert.match(out.out, /^change scopes: add lead\.upserted\.contact, member\.upserted\.contact$/m);
    assert.deepEqual(w.scopes, ['userChat.opened', 'message.created.userChat', 'lead.upserted.contact', 'member.upserted.contact']);
  });

  test('--dry-run shows the change and changes nothing; the real run then makes it', async () => {
    await setup(['--url', URL_]);
    const [w] = hooks();
    assert.ok(w);
    w.scopes = ['userChat.opened', 'lead.deleted'];
    const dry = await setup(['--url', URL_, '--dry-run']);
    assert.equal(dry.code, 0);
    assert.match(dry.out, /^would change scopes: add message\.created\.userChat$/m);
    assert.match(dry.out, /^would change scopes: remove lead\.deleted$/m);
    assert.match(dry.out, /^dry run: nothing was changed$/m);
    assert.deepEqual(w.scopes, ['userChat.opened', 'lead.deleted']);
    const real = await setup(['--url', URL_]);
    assert.match(real.out, /^change scopes: add message\.created\.userChat$/m);
    assert.deepEqual(w.scopes, ['userChat.opened', 'message.created.userChat']);
  });

  test('POST /webhooks answers 500: setup says it failed, prints the desk steps (URL without token, scopes) and exits 1', async () => {
    fake.state.webhooks.configure({ createFails: true });
    const r = await setup(['--url', URL_]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.equal(hooks().length, 0);
    assert.match(r.out, /^FAIL could not create the webhook through the API: .*500/m);
    assert.match(r.out, /^do it in the desk instead:$/m);
    assert.match(r.out, /^ {2}1\. Settings > Webhook: add a webhook/m);
    assert.match(r.out, /^ {2}2\. name: channeltalk-curation$/m);
    assert.match(r.out, /^ {2}3\. URL: https:\/\/curation\.example\/webhooks\/channeltalk {3}\(without \?token=/m);
    assert.match(r.out, /^ {2}4\. scopes to tick: userChat\.opened, message\.created\.userChat$/m);
    assert.match(r.out, /^ {2}5\. save; copy the webhook's token from the desk into CHANNELTALK_WEBHOOK_TOKEN/m);
    assert.ok(!r.out.includes('setup-secret-value'));
  });

  test('a blocked webhook the API does not unblock (the strict fake): --unblock reads it again, says it is still blocked with the desk steps, exits 1', async () => {
    await setup(['--url', URL_]);
    const [w] = hooks();
    assert.ok(w);
    fake.state.webhooks.block(w, Date.UTC(2026, 4, 1));
    const r = await setup(['--url', URL_, '--unblock']);
    assert.equal(r.code, 1, r.out);
    assert.doesNotMatch(r.out, /^unblocked/m);
    assert.match(r.out, new RegExp(`^FAIL read again after the PATCH, webhook ${w.id} is still blocked\\. .*In the desk: Settings > Webhook, open webhook ${w.id} \\(https://curation\\.example/webhooks/channeltalk\\) and unblock it there`, 'm'));
    assert.equal(w.blocked, true);
  });

  test('a blocked webhook: a warning without --unblock; --unblock lifts the block (the fake\'s apiUnblock switch)', async () => {
    fake.state.webhooks.configure({ apiUnblock: true });
    await setup(['--url', URL_]);
    const [w] = hooks();
    assert.ok(w);
    fake.state.webhooks.block(w, Date.UTC(2026, 4, 1));
    const warned = await setup(['--url', URL_]);
    assert.equal(warned.code, 0);
    assert.match(warned.out, /^warning: the webhook is blocked by Channel Talk since 2026-05-01T00:00:00\.000Z: no deliveries arrive\. Run again with --unblock/m);
    assert.equal(w.blocked, true);
    const lifted = await setup(['--url', URL_, '--unblock']);
    assert.equal(lifted.code, 0, lifted.out);
    assert.match(lifted.out, /^change blocked: unblock it/m);
    assert.match(lifted.out, /^unblocked: the service notices at its next health check/m);
    assert.equal(w.blocked, false);
    assert.match((await setup(['--url', URL_, '--unblock'])).out, /is not blocked: nothing to unblock/);
  });

  test('the URL comes from PUBLIC_WEBHOOK_URL when --url is not given; an old registration with ?token= is found and cleaned', async () => {
    await setup(['--url', `https://curation.example/webhooks/channeltalk`]);
    const [w] = hooks();
    assert.ok(w);
    w.url = `${URL_}?token=${w.token}`;
    const r = await setup([], { PUBLIC_WEBHOOK_URL: URL_ });
    assert.equal(r.code, 0);
    assert.match(r.out, /^change url: https:\/\/curation\.example\/webhooks\/channeltalk\?token=\[hidden\] → https:\/\/curation\.example\/webhooks\/channeltalk$/m);
    assert.equal(w.url, URL_);
  });

  test('usage errors exit 2: no URL, a URL with the token in it, an unknown flag or channel', async () => {
    const none = await setup([]);
    assert.equal(none.code, 2);
    assert.match(none.err, /give the service's webhook URL with --url, or set PUBLIC_WEBHOOK_URL/);
    const withToken = await setup(['--url', `${URL_}?token=abc`]);
    assert.equal(withToken.code, 2);
    assert.match(withToken.err, /must not carry the token: Channel Talk appends \?token= itself/);
    assert.equal((await setup(['--url', URL_, '--frobnicate'])).code, 2);
    const ch = await setup(['--url', URL_, '--channel', 'nope']);
    assert.equal(ch.code, 2);
    assert.match(ch.err, /no channel named 'nope'; the channels are default/);
    assert.equal(hooks().length, 0);
  });

  test('failures exit 1 with what to fix, never the secret: refused credentials, Channel Talk unreachable, broken curations', async () => {
    const bad = await setup(['--url', URL_], { CHANNELTALK_ACCESS_SECRET: 'wrong-secret-value' });
    assert.equal(bad.code, 1);
    assert.match(bad.out, /^FAIL Channel Talk refused the credentials \(401\)/m);
    assert.ok(!bad.out.includes('wrong-secret-value'));
    const down = await setup(['--url', URL_], { CHANNELTALK_API_URL: 'http://127.0.0.1:9' });
    assert.equal(down.code, 1);
    assert.match(down.out, /^FAIL could not reach http:\/\/127\.0\.0\.1:9/m);
    const broken = await setup(['--url', URL_], { CURATIONS_DIR: path.join(ROOT, 'test/fixtures/curations-broken') });
    assert.equal(broken.code, 1);
    assert.match(broken.out, /^FAIL the curations do not load/m);
  });

  test('several channels (CHANNELS_FILE): each registers the same URL with its own key pair; --channel picks one', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'channels.yaml');
    writeFileSync(
      file,
      [
        'channels:',
        '  - { name: salad, channelId: "95334", accessKey: setup-key, accessSecret: setup-secret-value, webhookTokens: [salad-old], curationsDir: ' + JSON.stringify(path.join(ROOT, 'curations')) + ' }',
        '  - { name: bakery, channelId: "77001", accessKey: bakery-key, accessSecret: bakery-secret-value, webhookTokens: [bakery-old], curationsDir: ' + JSON.stringify(path.join(ROOT, 'curations')) + ' }',
      ].join('\n'),
    );
    const only = await setup(['--url', URL_, '--channel', 'bakery'], { CHANNELS_FILE: file });
    assert.equal(only.code, 0, only.out);
    assert.deepEqual(hooks().map((w) => w.channelId), ['77001']);
    assert.match(only.out, /^channel bakery: created webhook/m);
    assert.match(only.out, /^channel bakery: ACTION NEEDED: the webhook's token is not in webhookTokens of channel bakery in CHANNELS_FILE; .*next to the one there now/m);
    const both = await setup(['--url', URL_], { CHANNELS_FILE: file });
    assert.equal(both.code, 0);
    assert.match(both.out, /^channel salad: created webhook/m);
    assert.match(both.out, /^channel bakery: webhook wh[0-9a-f]+ is up to date: nothing to change$/m);
    assert.deepEqual(hooks().map((w) => w.channelId).sort(), ['77001', '95334']);
  });
});
