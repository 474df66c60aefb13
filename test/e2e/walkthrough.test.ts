// The README's "Try it locally with the fake Channel Talk", step by step, as
// a new user types it (free ports instead of 4010 and 3000, no waits): the
// fake, `curation setup` against it, `curation doctor`, the service, the two
// sample deliveries, and `send-webhook --fresh`, which must start a new
// sequence. No step may fail, and the service logs no error and no refused
// delivery on the way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { CLI, ROOT, spawnNode } from '../support/child-process.js';
import { eventually, startService, tempDir, type FakeReceived, type Proc, type ServiceProc } from '../support/processes.js';

const TOKEN = 'dev-token';
const OPENED = 'test/fixtures/webhooks/user-chat-opened.json';
const KEYWORD = 'test/fixtures/webhooks/user-message-keyword.json';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** One CLI command run to its end, as typed in a terminal (asynchronously: the service's output keeps being read meanwhile). */
function curation(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

describe('the README walk-through with the fake Channel Talk', () => {
  let fake: Proc;
  let fakeUrl: string;
  let svc: ServiceProc;
  let env: Record<string, string>;
  const received = async () => (await (await fetch(`${fakeUrl}/_fake/received`)).json()) as FakeReceived & { deliveries: Array<{ outcome: unknown }> };

  before(async () => {
    fake = spawnNode('fake Channel Talk', CLI, ['fake-channeltalk', '--port', '0', '--webhook-token', TOKEN], {});
    const line = await fake.waitForLine(/listening on http:\/\/[^\s"]+/);
    fakeUrl = /(http:\/\/[^\s",]+)/.exec(line)![1]!.replace(/\/$/, '');
    const port = String(await freePort());
    env = {
      CHANNELTALK_ACCESS_KEY: 'fake-key',
      CHANNELTALK_ACCESS_SECRET: 'fake-secret',
      CHANNELTALK_WEBHOOK_TOKEN: TOKEN,
      CHANNELTALK_API_URL: fakeUrl,
      PUBLIC_WEBHOOK_URL: `http://127.0.0.1:${port}/webhooks/channeltalk`,
      PORT: port,
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${path.join(tempDir(), 'curation.db')}`,
      STATE_DIR: tempDir('curation-state-'),
      DELAY_SCALE: '0',
    };
  });
  after(async () => {
    await svc?.stop();
    await fake?.stop();
  });

  test('every step does what the README says, and nothing logs an error', async () => {
    const setup = await curation(['setup'], env);
    assert.equal(setup.code, 0, setup.out);
    assert.match(setup.out, /created webhook \S+/);
    assert.match(setup.out, /the webhook's token is in CHANNELTALK_WEBHOOK_TOKEN/);
    assert.doesNotMatch(setup.out, /ACTION NEEDED|FAIL/);

    const doctor = await curation(['doctor'], env);
    assert.equal(doctor.code, 0, doctor.out);
    assert.match(doctor.out, /all checks passed/);

    svc = await startService(env);
    const opened = await curation(['send-webhook', OPENED, '--token', TOKEN], env);
    assert.match(opened.out, /-> 200 .*"status":"acted"/, opened.out);
    const chat = (await eventually(async () => (await received()).messages.length >= 12 && (await received()).messages, 30_000, 'the chat-opened sequence'))[0]!.chatId;
    const keyword = await curation(['send-webhook', KEYWORD, '--token', TOKEN], env);
    assert.match(keyword.out, /-> 200 .*"status":"acted"/, keyword.out);
    await eventually(async () => (await received()).messages.filter((m) => m.chatId === chat).length > 12, 30_000, 'the gift sequence in the same chat');

    // --fresh: the same sample again, as a new chat of a new customer: a new sequence starts.
    const fresh = await curation(['send-webhook', OPENED, '--token', TOKEN, '--fresh'], env);
    assert.match(fresh.out, /-> 200 .*"status":"acted"/, fresh.out);
    const others = await eventually(
      async () => {
        const m = (await received()).messages.filter((x) => x.chatId !== chat);
        return m.length >= 12 && m;
      },
      30_000,
      'the sequence of the fresh chat',
    );
    const named = /as chat ([\w-]+), customer ([\w-]+)/.exec(fresh.out);
    assert.ok(named, `--fresh names the chat and customer it made up:\n${fresh.out}`);
    assert.ok(others.every((m) => m.chatId === named[1]));

    const r = await received();
    assert.deepEqual(r.rejected, [], 'the fake refused nothing the service sent');
    assert.ok(r.deliveries.length > 0 && r.deliveries.every((d) => d.outcome === 200), `every delivery the fake made to the service was accepted: ${JSON.stringify(r.deliveries.slice(0, 3))}`);
    assert.equal(svc.errorLines(), 0, svc.lines.filter((l) => /"level":(50|60)/.test(l)).join('\n'));
    assert.equal(svc.lines.filter((l) => /webhook refused/.test(l)).length, 0);
  });
});
