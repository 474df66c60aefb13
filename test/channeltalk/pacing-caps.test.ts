// One rate-limit header must not stop a channel's sends. A wait that comes
// from a header is capped when the header is read (not only when the wait is
// taken: an attempt that may take 10 s never takes a 60 s wait, so a reset
// two hours ahead would refuse every attempt as `paced` for two hours), and
// what a background call learns (the sweep's chat list, the webhook health
// check) never holds a live send. An injected clock and a scripted fetch.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { RateLimiter } from '../../src/channeltalk/rate-limit.js';
import { sweepOpenedChats } from '../../src/webhook/sweep.js';

const T0 = 1_700_000_000_000;
/** The pacer's cap on a wait read from a header. */
const CAP_MS = 60_000;
const BODY = { blocks: [{ type: 'text' as const, value: 'hi' }], requestId: 'rid' };

function clock(start = T0): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[]; advance: (ms: number) => void } {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
    advance: (ms) => void (t += ms),
  };
}

/** Channel Talk as scripted per request ("METHOD /path" → answer); every request is recorded. */
function channelTalk(answer: (call: string, n: number) => Response) {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const call = `${init?.method ?? 'GET'} ${url.pathname.replace('/open/v5', '')}`;
    calls.push(call);
    return Promise.resolve(answer(call, calls.length));
  };
  return { calls, fetch: fetchImpl };
}

const ok = (body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });
const throttled = (headers: Record<string, string>) => new Response('{"message":"too many requests"}', { status: 429, headers: { 'content-type': 'application/json', ...headers } });
const sent = () => ok({ message: { id: 'm1' } });

function clientWith(c: ReturnType<typeof clock>, f: typeof fetch): ChannelTalkClient {
  return new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: f, now: c.now, sleep: c.sleep, timeoutMs: 10_000, random: () => 0 });
}

/** As the send job calls it: one attempt, no in-process retry. */
const sendOnce = (client: ChannelTalkClient) => client.sendMessage('chat-1', BODY, { retry: false, timeoutMs: 10_000 });

/**
 * The send job's loop in little: an attempt refused as `paced` is tried again
 * when its retryAfterMs says; returns how long it took until a send went.
 */
async function sendAsTheJobWould(client: ChannelTalkClient, c: ReturnType<typeof clock>, giveUpAfterMs: number): Promise<number> {
  const start = c.now();
  for (;;) {
    try {
      await sendOnce(client);
      return c.now() - start;
    } catch (err) {
      if (!(err instanceof ChannelTalkUnavailableError) || err.reason !== 'paced') throw err;
      assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs <= CAP_MS + 1_000, `paced for ${err.retryAfterMs} ms`);
      if (c.now() - start > giveUpAfterMs) assert.fail(`still paced ${c.now() - start} ms after the 429`);
      c.advance(err.retryAfterMs);
    }
  }
}

void describe('a wait from a header is capped when it is read', () => {
  for (const [name, headers] of [
    ['Retry-After: 999999999', { 'retry-after': '999999999' }],
    ['a 400-digit Retry-After', { 'retry-after': '9'.repeat(400) }],
    ['x-ratelimit-reset two hours ahead (a skewed clock)', { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String((T0 + 2 * 3_600_000) / 1000) }],
  ] as const) {
    void test(`after one 429 with ${name}, sends go again within the cap`, async () => {
      const c = clock();
      const ct = channelTalk((_call, n) => (n === 1 ? throttled(headers) : sent()));
      const client = clientWith(c, ct.fetch);
      await assert.rejects(sendOnce(client), { name: 'ChannelTalkUnavailableError', reason: 'rate_limited' });
      const took = await sendAsTheJobWould(client, c, 5 * CAP_MS);
      assert.ok(took <= CAP_MS + 1_000, `the next send went ${took} ms after the 429`);
      assert.deepEqual(ct.calls, ['POST /user-chats/chat-1/messages', 'POST /user-chats/chat-1/messages'], 'nothing sent while paced');
    });
  }

  void test('a 200 announcing the budget spent until a reset two hours ahead holds sends for the cap at most', async () => {
    const c = clock();
    const spent = { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String((T0 + 2 * 3_600_000) / 1000), 'x-ratelimit-will-be-throttled': 'true' };
    const ct = channelTalk((_call, n) => (n === 1 ? ok({ message: { id: 'm0' } }, spent) : sent()));
    const client = clientWith(c, ct.fetch);
    await sendOnce(client);
    const took = await sendAsTheJobWould(client, c, 5 * CAP_MS);
    assert.ok(took <= CAP_MS + 1_000, `the next send went ${took} ms later`);
  });

  void test('the limiter keeps no reset further ahead than the cap from when it read it', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep });
    limiter.observe({ limit: 10, remaining: 0, resetAt: T0 + 2 * 3_600_000, willBeThrottled: null }, 429);
    assert.ok((limiter.state().resetAt ?? Infinity) <= T0 + CAP_MS, `resetAt ${limiter.state().resetAt}`);
    limiter.noteExhausted(Number.POSITIVE_INFINITY);
    assert.ok((limiter.state().resetAt ?? Infinity) <= T0 + CAP_MS, `resetAt ${limiter.state().resetAt}`);
  });
});

void describe('what a background call learns never holds a live send', () => {
  void test("a 429 on the sweep's chat list does not delay sendMessage", async () => {
    const c = clock();
    // Long enough that the in-process retry gives up at once, shorter than the cap.
    const listThrottled = { 'retry-after': '50', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String((T0 + 50_000) / 1000) };
    const ct = channelTalk((call) => (call === 'GET /user-chats' ? throttled(listThrottled) : sent()));
    const client = clientWith(c, ct.fetch);
    const sweep = await sweepOpenedChats({
      client,
      coveredUntil: null,
      hasEvent: () => Promise.resolve(false),
      accept: () => Promise.resolve({ duplicate: false, runs: [] }),
      normalize,
      now: c.now,
      pageLimit: 25,
      maxPages: 1,
      overlapMs: 0,
      maxAgeMs: 3_600_000,
    });
    assert.match(sweep.error ?? '', /rate_limited HTTP 429/);
    assert.equal(client.rateLimitState('userChats', 'background').remaining, 0, "the chat list's background budget knows it is spent");

    const res = await sendOnce(client);
    assert.equal(res.messageId, 'm1');
    assert.deepEqual(c.sleeps, [], 'the send waited for nothing');
    assert.equal(c.now(), T0);
    assert.deepEqual(ct.calls, ['GET /user-chats', 'POST /user-chats/chat-1/messages']);
  });

  void test('a 429 on the webhook health check does not delay sendMessage either; the background call waits for its own reset', async () => {
    const c = clock();
    const ct = channelTalk((call, n) => (call === 'GET /webhooks' && n === 1 ? throttled({ 'retry-after': '40' }) : call === 'GET /webhooks' ? ok({ webhooks: [] }) : sent()));
    const client = clientWith(c, ct.fetch);
    await assert.rejects(client.listWebhooks({}, { priority: 'background', retry: false }), { reason: 'rate_limited' });
    await sendOnce(client);
    assert.deepEqual(c.sleeps, [], 'the send went at once');
    // The background budget still honours its own 429: the next background call waits for it.
    await client.listWebhooks({}, { priority: 'background', retry: false, timeoutMs: 60_000 });
    assert.equal(c.sleeps.length, 1);
    assert.ok((c.sleeps[0] ?? 0) >= 40_000, `background waited ${c.sleeps[0]} ms`);
  });
});
