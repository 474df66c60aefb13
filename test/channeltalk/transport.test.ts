// The client's HTTP transport (src/channeltalk/transport.ts) against a local
// node:http server: the default node:http transport and the fetch adapter
// used when a fetch is injected pass the same tests, so the exchange behaves
// the same whichever made it. No timing assertion: a timeout test only needs
// the server to never answer, and closes are awaited with a generous deadline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import { fetchTransport, nodeHttpTransport, type Transport, type TransportRequest } from '../../src/channeltalk/transport.js';
import { ROOT } from '../support/child-process.js';
import { eventually } from '../support/processes.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Seen {
  path: string;
  rawHeaders: string[];
  body: string;
  socket: Socket;
}

/** A server whose every answer is `handler`'s; it records each request and each connection. */
function testServer() {
  const seen: Seen[] = [];
  const sockets: Socket[] = [];
  const closed = new Set<Socket>();
  let handler: Handler = (_req, res) => res.end('{}');
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8'), socket: req.socket });
      handler(req, res);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.push(s);
    s.once('close', () => closed.add(s));
  });
  return {
    server,
    seen,
    sockets,
    closed,
    setHandler(h: Handler) {
      handler = h;
    },
    url: '',
  };
}

const TRANSPORTS: Array<[string, Transport]> = [
  ['node:http transport', nodeHttpTransport],
  ['fetch adapter', fetchTransport(globalThis.fetch.bind(globalThis))],
];

