// Channel Talk's answers are read with a bound: an answer larger than the
// client's cap (MAX_ANSWER_BYTES) is not read whole, its connection is
// closed as soon as the cap is passed (or at once, when Content-Length says
// so), and the call fails as an answer that will not get better by asking
// again; an answer nested deeper than any real one is not parsed. Against a
// tiny local HTTP server that answers 128 MB, written as fast as the client
// takes it: the bytes the server managed to write before the client hung up
// are the proof that the read stopped early (no timing assertion).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { MAX_ANSWER_BYTES, MAX_ANSWER_DEPTH } from '../../src/channeltalk/answer-read.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError, ChannelTalkUnreadableAnswerError } from '../../src/channeltalk/errors.js';
import { settleFailure } from '../../src/delivery/backoff.js';
import { eventually } from '../support/processes.js';

const TOTAL = 128 * 1024 * 1024;
/** Far below the total: the cap, plus what socket buffers on both sides may hold. */
const STOPPED_EARLY = 32 * 1024 * 1024;

interface Served {
  /** Bytes handed to the socket before it closed; null while it is open. */
  written: number | null;
}

type Plan = { status: number; declareLength: boolean; body?: string };

/** A server whose answer to every request is `plan`: a fixed body, or TOTAL bytes of a listing that never ends. */
function hugeServer(plan: () => Plan) {
  const served: Served[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    const p = plan();
    const s: Served = { written: null };
    served.push(s);
    const socket = req.socket;
    const before = socket.bytesWritten;
    socket.once('close', () => (s.written = socket.bytesWritten - before));
    if (p.body !== undefined) {
      res.writeHead(p.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(p.body) });
      res.end(p.body);
      return;
    }
    res.writeHead(p.status, { 'content-type': 'application/json', ...(p.declareLength ? { 'content-length': String(TOTAL) } : {}) });
    void pump(res);
  });
  return { server, served };
}

/** Writes TOTAL bytes of `{"userChats":[{"id":"c"},…` as fast as the peer reads, stopping when it hangs up. */
async function pump(res: http.ServerResponse): Promise<void> {
  const item = '{"id":"c","state":"opened"},';
  const chunk = Buffer.from(item.repeat(Math.floor(65_536 / item.length)));
  let sent = 0;
  res.write('{"userChats":[');
  while (sent < TOTAL && !res.destroyed) {
    const n = Math.min(chunk.length, TOTAL - sent);
    sent += n;
    if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

void describe('answers are read with a bound', () => {
  let plan: Plan = { status: 200, declareLength: false };
  const { server, served } = hugeServer(() => plan);
  let client: ChannelTalkClient;
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    client = new ChannelTalkClient({ baseUrl: `http://127.0.0.1:${port}`, accessKey: 'k', accessSecret: 's', timeoutMs: 60_000, retry: false });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** The bytes the server wrote for the latest request, once its connection has closed. */
  async function writtenForLast(): Promise<number> {
    const s = served[served.length - 1];
    assert.ok(s, 'the server saw the request');
    return eventually(() => (s.written === null ? undefined : s.written), 20_000, 'the server to see the connection close');
  }

  void test('the cap is a few MB: far above a real page (25 chats with their users are tens of KB), far below what hurts', () => {
    assert.ok(MAX_ANSWER_BYTES >= 1024 * 1024 && MAX_ANSWER_BYTES <= 8 * 1024 * 1024, String(MAX_ANSWER_BYTES));
  });

  void test('a 128 MB chat list (no Content-Length) fails as an unreadable answer; the read stopped near the cap', async () => {
    plan = { status: 200, declareLength: false };
    await assert.rejects(client.listUserChats({ state: 'opened', limit: 25 }), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkUnreadableAnswerError, String(e));
      assert.ok(e instanceof ChannelTalkRejectedError, 'kind rejected: asking again gets the same answer');
      assert.equal(e.problem, 'too_large');
      assert.equal(e.status, 200);
      assert.match(e.message, new RegExp(`^Channel Talk's answer to GET /user-chats was not read: larger than ${MAX_ANSWER_BYTES} bytes \\(HTTP 200\\)$`));
      return true;
    });
    const written = await writtenForLast();
    assert.ok(written < STOPPED_EARLY, `the server wrote ${written} of ${TOTAL} bytes before the client hung up`);
  });

  void test('an answer whose Content-Length is over the cap is not read at all', async () => {
    plan = { status: 200, declareLength: true };
    await assert.rejects(client.getUser('u1'), { name: 'ChannelTalkUnreadableAnswerError', problem: 'too_large' });
    const written = await writtenForLast();
    assert.ok(written < STOPPED_EARLY, `the server wrote ${written} of ${TOTAL} bytes`);
  });

  void test('a huge error answer is classified by its status, its body left unread', async () => {
    plan = { status: 503, declareLength: false };
    await assert.rejects(client.getChannel(), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkUnavailableError);
      assert.equal(e.reason, 'server_error');
      return true;
    });
    assert.ok((await writtenForLast()) < STOPPED_EARLY);
    plan = { status: 422, declareLength: false };
    await assert.rejects(client.getChannel(), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkRejectedError && !(e instanceof ChannelTalkUnreadableAnswerError));
      assert.equal(e.status, 422);
      assert.equal(e.apiMessage, undefined);
      return true;
    });
    assert.ok((await writtenForLast()) < STOPPED_EARLY);
  });

  void test('an answer nested deeper than any real one is not parsed', async () => {
    const depth = 100_000;
    plan = { status: 200, declareLength: false, body: `{"user":{"id":"u1","profile":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}}` };
    await assert.rejects(client.getUser('u1'), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkUnreadableAnswerError);
      assert.equal(e.problem, 'too_deep');
      assert.match(e.message, new RegExp(`nested deeper than ${MAX_ANSWER_DEPTH} levels`));
      return true;
    });
    // Brackets inside strings are text, not nesting.
    plan = { status: 200, declareLength: false, body: JSON.stringify({ user: { id: 'u1', name: '['.repeat(5_000), profile: { note: '{'.repeat(5_000) } } }) };
    const { user } = await client.getUser('u1');
    assert.equal(user.id, 'u1');
  });

  void test('a message send answered 2xx is sent, even when its answer is too large or too deep to read', async () => {
    // Channel Talk accepted the message: failing it would skip the rest of the run, a lost message.
    plan = { status: 200, declareLength: false };
    const body = { blocks: [{ type: 'text' as const, value: '안녕하세요' }], requestId: 'run1-0' };
    const sent = await client.sendMessage('chat1', body);
    assert.deepEqual(sent, { messageId: null, raw: null });
    assert.ok((await writtenForLast()) < STOPPED_EARLY);
    const depth = 10_000;
    plan = { status: 200, declareLength: false, body: `{"message":{"id":"m1","x":${'['.repeat(depth)}${']'.repeat(depth)}}}` };
    assert.deepEqual(await client.sendMessage('chat1', body), { messageId: null, raw: null });
  });

  void test('the durable retry fails such an answer at once, saying what it was', () => {
    const err = new ChannelTalkUnreadableAnswerError({ problem: 'too_large', status: 200, method: 'GET', path: '/users/u1', limit: MAX_ANSWER_BYTES });
    const s = settleFailure(err, { ageMs: 0, maxAgeMs: 3_600_000, attempts: 1, now: 0, random: () => 0.5 });
    assert.deepEqual({ ...s, words: undefined }, { words: undefined, fail: `Channel Talk's answer to GET /users/u1 was not read: larger than ${MAX_ANSWER_BYTES} bytes (HTTP 200)` });
  });
});
