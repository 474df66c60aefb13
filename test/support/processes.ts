// Starts the real service and the fake Channel Talk as separate processes,
// the way an operator would, for end-to-end tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './fixtures.js';
import { CLI, spawnNode, type Proc } from './child-process.js';

export type { Proc } from './child-process.js';
export const FAKE_KEY = 'e2e-key';
export const FAKE_SECRET = 'e2e-secret-DO-NOT-LOG';
export const WEBHOOK_TOKEN = 'e2e-webhook-token';

function spawnCli(name: string, args: string[], env: Record<string, string>): Proc {
  return spawnNode(name, CLI, args, env);
}

export interface FakeProc extends Proc {
  url: string;
  received(): Promise<FakeReceived>;
  control(pathname: string, body: unknown): Promise<void>;
}

export interface FakeMessage {
  id: string;
  chatId: string;
  channelId: string;
  requestId?: string;
  botName?: string;
  receivedAt: number;
  body: { blocks?: Array<{ type: string; value?: string; blocks?: Array<{ value: string }> }>; buttons?: Array<{ title: string; action: { attributes: { url: string } } }>; requestId?: string };
}
export interface FakeReceived {
  messages: FakeMessage[];
  rejected: Array<{ status: number; path: string; reason: string }>;
  duplicateRequestIds: number;
  requests: Record<string, number>;
  [k: string]: unknown;
}

export async function startFake(): Promise<FakeProc> {
  const p = spawnCli('fake Channel Talk', ['fake-channeltalk', '--port', '0', '--access-key', FAKE_KEY, '--access-secret', FAKE_SECRET], {});
  const line = await p.waitForLine(/http:\/\/[^\s"]+/);
  const url = /(http:\/\/[^\s"]+)/.exec(line)![1]!.replace(/\/$/, '');
  return {
    ...p,
    url,
    async received() {
      const res = await fetch(`${url}/_fake/received`);
      return (await res.json()) as FakeReceived;
    },
    async control(pathname, body) {
      const res = await fetch(`${url}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`fake control ${pathname}: ${res.status} ${await res.text()}`);
    },
  };
}

export interface ServiceProc extends Proc {
  url: string;
  env: Record<string, string>;
  kill(): Promise<void>;
  postWebhook(body: unknown, opts?: { token?: string; path?: string }): Promise<{ status: number; json: Record<string, unknown> }>;
}

export function tempDir(prefix = 'curation-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function serviceEnv(fake: { url: string }, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CHANNELTALK_ACCESS_KEY: FAKE_KEY,
    CHANNELTALK_ACCESS_SECRET: FAKE_SECRET,
    CHANNELTALK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    CHANNELTALK_API_URL: fake.url,
    CHANNELTALK_BOT_NAME: 'Trainer',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${path.join(tempDir(), 'curation.db')}`,
    // The instance's identity seed: a directory of the test's own, kept across restarts with the same env.
    STATE_DIR: tempDir('curation-state-'),
    CURATIONS_DIR: path.join(ROOT, 'curations'),
    DELAY_SCALE: '0',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

export async function startService(env: Record<string, string>): Promise<ServiceProc> {
  const p = spawnCli('service', ['start'], env);
  const line = await p.waitForLine(/"msg":"service started"/);
  const url = (JSON.parse(line) as { url: string }).url;
  return {
    ...p,
    url,
    env,
    async kill() {
      p.proc.kill('SIGKILL');
      await p.exited;
    },
    async postWebhook(body, opts = {}) {
      const res = await fetch(`${url}${opts.path ?? '/webhooks/channeltalk'}?token=${encodeURIComponent(opts.token ?? WEBHOOK_TOKEN)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
  };
}

/** Polls until `check` returns a value, or fails with the last state. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
