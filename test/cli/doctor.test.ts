import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { doctorCommand } from '../../src/cli/doctor.js';
import { setupCommand } from '../../src/cli/setup.js';
import { startFakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import type { CliIO } from '../../src/cli/io.js';
import { ROOT } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

let fake: Awaited<ReturnType<typeof startFakeChannelTalk>>;
before(async () => {
  fake = await startFakeChannelTalk({ accessKey: 'doc-key', accessSecret: 'doc-secret-value' });
});
after(async () => {
  await fake.close();
});

async function run(command: typeof doctorCommand, argv: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), env, cwd: tempDir() };
  const code = await command(argv, io);
  return { code, out: out.join('\n') };
}

const doctor = (env: Record<string, string>) => run(doctorCommand, [], env);

const PUBLIC_URL = 'https://curation.example.com/webhooks/channeltalk';

/** Our webhook registered in the fake as an operator does it: `curation setup`. */
async function registerWebhook(): Promise<void> {
  fake.state.webhooks.reset();
  const { code, out } = await run(setupCommand, ['--url', PUBLIC_URL], base());
  assert.equal(code, 0, out);
}

const base = () => ({
  CHANNELTALK_ACCESS_KEY: 'doc-key',
  CHANNELTALK_ACCESS_SECRET: 'doc-secret-value',
  CHANNELTALK_WEBHOOK_TOKEN: 'doc-token',
  CHANNELTALK_API_URL: fake.url,
  DATABASE_URL: `sqlite:${path.join(tempDir(), 'doctor.db')}`,
  CURATIONS_DIR: path.join(ROOT, 'curations'),
});

test('doctor passes with good credentials and our webhook registered', async () => {
  await registerWebhook();
  const { code, out } = await doctor(base());
  assert.equal(code, 0, out);
  assert.match(out, /^ok {3}configuration/m);
  assert.match(out, /^ok {3}database: sqlite:/m);
  assert.match(out, /^ok {3}Channel Talk credentials: GET \/open\/v5\/channel answered 200/m);
  assert.match(out, /^ok {3}webhook: webhook \S+ is registered and not blocked/m);
  assert.match(out, /^ok {3}curations: \d+ loaded/m);
  assert.match(out, /^all checks passed$/m);
});

test('doctor fails while our webhook is not registered, and says what to run', async () => {
  fake.state.webhooks.reset();
  const { code, out } = await doctor(base());
  assert.equal(code, 1, out);
  assert.match(out, /^FAIL webhook: no webhook named "channeltalk-curation" in Channel Talk.*; fix: set PUBLIC_WEBHOOK_URL .* and run `curation setup`/m);
  assert.match(out, /^1 check\(s\) failed$/m);
  assert.doesNotMatch(out, /all checks passed/);
});

test('doctor reads the webhook as the health job does: by PUBLIC_WEBHOOK_URL or its name, blocked, lacking a scope', async () => {
  // Registered under a name of the operator's: found by its URL only.
  fake.state.webhooks.reset();
  const named = await run(setupCommand, ['--url', PUBLIC_URL, '--name', 'shop-hook'], base());
  assert.equal(named.code, 0, named.out);
  const byName = await doctor(base());
  assert.equal(byName.code, 1, byName.out);
  assert.match(byName.out, /^FAIL webhook: no webhook named "channeltalk-curation"/m);
  const byUrl = await doctor({ ...base(), PUBLIC_WEBHOOK_URL: PUBLIC_URL });
  assert.equal(byUrl.code, 0, byUrl.out);
  assert.match(byUrl.out, /^ok {3}webhook: webhook \S+ is registered and not blocked/m);

  const [hook] = fake.state.webhooks.byId.values();
  assert.ok(hook);
  hook.scopes = ['userChat.opened'];
  const lacking = await doctor({ ...base(), PUBLIC_WEBHOOK_URL: PUBLIC_URL });
  assert.equal(lacking.code, 1, lacking.out);
  assert.match(lacking.out, /^FAIL webhook: webhook \S+ lacks the scope message\.created\.userChat .*; fix: run `curation setup` to add it/m);

  hook.blocked = true;
  const blocked = await doctor({ ...base(), PUBLIC_WEBHOOK_URL: PUBLIC_URL });
  assert.equal(blocked.code, 1, blocked.out);
  assert.match(blocked.out, /^FAIL webhook: Channel Talk has blocked webhook \S+.*; fix: unblock it: run `curation setup --unblock`/m);
});

test('doctor names the bad credentials and what to fix, without echoing the secret', async () => {
  const { code, out } = await doctor({ ...base(), CHANNELTALK_ACCESS_SECRET: 'wrong-secret-value' });
  assert.equal(code, 1);
  assert.match(out, /FAIL Channel Talk credentials: Channel Talk refused the credentials \(401\): check CHANNELTALK_ACCESS_KEY and CHANNELTALK_ACCESS_SECRET/);
  assert.ok(!out.includes('wrong-secret-value'));
});

test('doctor reports an unreachable API, a broken config and broken curations', async () => {
  const down = await doctor({ ...base(), CHANNELTALK_API_URL: 'http://127.0.0.1:9' });
  assert.equal(down.code, 1);
  assert.match(down.out, /FAIL Channel Talk credentials: could not reach http:\/\/127\.0\.0\.1:9/);
  const badConfig = await doctor({ ...base(), PORT: 'abc' });
  assert.equal(badConfig.code, 1);
  assert.match(badConfig.out, /FAIL configuration\n {4}config: PORT must be a whole number/);
  const noCurations = await doctor({ ...base(), CURATIONS_DIR: path.join(ROOT, 'test/fixtures/curations-broken') });
  assert.equal(noCurations.code, 1);
  assert.match(noCurations.out, /FAIL curations/);
});
