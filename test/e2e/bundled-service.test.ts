// The service as `npm start` runs it: the bundled CLI (bin/build-server.js).
// What a bundle could break is checked here on the real process: the console's
// files found from the bundle's import.meta.url (its pages, Chart.js, the
// CodeMirror bundle), the off page's catalogue, and a curation whose functions
// are a `.ts` module compiled by the project's tsc (imported at load).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { eventually, serviceEnv, startFake, startService, type FakeProc, type ServiceProc } from '../support/processes.js';

const BUNDLE = path.join(ROOT, 'dist/src/cli/bundle/main.js');

describe('end to end: the bundled service', () => {
  let fake: FakeProc;
  let on: ServiceProc;
  let off: ServiceProc;
  before(async () => {
    fake = await startFake();
    const curations = path.join(ROOT, 'test/curation/fixtures/functions-ts');
    on = await startService(serviceEnv(fake, { ADMIN_TOKEN: 'e2e-admin-token-0123456789', CURATIONS_DIR: curations }));
    off = await startService(serviceEnv(fake, { CURATIONS_DIR: curations }));
  });
  after(async () => {
    await on?.stop();
    await off?.stop();
    await fake?.stop();
  });

  test('the process runs the bundle', () => {
    assert.ok(on.proc.spawnargs.includes(BUNDLE), on.proc.spawnargs.join(' '));
  });

  test("the console's page and files are served from the bundle: sign-in page, console.css, Chart.js, CodeMirror", async () => {
    const login = await fetch(`${on.url}/console/login`);
    assert.equal(login.status, 200);
    assert.match(await login.text(), /<html/i);
    for (const name of ['console.css', 'chart.umd.min.js', 'codemirror.js']) {
      const res = await fetch(`${on.url}/console/static/${name}`);
      assert.equal(res.status, 200, name);
      assert.ok((await res.arrayBuffer()).byteLength > 1000, `${name} has its content`);
    }
  });

  test('the console off: its page in the language asked for, the API off', async () => {
    const page = await fetch(`${off.url}/console/`, { headers: { 'accept-language': 'en' } });
    assert.equal(page.status, 503);
    assert.match(await page.text(), /ADMIN_TOKEN/);
    const api = await fetch(`${off.url}/console/api/runs`);
    assert.equal(api.status, 404);
  });

  test("a curation's .ts functions module is imported and computes the message", async () => {
    const body = webhookForChat('user-chat-opened', 'e2e-bundle-vat') as { refers: { user: { profile: Record<string, unknown> } } };
    body.refers.user.profile = { ...body.refers.user.profile, price: 10000 };
    const res = await on.postWebhook(body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const received = await eventually(async () => {
      const r = await fetch(`${fake.url}/_fake/received?chatId=e2e-bundle-vat`);
      const json = (await r.json()) as { messages: Array<{ plainText?: string; blocks?: unknown }> };
      return json.messages.length > 0 ? json.messages : undefined;
    }, 30_000, 'the vat message');
    assert.match(JSON.stringify(received[0]), /11,000/);
  });
});