for (const [name, transport] of TRANSPORTS) {
  void describe(`the client's transport: ${name}`, () => {
    const t = testServer();
    let base = '';
    before(async () => {
      await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
    });
    after(async () => {
      t.server.closeAllConnections();
      await new Promise<void>((r) => t.server.close(() => r()));
    });

    const request = (path: string, over: Partial<TransportRequest> = {}): Promise<Awaited<ReturnType<Transport>>> =>
      transport({ method: 'GET', url: base + path, headers: { 'x-access-key': 'k1', 'x-access-secret': 's1', accept: 'application/json' }, body: undefined, signal: new AbortController().signal, ...over });

    void test('status, headers and body of an answer; the request arrives with its headers and body', async () => {
      t.setHandler((_req, res) => {
        res.writeHead(201, { 'content-type': 'application/json', 'x-ratelimit-remaining': '7' });
        res.end('\uFEFF{"message":{"id":"m1"}}');
      });
      const answer = await request('/open/v5/x?botName=B', { method: 'POST', headers: { 'content-type': 'application/json', 'x-access-key': 'k1' }, body: '{"blocks":"한국어"}' });
      assert.equal(answer.status, 201);
      assert.equal(answer.headers.get('X-RateLimit-Remaining'), '7');
      assert.equal(answer.headers.get('retry-after'), null);
      assert.deepEqual(await answer.read(1024), { text: '{"message":{"id":"m1"}}' }, 'UTF-8, the BOM dropped, as Response.text()');
      const last = t.seen.at(-1);
      assert.equal(last?.path, '/open/v5/x?botName=B');
      assert.equal(last?.body, '{"blocks":"한국어"}');
      assert.equal(headerOf(last, 'x-access-key'), 'k1');
      assert.equal(headerOf(last, 'content-type'), 'application/json');
      assert.equal(headerOf(last, 'content-length'), String(Buffer.byteLength('{"blocks":"한국어"}')));
    });

    // Only the default transport: undici's pool may open a second connection while it releases the first.
    void test('keep-alive: calls one after another reuse one connection', { skip: transport !== nodeHttpTransport && 'fetch adapter (undici pools its own way)' }, async () => {
      t.setHandler((_req, res) => res.end('{"ok":true}'));
      const before = t.seen.length;
      for (let i = 0; i < 3; i++) assert.deepEqual(await (await request('/again')).read(1024), { text: '{"ok":true}' });
      const mine = t.seen.slice(before);
      assert.equal(mine.length, 3);
      assert.equal(new Set(mine.map((s) => s.socket)).size, 1, 'one connection for the three');
    });

    void test('a 3xx is handed back as it is: not followed, the key pair sent nowhere else', async () => {
      t.setHandler((req, res) => {
        if (req.url === '/elsewhere') return void res.end('{"took":"the keys"}');
        res.writeHead(302, { location: `${base}/elsewhere` });
        res.end();
      });
      const answer = await request('/moved');
      assert.equal(answer.status, 302);
      assert.equal(answer.headers.get('location'), `${base}/elsewhere`);
      assert.deepEqual(await answer.read(1024), { text: '' });
      assert.equal(
        t.seen.filter((s) => s.path === '/elsewhere').length,
        0,
        'nothing went to where the redirect points',
      );
    });

    void test('an answer past the bound is tooLarge, its connection dropped (never reused)', async () => {
      t.setHandler((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"userChats":[' + '{"id":"c"},'.repeat(2000));
        // Never ends: only the client's hang-up closes it.
      });
      const answer = await request('/big');
      const socket = t.seen.at(-1)?.socket;
      assert.deepEqual(await answer.read(4096), { tooLarge: true });
      await eventually(() => socket && t.closed.has(socket), 20_000, 'the connection to close');
    });

    void test('a Content-Length over the bound is tooLarge before any of it is read', async () => {
      t.setHandler((_req, res) => {
        res.writeHead(200, { 'content-length': String(64 * 1024 * 1024) });
        res.write('{');
      });
      const answer = await request('/declared');
      const socket = t.seen.at(-1)?.socket;
      assert.deepEqual(await answer.read(1024), { tooLarge: true });
      await eventually(() => socket && t.closed.has(socket), 20_000, 'the connection to close');
    });

    void test('the signal aborts a request no answer has come to, and closes its connection', async () => {
      t.setHandler(() => undefined);
      const controller = new AbortController();
      const pending = request('/never', { signal: controller.signal });
      await eventually(() => t.seen.at(-1)?.path === '/never', 20_000, 'the request to arrive');
      const socket = t.seen.at(-1)?.socket;
      controller.abort();
      await assert.rejects(pending);
      await eventually(() => socket && t.closed.has(socket), 20_000, 'the connection to close');
    });

    void test('the signal aborts a body read under way', async () => {
      t.setHandler((_req, res) => {
        res.writeHead(200);
        res.write('{"partial":');
      });
      const controller = new AbortController();
      const answer = await request('/slow-body', { signal: controller.signal });
      const reading = answer.read(1024);
      controller.abort();
      await assert.rejects(reading);
    });

    void test('a connection reset before the answer fails the request', async () => {
      t.setHandler((req) => req.socket.resetAndDestroy());
      await assert.rejects(request('/reset'));
    });

    void test('a connection reset in the middle of the body fails the read: never a short answer', async () => {
      t.setHandler((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"messages":[', () => setTimeout(() => req.socket.resetAndDestroy(), 20));
      });
      const answer = await request('/reset-body');
      await assert.rejects(answer.read(1024));
    });

    void test('a connection closed in the middle of the body fails the read: never a short answer', async () => {
      t.setHandler((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"messages":[', () => setTimeout(() => req.socket.end(), 20));
      });
      const answer = await request('/closed-body');
      await assert.rejects(answer.read(1024));
    });

    void test('a gzip answer is decoded', async () => {
      t.setHandler((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(gzipSync('{"channel":{"id":"ch1"}}'));
      });
      assert.deepEqual(await (await request('/gz')).read(1024), { text: '{"channel":{"id":"ch1"}}' });
    });
  });
}

/** One request header's value, as the server received it. */
function headerOf(s: Seen | undefined, name: string): string | undefined {
  const raw = s?.rawHeaders ?? [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

void describe('the default transport as the client uses it', () => {
  const t = testServer();
  let client: ChannelTalkClient;
  let base = '';
  before(async () => {
    await new Promise<void>((r) => t.server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
    client = new ChannelTalkClient({ baseUrl: base, accessKey: 'key-1', accessSecret: 'secret-1', timeoutMs: 60_000, retry: false });
  });
  after(async () => {
    t.server.closeAllConnections();
    await new Promise<void>((r) => t.server.close(() => r()));
  });

  void test('Channel Talk sees the same request headers as from global fetch', async () => {
    t.setHandler((_req, res) => res.end('{"message":{"id":"m"}}'));
    await client.sendMessage('chat-1', { blocks: [{ type: 'text', value: 'hi' }] }, { botName: 'Bot' });
    const viaTransport = t.seen.at(-1);
    const viaFetch = new ChannelTalkClient({ baseUrl: base, accessKey: 'key-1', accessSecret: 'secret-1', retry: false, fetch: globalThis.fetch.bind(globalThis) });
    await viaFetch.sendMessage('chat-1', { blocks: [{ type: 'text', value: 'hi' }] }, { botName: 'Bot' });
    const viaGlobalFetch = t.seen.at(-1);
    const asMap = (s: Seen | undefined): Record<string, string> => {
      const raw = s?.rawHeaders ?? [];
      const out: Record<string, string> = {};
      for (let i = 0; i < raw.length; i += 2) out[(raw[i] ?? '').toLowerCase()] = raw[i + 1] ?? '';
      delete out.host;
      return out;
    };
    assert.deepEqual(asMap(viaTransport), asMap(viaGlobalFetch));
    assert.equal(viaTransport?.body, viaGlobalFetch?.body);
    assert.equal(viaTransport?.path, viaGlobalFetch?.path);
  });

  void test('no answer within the timeout: unavailable, reason timeout', async () => {
    t.setHandler(() => undefined);
    await assert.rejects(client.getChannel({ timeoutMs: 200 }), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkUnavailableError, String(e));
      assert.equal(e.reason, 'timeout');
      assert.equal(e.cause, undefined);
      return true;
    });
  });

  void test('a timeout in the middle of the body: unavailable, reason timeout', async () => {
    t.setHandler((_req, res) => {
      res.writeHead(200);
      res.write('{"channel":');
    });
    await assert.rejects(client.getChannel({ timeoutMs: 300 }), { name: 'ChannelTalkUnavailableError', reason: 'timeout' });
  });

  void test("the caller's abort: its own reason, not a Channel Talk error", async () => {
    t.setHandler(() => undefined);
    const controller = new AbortController();
    const pending = client.getChannel({ signal: controller.signal });
    await eventually(() => t.seen.at(-1)?.path === '/open/v5/channel' && t.seen.length, 20_000, 'the request to arrive');
    controller.abort(new Error('shutting down'));
    await assert.rejects(pending, { message: 'shutting down' });
  });

  void test('a refused connection: unavailable, reason network, its cause the system error and nothing else', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = http.createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const nowhere = new ChannelTalkClient({ baseUrl: `http://127.0.0.1:${closedPort}`, accessKey: 'key-1', accessSecret: 'secret-1', retry: false });
    await assert.rejects(nowhere.getChannel(), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkUnavailableError, String(e));
      assert.equal(e.reason, 'network');
      assert.ok(e.cause instanceof Error);
      assert.equal(e.cause.message, `Error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${closedPort}`, 'as it read through fetch');
      return true;
    });
  });

  void test('a connection reset: unavailable, reason network', async () => {
    t.setHandler((req) => req.socket.resetAndDestroy());
    await assert.rejects(client.getChannel(), { name: 'ChannelTalkUnavailableError', reason: 'network' });
  });

  void test('a redirect is an error answer, never followed', async () => {
    t.setHandler((req, res) => {
      res.writeHead(307, { location: `${base}/stolen` });
      res.end();
    });
    await assert.rejects(client.getChannel(), (e: unknown) => e instanceof ChannelTalkRejectedError && e.status === 307);
    assert.equal(t.seen.filter((s) => s.path === '/stolen').length, 0);
  });

  void test('a URL that is not http(s): unavailable, reason network', async () => {
    const odd = new ChannelTalkClient({ baseUrl: 'ftp://127.0.0.1', accessKey: 'key-1', accessSecret: 'secret-1', retry: false });
    await assert.rejects(odd.getChannel(), { name: 'ChannelTalkUnavailableError', reason: 'network' });
  });
});

void describe('https', () => {
  // A certificate made for this test (test/fixtures/tls), trusted by nothing.
  const tls = path.join(ROOT, 'test/fixtures/tls');
  const server = https.createServer({ key: readFileSync(path.join(tls, 'self-signed-key.pem')), cert: readFileSync(path.join(tls, 'self-signed-cert.pem')) }, (_req, res) => res.end('{}'));
  let port = 0;
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  void test("an https base URL speaks TLS and checks the server's certificate, as fetch did", async () => {
    const causes: string[] = [];
    for (const fetchImpl of [undefined, globalThis.fetch.bind(globalThis)]) {
      const client = new ChannelTalkClient({ baseUrl: `https://127.0.0.1:${port}`, accessKey: 'key-1', accessSecret: 'secret-1', retry: false, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
      await assert.rejects(client.getChannel(), (e: unknown) => {
        assert.ok(e instanceof ChannelTalkUnavailableError, String(e));
        assert.equal(e.reason, 'network');
        assert.ok(e.cause instanceof Error);
        causes.push(e.cause.message);
        return true;
      });
    }
    assert.match(causes[0] ?? '', /^Error DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate/);
    assert.equal(causes[0], causes[1], 'the same cause through node:https and through fetch');
  });
});
