// The processes under test: the real service (`curation start`), the fake
// Channel Talk and the bare node:http baseline, each in its own process, plus
// their peak memory. Everything listens on 127.0.0.1 only.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLI as MAIN, ROOT, spawnNode as spawnLines, type Proc } from '../../test/support/child-process.js';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../src/cli/node-flags.js';

export { killAll, ROOT, type Proc } from '../../test/support/child-process.js';
export const DIST = path.join(ROOT, 'dist');

export const FAKE_KEY = 'bench-key';
export const FAKE_SECRET = 'bench-secret';
export const WEBHOOK_TOKEN = 'bench-webhook-token';
export const BOT_NAME = 'Trainer';

/** Keeps only the last lines: a benchmark's service logs hundreds of thousands. */
function spawnNode(name: string, script: string, args: string[], env: Record<string, string>, nodeArgs: string[] = []): Proc {
  return spawnLines(name, script, args, env, { nodeArgs, keepLines: 60 });
}

export interface FakeProc extends Proc {
  url: string;
  control(pathname: string, body: unknown): Promise<void>;
  /** Answers counted by status code (message posts and user fetches), without the message list. */
  requestCounts(): Promise<Record<string, number>>;
  /** Messages the fake accepted (other calls the service makes, such as the webhook's health check, are not counted). */
  messageCount(): Promise<number>;
  received(): Promise<FakeReceived>;
}

export interface FakeReceived {
  messages: Array<{ chatId: string; requestId: string | null; receivedAt: number; seq: number }>;
  rejected: Array<{ status: number | null; path: string; reason: string }>;
  duplicateRequestIds: number;
  requests: Record<string, number>;
  rateLimited: number;
}

