// Shared by the client and fake tests: a started fake and raw HTTP against it.
import { startFakeChannelTalk, type FakeChannelTalk, type FakeOptions } from '../../src/fake-channeltalk/server.js';

export const KEY = 'test-key-K3Y';
export const SECRET = 'test-secret-S3CR3T';

export function startTestFake(extra: Partial<FakeOptions> = {}): Promise<FakeChannelTalk> {
  return startFakeChannelTalk({ port: 0, accessKey: KEY, accessSecret: SECRET, ...extra });
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One HTTP request with the test key pair unless told otherwise. */
export async function api(
  fake: FakeChannelTalk,
  method: string,
  path: string,
  opts: { body?: unknown; key?: string | null; secret?: string | null } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = opts.key === undefined ? KEY : opts.key;
  const secret = opts.secret === undefined ? SECRET : opts.secret;
  if (key !== null) headers['x-access-key'] = key;
  if (secret !== null) headers['x-access-secret'] = secret;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(fake.url + path, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Control API call (no auth). */
export async function control(fake: FakeChannelTalk, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${fake.url}/_fake${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  if (!res.ok) throw new Error(`control ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

export const simpleBody = (requestId: string, text = 'Hello'): { blocks: Array<{ type: 'text'; value: string }>; requestId: string } => ({
  blocks: [{ type: 'text', value: text }],
  requestId,
});
