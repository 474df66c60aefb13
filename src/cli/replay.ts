// `curation replay FILE... --to URL`: posts recorded deliveries (see
// server/recorder.ts) to a service again, in file order, each to the route it
// was recorded on. A directory stands for the .json files inside it.
// The token goes only to the --to origin: a recording names a path, never a host.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { envWithDotenv } from '../config.js';
import type { Command } from './io.js';
import { usage } from './usage.js';

const USAGE = usage('replay');

interface Recorded {
  route: string;
  query: Record<string, unknown>;
  body: unknown;
}

export const replayCommand: Command = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { to: { type: 'string' }, token: { type: 'string' }, 'timeout-ms': { type: 'string' } },
    });
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0 || !values.to) {
    io.stderr(USAGE);
    return 2;
  }
  let base: URL;
  try {
    base = new URL(values.to);
  } catch {
    io.stderr(`--to must be the service's URL, e.g. http://localhost:3000 (got ${values.to})`);
    return 2;
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    io.stderr(`--to must be an http:// or https:// URL, e.g. http://localhost:3000 (got ${values.to})`);
    return 2;
  }
  const env = envWithDotenv(io.env, io.cwd);
  const token = values.token ?? env.CHANNELTALK_WEBHOOK_TOKEN?.split(',')[0]?.trim();
  const timeoutMs = Number(values['timeout-ms'] ?? 10_000);

  const files = await expand(positionals.map((p) => path.resolve(io.cwd, p)));
  let ok = 0;
  const failures: string[] = [];
  for (const [i, file] of files.entries()) {
    const label = `[${i + 1}/${files.length}] ${path.relative(io.cwd, file) || file}`;
    try {
      const rec = parseRecording(await readFile(file, 'utf8'));
      const url = targetUrl(base, rec.route);
      if (url === null) {
        failures.push(file);
        io.stdout(`${label} -> REFUSED route ${JSON.stringify(rec.route.slice(0, 100))} is not a path on ${base.origin}; not sent`);
        continue;
      }
      const { status, answer } = await post(url, rec, token, timeoutMs);
      if (status >= 200 && status < 300) {
        ok++;
        io.stdout(`${label} -> ${status} ${answer}`);
      } else {
        failures.push(file);
        io.stdout(`${label} -> ${status} FAILED ${answer}`);
      }
    } catch (err) {
      failures.push(file);
      io.stdout(`${label} -> FAILED ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  io.stdout(`replayed ${files.length} deliver${files.length === 1 ? 'y' : 'ies'}: ${ok} accepted, ${failures.length} failed`);
  return failures.length === 0 ? 0 : 1;
};

async function expand(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (s?.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith('.json')).sort();
      out.push(...names.map((n) => path.join(p, n)));
    } else {
      // A missing file is reported as a failure in its turn, not up front.
      out.push(p);
    }
  }
  return out;
}

function parseRecording(text: string): Recorded {
  const raw = JSON.parse(text) as Partial<Recorded> | null;
  if (raw === null || typeof raw !== 'object' || typeof raw.route !== 'string') {
    throw new Error('not a recorded delivery (no route)');
  }
  const query = raw.query !== null && typeof raw.query === 'object' ? raw.query : {};
  return { route: raw.route, query, body: raw.body };
}

/** A legacy GET delivery carries its data in the query: recorded with no body, or with the query as its body. */
function wasGet(rec: Recorded): boolean {
  if (rec.body === undefined || rec.body === null) return true;
  return Object.keys(rec.query).length > 0 && JSON.stringify(rec.body) === JSON.stringify(rec.query);
}

/**
 * The URL to send a recording to, or null when its route could lead anywhere
 * but --to's origin: only a plain path is accepted (one leading '/', no
 * scheme, no '//', no backslash, which URL parsing reads as '/', and no
 * control character or space, which it strips), and the result must still be
 * on --to's origin.
 */
export function targetUrl(base: URL, route: string): URL | null {
  if (!route.startsWith('/') || route.startsWith('//')) return null;
  for (let i = 0; i < route.length; i++) {
    const c = route.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c /* \\ */) return null;
  }
  let url: URL;
  try {
    url = new URL(route, base.origin);
  } catch {
    return null;
  }
  return url.origin === base.origin ? url : null;
}

async function post(url: URL, rec: Recorded, token: string | undefined, timeoutMs: number): Promise<{ status: number; answer: string }> {
  for (const [k, v] of Object.entries(rec.query)) {
    if (k !== 'token' && v !== undefined && v !== null) url.searchParams.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  if (token) url.searchParams.set('token', token);
  const init: RequestInit = wasGet(rec)
      ? { method: 'GET' }
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rec.body) };
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const answer = (await res.text()).slice(0, 300);
  return { status: res.status, answer };
}
