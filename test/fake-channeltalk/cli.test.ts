import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { runFakeChannelTalk } from '../../src/cli/fake-channeltalk.js';
import type { CliIO } from '../../src/cli/io.js';

function io(env: Record<string, string> = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env, cwd: process.cwd() };
}

async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out waiting');
}

void describe('curation fake-channeltalk', () => {
  void test('prints its URL, serves with the env key pair, never prints the secret, stops on signal', async () => {
    const cli = io({ CHANNELTALK_ACCESS_KEY: 'env-key', CHANNELTALK_ACCESS_SECRET: 'env-secret-value' });
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = runFakeChannelTalk(['--port', '0', '--channel-id', '42'], cli, stopped);
    const url = await waitFor(() => cli.out.join('\n').match(/http:\/\/127\.0\.0\.1:\d+/)?.[0]);
    const res = await fetch(`${url}/open/v5/channel`, { headers: { 'x-access-key': 'env-key', 'x-access-secret': 'env-secret-value' } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { channel: { id: string } }).channel.id, '42');
    assert.ok(!cli.out.join('\n').includes('env-secret-value'));
    stop();
    assert.equal(await running, 0);
    await assert.rejects(fetch(`${url}/_fake/healthz`));
  });

  void test('dev defaults when no key pair is given', async () => {
    const cli = io();
    let stop!: () => void;
    const running = runFakeChannelTalk([], cli, new Promise<void>((r) => (stop = r)));
    const url = await waitFor(() => cli.out.join('\n').match(/http:\/\/127\.0\.0\.1:\d+/)?.[0]);
    const res = await fetch(`${url}/open/v5/channel`, { headers: { 'x-access-key': 'fake-key', 'x-access-secret': 'fake-secret' } });
    assert.equal(res.status, 200);
    stop();
    assert.equal(await running, 0);
  });

  void test('bad flags exit 2 with usage', async () => {
    const cli = io();
    assert.equal(await runFakeChannelTalk(['--port', 'x'], cli, Promise.resolve()), 2);
    assert.equal(await runFakeChannelTalk(['--nope'], cli, Promise.resolve()), 2);
    assert.match(cli.err.join('\n'), /usage/);
  });
});
