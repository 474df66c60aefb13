// The client's shape: call() fetches and classifies, nothing more; pacing and
// in-process retry are transformers around it (as in grammY or Octokit), and
// every endpoint takes the same call options. Scripted fetch, no network.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTalkClient, type CallOptions, type ChannelTalkClientOptions, type Transformer } from '../../src/channeltalk/client.js';
import { ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';

interface Scripted {
  fetch: typeof fetch;
  calls: Array<{ url: string; method: string | undefined }>;
}

/** Answers each request with the next status (the last one repeats). */
function answering(statuses: number | number[], headers: Record<string, string> = {}): Scripted {
  const list = Array.isArray(statuses) ? statuses : [statuses];
  const out: Scripted = { calls: [], fetch: undefined as unknown as typeof fetch };
  out.fetch = (u, init) => {
    out.calls.push({ url: u instanceof Request ? u.url : u.toString(), method: init?.method });
    const status = list[Math.min(out.calls.length - 1, list.length - 1)] ?? 200;
    const body = status === 200 ? JSON.stringify({ user: { id: 'u1' }, message: { id: 'm1' }, messages: [], channel: {} }) : '';
    return Promise.resolve(new Response(body, { status, headers }));
  };
  return out;
}

/** A fetch that never answers, only gives up when its signal aborts. */
const hanging: typeof fetch = (_u, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
  });

function make(fetchImpl: typeof fetch, extra: Partial<ChannelTalkClientOptions> = {}): { client: ChannelTalkClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const client = new ChannelTalkClient({
    baseUrl: 'https://api.invalid',
    accessKey: 'k',
    accessSecret: 's',
    botName: 'Coach',
    fetch: fetchImpl,
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...extra,
  });
  return { client, sleeps };
}

const body = { blocks: [{ type: 'text' as const, value: 'hi' }], requestId: 'r1' };

/** Every endpoint, called with the same options. */
function everyEndpoint(client: ChannelTalkClient, opts: CallOptions): Array<[string, () => Promise<unknown>]> {
  return [
    ['sendMessage', () => client.sendMessage('c1', body, opts)],
    ['listMessages', () => client.listMessages('c1', {}, opts)],
    ['getUser', () => client.getUser('u1', opts)],
    ['patchUserProfile', () => client.patchUserProfile('u1', { goal: 'cut' }, opts)],
    ['closeChat', () => client.closeChat('c1', opts)],
    ['getChannel', () => client.getChannel(opts)],
    ['listWebhooks', () => client.listWebhooks({}, opts)],
    ['getWebhook', () => client.getWebhook('wh1', opts)],
    ['createWebhook', () => client.createWebhook({ name: 'n', url: 'https://a.invalid/h', scopes: ['userChat.opened'], apiVersion: 'v5' }, opts)],
    ['updateWebhook', () => client.updateWebhook('wh1', { name: 'n', url: 'https://a.invalid/h', scopes: ['userChat.opened'], apiVersion: 'v5' }, opts)],
    ['listUserChats', () => client.listUserChats({ state: 'opened' }, opts)],
    ['createUserEvent', () => client.createUserEvent('u1', { name: 'e' }, opts)],
  ];
}

void describe('call() fetches and classifies, nothing more', () => {
  void test('a 503 through call() is one request: no in-process retry', async () => {
    const s = answering([503, 200]);
    const { client, sleeps } = make(s.fetch);
    await assert.rejects(client.call({ method: 'GET', path: '/channel' }), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkUnavailableError);
      assert.equal(e.reason, 'server_error');
      assert.equal(e.attempts, 1);
      return true;
    });
    assert.equal(s.calls.length, 1);
    assert.deepEqual(sleeps, []);
    assert.equal(client.stats.retries, 0);
  });

  void test('call() does not pace: its answers leave the pacer untouched', async () => {
    const s = answering(200, { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': '4102444800', 'x-ratelimit-will-be-throttled': 'false' });
    const { client } = make(s.fetch);
    await client.call({ method: 'GET', path: '/channel' });
    assert.equal(client.rateLimitState('channel').remaining, null);
    assert.equal(client.rateLimitState('channel').phase, 'none');
    // Through the endpoint, the same answer feeds the pacer.
    await client.getChannel();
    assert.equal(client.rateLimitState('channel').remaining, 7);
    assert.equal(client.rateLimitState('channel').phase, 'grace');
  });
});

