// The real service, in-process, against the in-process fake Channel Talk, on
// a fresh SQLite file, with DELAY_SCALE=0: what the console and metrics
// tests drive. Log lines are kept so tests can check what was (not) logged.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { startService, type Service } from '../../src/service.js';
import { startFakeChannelTalk, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { REDACT_PATHS } from '../../src/logger.js';
import { ROOT } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

export const ADMIN_TOKEN = 'console-admin-token-for-tests';
export const WEBHOOK_TOKEN = 'console-webhook-token';
const KEY = 'console-key';
const SECRET = 'console-secret';

export interface Harness {
  url: string;
  service: Service;
  fake: FakeChannelTalk;
  /** Every log line so far, as written. */
  logs: string[];
  /** A private copy of curations/, so a test may break and fix files. */
  curationsDir: string;
  postWebhook(body: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  adminToken?: string | undefined;
  env?: Record<string, string>;
  /** More curation files (name: YAML), beside the shipped ones, loaded at start. */
  curations?: Record<string, string>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const fake = await startFakeChannelTalk({ accessKey: KEY, accessSecret: SECRET });
  const dir = tempDir('curation-console-');
  const curationsDir = path.join(dir, 'curations');
  mkdirSync(curationsDir);
  cpSync(path.join(ROOT, 'curations'), curationsDir, { recursive: true });
  for (const [name, yaml] of Object.entries(opts.curations ?? {})) writeFileSync(path.join(curationsDir, name), yaml);
  const config = loadConfig(
    {
      CHANNELTALK_ACCESS_KEY: KEY,
      CHANNELTALK_ACCESS_SECRET: SECRET,
      CHANNELTALK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      CHANNELTALK_API_URL: fake.url,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${path.join(dir, 'curation.db')}`,
      CURATIONS_DIR: curationsDir,
      DELAY_SCALE: '0',
      ...('adminToken' in opts ? (opts.adminToken === undefined ? {} : { ADMIN_TOKEN: opts.adminToken }) : { ADMIN_TOKEN }),
      ...opts.env,
    },
    dir,
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  // The service's own logger settings (redaction included), written to memory.
  const logger = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  let service: Service;
  try {
    service = await startService(config, logger);
  } catch (err) {
    await fake.close();
    throw err;
  }
  const url = service.url.replace(/\/$/, '');
  return {
    url,
    service,
    fake,
    logs,
    curationsDir,
    async postWebhook(body) {
      const res = await fetch(`${url}/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      await service.stop();
      await fake.close();
    },
  };
}

/** Signs in over HTTP (no browser) and returns what API calls need. */
export async function signIn(url: string, token = ADMIN_TOKEN): Promise<{ cookie: string; csrf: string; operatorId: string }> {
  const res = await fetch(`${url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const s = (await (await fetch(`${url}/console/api/session`, { headers: { cookie } })).json()) as { csrf: string; operatorId: string };
  return { cookie, csrf: s.csrf, operatorId: s.operatorId };
}

export function screenshotPath(name: string): string {
  const dir = path.join(ROOT, 'test-output', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

/** Polls until `check` returns a value. */
export async function until<T>(check: () => Promise<T | undefined | false | null>, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
