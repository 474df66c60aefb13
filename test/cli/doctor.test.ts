import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { doctorCommand } from '../../src/cli/doctor.js';
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

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), env, cwd: tempDir() };
  const code = await doctorCommand([], io);
  return { code, out: out.join('\n') };
}

const base = () => ({
  CHANNELTALK_ACCESS_KEY: 'doc-key',
  CHANNELTALK_ACCESS_SECRET: 'doc-secret-value',
  CHANNELTALK_WEBHOOK_TOKEN: 'doc-token',
  CHANNELTALK_API_URL: fake.url,
  DATABASE_URL: `sqlite:${path.join(tempDir(), 'doctor.db')}`,
  CURATIONS_DIR: path.join(ROOT, 'curations'),
});

test('doctor passes with good credentials', async () => {
  const { code, out } = await doctor(base());
  assert.equal(code, 0, out);
  assert.match(out, /^ok {3}configuration/m);
  assert.match(out, /^ok {3}database: sqlite:/m);
  assert.match(out, /^ok {3}Channel Talk credentials: GET \/open\/v5\/channel answered 200/m);
  assert.match(out, /^ok {3}curations: \d+ loaded/m);
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