void describe('transformers around call()', () => {
  void test('installed transformers run outermost, once per call; the retry layer repeats what lies inside it', async () => {
    const s = answering([503, 503, 200]);
    const seen: string[] = [];
    const outer: Transformer = async (prev, req, opts) => {
      seen.push(`outer ${req.method} ${req.path} attempt ${opts.attempt}`);
      return prev(req, opts);
    };
    const { client } = make(s.fetch, { transformers: [outer] });
    await client.getUser('u1');
    assert.deepEqual(seen, ['outer GET /users/u1 attempt 1']);
    assert.equal(s.calls.length, 3);
    assert.equal(client.stats.retries, 2);
  });

  void test('a transformer sees the call options and may change them for the layers inside', async () => {
    const s = answering(503);
    const offForEveryone: Transformer = (prev, req, opts) => prev(req, { ...opts, retry: false });
    const { client } = make(s.fetch, { transformers: [offForEveryone] });
    await assert.rejects(client.getChannel(), ChannelTalkUnavailableError);
    assert.equal(s.calls.length, 1);
  });

  void test('a client built with retry: false has no retry layer', async () => {
    const s = answering(503);
    const { client } = make(s.fetch, { retry: false });
    await assert.rejects(client.getUser('u1', { retry: true }), ChannelTalkUnavailableError);
    assert.equal(s.calls.length, 1);
  });
});

void describe('every endpoint takes the same call options', () => {
  void test('retry: false makes exactly one request on every endpoint (and the default retries)', async () => {
    const count = everyEndpoint(make(answering(503).fetch).client, {}).length;
    for (let i = 0; i < count; i++) {
      for (const [opts, expected] of [[{}, 4], [{ retry: false }, 1]] as const) {
        const s = answering(503);
        const { client } = make(s.fetch);
        const [name, run] = everyEndpoint(client, opts)[i]!;
        await assert.rejects(run(), ChannelTalkUnavailableError, name);
        assert.equal(s.calls.length, expected, `${name} with ${JSON.stringify(opts)}`);
      }
    }
  });

  void test('retry: true is the client policy; an object overrides part of it', async () => {
    const a = answering(503);
    await assert.rejects(make(a.fetch, { retry: { maxAttempts: 3 } }).client.getUser('u1', { retry: true }), ChannelTalkUnavailableError);
    assert.equal(a.calls.length, 3);
    const b = answering(503);
    await assert.rejects(make(b.fetch).client.patchUserProfile('u1', {}, { retry: { maxAttempts: 2 } }), ChannelTalkUnavailableError);
    assert.equal(b.calls.length, 2);
  });

  void test('timeoutMs replaces the client timeout for that call, on every endpoint', { timeout: 10_000 }, async () => {
    for (const [name, run] of everyEndpoint(make(hanging, { timeoutMs: 60_000 }).client, { retry: false, timeoutMs: 50 })) {
      await assert.rejects(run(), (e: unknown) => {
        assert.ok(e instanceof ChannelTalkUnavailableError, name);
        assert.equal(e.reason, 'timeout', name);
        return true;
      });
    }
  });

  void test("a signal cancels any endpoint's call", { timeout: 10_000 }, async () => {
    const { client } = make(hanging);
    for (const [name, run] of everyEndpoint(client, { retry: false, signal: AbortSignal.abort(new Error('stop')) })) {
      await assert.rejects(run(), /stop/, name);
    }
  });
});