export async function startFake(): Promise<FakeProc> {
  const nodeArgs = (process.env.BENCH_FAKE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const p = spawnNode('fake Channel Talk', MAIN, ['fake-channeltalk', '--port', '0', '--host', '127.0.0.1', '--access-key', FAKE_KEY, '--access-secret', FAKE_SECRET], {}, nodeArgs);
  const line = await p.waitForLine(/http:\/\/[^\s"]+/);
  const url = /(http:\/\/[^\s"(]+)/.exec(line)![1]!.replace(/\/$/, '');
  return {
    ...p,
    url,
    async control(pathname, body) {
      const res = await fetch(`${url}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`fake control ${pathname}: ${res.status} ${await res.text()}`);
    },
    async requestCounts() {
      // A chat id no message has: the answer carries the counters but no message list.
      const res = await fetch(`${url}/_fake/received?chatId=__bench_none__`);
      return ((await res.json()) as FakeReceived).requests;
    },
    async messageCount() {
      const res = await fetch(`${url}/_fake/received?chatId=__bench_none__`);
      return ((await res.json()) as { totalMessages: number }).totalMessages;
    },
    async received() {
      const res = await fetch(`${url}/_fake/received`);
      return (await res.json()) as FakeReceived;
    },
  };
}

export interface ServiceProc extends Proc {
  url: string;
  dbFile: string;
  /** From spawning `curation start` to its "service started" line. */
  startMs: number;
  /** POSTs one webhook body and returns the JSON answer. */
  post(body: string): Promise<{ status: number; json: Record<string, unknown> }>;
}

export function tempDir(prefix = 'curation-bench-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The service as an operator runs it: its webhook registered in Channel Talk
 * first (`curation setup`), then `curation start` with the V8 flags of
 * `npm start` (SERVICE_NODE_FLAGS, SERVICE_ENV), JSON logs at info on
 * stdout (read and dropped here), SQLite file with synchronous=FULL.
 */
export async function startService(opts: {
  fakeUrl: string;
  dbFile: string;
  delayScale: number;
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** Another build's `curation` entry (memory-probe.ts compares builds); the default is this one's. */
  entry?: string;
}): Promise<ServiceProc> {
  // The port is chosen here, so the webhook is registered with the URL the service will have.
  const port = await freePort();
  const env: Record<string, string> = {
    CHANNELTALK_ACCESS_KEY: FAKE_KEY,
    CHANNELTALK_ACCESS_SECRET: FAKE_SECRET,
    CHANNELTALK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    CHANNELTALK_API_URL: opts.fakeUrl,
    CHANNELTALK_BOT_NAME: BOT_NAME,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${opts.dbFile}`,
    CURATIONS_DIR: path.join(ROOT, 'curations'),
    DELAY_SCALE: String(opts.delayScale),
    LOG_LEVEL: 'info',
    // The launchers' environment for the C library (MALLOC_ARENA_MAX), as `npm start` sets it.
    ...SERVICE_ENV,
    ...opts.env,
    // For investigations: e.g. BENCH_SERVICE_ENV='{"LOG_LEVEL":"warn"}'.
    ...(process.env.BENCH_SERVICE_ENV ? (JSON.parse(process.env.BENCH_SERVICE_ENV) as Record<string, string>) : {}),
  };
  await registerWebhook(env, `http://127.0.0.1:${port}/webhooks/channeltalk`);
  // The V8 flags `npm start` uses, then, for investigations, e.g. BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = [...SERVICE_NODE_FLAGS, ...(opts.nodeArgs ?? []), ...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')];
  const spawnedAt = performance.now();
  const p = spawnNode('service', opts.entry ?? MAIN, ['start'], env, nodeArgs);
  const line = await p.waitForLine(/"msg":"service started"/, 60_000);
  const startMs = Math.round(performance.now() - spawnedAt);
  const url = (JSON.parse(line) as { url: string }).url.replace(/\/$/, '');
  return {
    ...p,
    url,
    dbFile: opts.dbFile,
    startMs,
    async post(body) {
      const res = await fetch(`${url}/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
  };
}

/**
 * `curation setup --url URL` against the fake, as an operator does before the
 * first start (idempotent: a later service on the same fake updates the one
 * webhook). Without it the service's webhook health check finds no webhook
 * and logs, rightly, an error: in production no delivery would arrive. The
 * benchmark posts its deliveries itself; the fake never calls this URL.
 */
async function registerWebhook(env: Record<string, string>, url: string): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [MAIN, 'setup', '--url', url], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`curation setup against the fake failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** A port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface BareProc extends Proc {
  url: string;
}

/**
 * A bare server (bare-server.ts): node:http that reads the body and answers
 * 200 with a small JSON, nothing else; a one-route Fastify that parses the
 * JSON body; or that Fastify with the service's dependencies loaded (`deps`,
 * started as the service is: its V8 flags and environment, one SQLite file
 * in `dbFile`).
 */
export async function startBare(nodeArgs: string[] = [], kind: 'node:http' | 'fastify' | 'deps' = 'node:http', dbFile?: string): Promise<BareProc> {
  const deps = kind === 'deps';
  if (deps && dbFile === undefined) throw new Error('bare deps server: needs an SQLite file');
  const args = deps ? [kind, dbFile!] : [kind];
  const p = spawnNode(`bare ${kind} server`, path.join(DIST, 'bench/lib/bare-server.js'), args, deps ? { ...SERVICE_ENV } : {}, deps ? [...SERVICE_NODE_FLAGS, ...nodeArgs] : nodeArgs);
  const line = await p.waitForLine(/^listening http:\/\//);
  return { ...p, url: line.slice('listening '.length).trim() };
}

// --- memory ---------------------------------------------------------------

/** Resets the kernel's peak-RSS mark of a process (Linux), so VmHWM then reads the peak from now on. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function psRssKb(pid: number): number | null {
  try {
    const out = execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return out ? Number(out) : null;
  } catch {
    return null;
  }
}

/** Current RSS in kB. */
export function rssKb(pid: number): number | null {
  return procStatusKb(pid, 'VmRSS') ?? psRssKb(pid);
}

/**
 * Tracks the peak RSS of a process over a window: the kernel's VmHWM (reset at
 * the start) where /proc has it, else the highest of `ps` samples every 100 ms.
 */
export class PeakRss {
  private readonly viaProc: boolean;
  private sampled = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.viaProc = resetPeakRss(pid) && procStatusKb(pid, 'VmHWM') !== null;
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    const v = rssKb(this.pid);
    if (v !== null && v > this.sampled) this.sampled = v;
  }

  /** Peak in MB since construction; stops sampling. */
  stop(): { peakMb: number; method: string } {
    clearInterval(this.timer);
    this.sample();
    const hwm = this.viaProc ? procStatusKb(this.pid, 'VmHWM') : null;
    const kb = hwm !== null ? Math.max(hwm, this.sampled) : this.sampled;
    return { peakMb: kb / 1024, method: hwm !== null ? 'VmHWM (reset at start of window)' : 'ps samples every 100 ms' };
  }
}

let clockTicks: number | null = null;

/** CPU time (user + system) a process has used so far, in seconds; null where /proc is missing. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `everyMs` until it returns a value, or gives up after `timeoutMs` (returns undefined). */
export async function pollUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) return undefined;
    await sleep(everyMs);
  }
}
