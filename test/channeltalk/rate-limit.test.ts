// The client-side limiter and header handling, with an injected clock and a
// scripted fetch: no network, no real waits.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTalkClient, type ClientLogger } from '../../src/channeltalk/client.js';
import { ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import { PacingTooLongError, RateLimiter } from '../../src/channeltalk/rate-limit.js';

function clock(start = 1_700_000_000_000): { now: () => number; sleep: (ms: number) => Promise<void>; sleeps: number[] } {
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
  };
}

// The grace period's header, even when 'false', says the limits are final:
// from then on remaining 0 is a hard stop, as it would be under enforcement.
const GRACE = { 'x-ratelimit-will-be-throttled': 'false' };

const rl = (limit: number, remaining: number, resetSec: number, extra: Record<string, string> = {}): Headers =>
  new Headers({
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(resetSec),
    ...extra,
  });

void describe('RateLimiter', () => {
  void test('waits for the reset when remaining reaches 0, and counts the wait', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(10, 0, c.now() / 1000 + 2, GRACE));
    limiter.release();
    await limiter.acquire();
    assert.deepEqual(c.sleeps, [2000]);
    assert.equal(limiter.stats.rateLimitWaits, 1);
    assert.equal(limiter.stats.rateLimitWaitMs, 2000);
    limiter.release();
  });

  void test('does not wait while budget remains', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep });
    await limiter.acquire();
    limiter.update(rl(10, 5, c.now() / 1000 + 1));
    limiter.release();
    for (let i = 0; i < 4; i++) await limiter.acquire();
    assert.deepEqual(c.sleeps, []);
    assert.equal(limiter.state().inFlight, 4);
  });

  void test('keeps a reserve when the limit is large', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(100, 5, c.now() / 1000 + 1, GRACE));
    limiter.release();
    await limiter.acquire();
    assert.deepEqual(c.sleeps, [1000], '5 of 100 left is within the 5% reserve');
  });

  void test('in-flight requests count against the budget', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(5, 2, c.now() / 1000 + 1, GRACE));
    limiter.release();
    await limiter.acquire();
    await limiter.acquire();
    assert.deepEqual(c.sleeps, []);
    await limiter.acquire();
    assert.deepEqual(c.sleeps, [1000]);
  });

  void test('before any answer, one request at a time', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep });
    await limiter.acquire();
    let second = false;
    const p = limiter.acquire().then(() => {
      second = true;
    });
    await Promise.resolve();
    assert.equal(second, false);
    limiter.update(new Headers());
    limiter.release();
    await p;
    assert.equal(second, true);
  });

  void test('ignores late answers from a past window', () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep });
    const base = Math.floor(c.now() / 1000);
    limiter.update(rl(5, 4, base + 2));
    limiter.update(rl(5, 0, base + 1));
    assert.equal(limiter.state().remaining, 4);
    limiter.update(rl(5, 3, base + 2));
    limiter.update(rl(5, 4, base + 2));
    assert.equal(limiter.state().remaining, 3, 'same window: the lowest figure wins');
  });
});

void describe('rate limits as Channel Talk rolls them out', () => {
  void test('monitoring: a 200 with remaining 0 (no 429, no grace header) slows the pacer but does not stop it', async () => {
    const c = clock();
    const start = c.now();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    // The window resets a minute from now: stopping would mean a minute without a send.
    const resetSec = start / 1000 + 60;
    for (let i = 0; i < 5; i++) {
      await limiter.acquire();
      limiter.update(rl(10, 0, resetSec), 200);
      limiter.release();
    }
    assert.equal(limiter.state().phase, 'monitoring');
    assert.ok(c.now() - start < 60_000, `five requests went before the reset (${c.now() - start} ms)`);
    assert.equal(c.sleeps.length, 4, 'it slowed down: a pause before each request after the budget ran out');
    assert.ok(
      c.sleeps.every((ms) => ms > 0 && ms <= 1000),
      `pauses ${c.sleeps.join(', ')}`,
    );
    assert.equal(limiter.stats.rateLimitWaits, 4);
  });

  void test('monitoring: once the budget is spent, requests go one at a time', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(10, 0, c.now() / 1000 + 60), 200);
    limiter.release();
    await limiter.acquire();
    let second = false;
    const p = limiter.acquire().then(() => {
      second = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(second, false, 'waits for the one in flight');
    limiter.update(rl(10, 0, c.now() / 1000 + 60), 200);
    limiter.release();
    await p;
    assert.equal(second, true, 'then goes, without waiting for the reset');
    assert.ok(c.now() - 1_700_000_000_000 < 60_000);
    limiter.release();
  });

  void test('x-ratelimit-will-be-throttled: true is honoured as a throttle: the next request waits for the reset', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    // 40 of 100 left by this figure, but Channel Talk says this request would have been refused.
    const out = limiter.update(rl(100, 40, c.now() / 1000 + 3, { 'x-ratelimit-will-be-throttled': 'true' }), 200);
    limiter.release();
    assert.equal(out.throttlingAnnounced, true);
    await limiter.acquire();
    assert.deepEqual(c.sleeps, [3000]);
    assert.equal(limiter.state().phase, 'grace');
    assert.equal(limiter.state().willBeThrottled, true);
    limiter.release();
  });

  void test('the same remaining 0 is a slow-down in monitoring and a stop in the grace period', async () => {
    const waits = async (extra: Record<string, string>): Promise<number[]> => {
      const c = clock();
      const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
      await limiter.acquire();
      limiter.update(rl(10, 0, c.now() / 1000 + 60, extra), 200);
      limiter.release();
      await limiter.acquire();
      limiter.release();
      return c.sleeps;
    };
    const monitoring = await waits({});
    const grace = await waits({ 'x-ratelimit-will-be-throttled': 'false' });
    assert.equal(monitoring.length, 1);
    assert.ok((monitoring[0] ?? 0) <= 1000, `monitoring paused ${monitoring[0]} ms`);
    assert.deepEqual(grace, [60_000], 'the grace period waits for the reset');
  });

  void test('after a 429 the limits are enforced: remaining 0 is a stop until the reset', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(10, 0, c.now() / 1000 + 5), 429);
    limiter.release();
    assert.equal(limiter.state().phase, 'enforced');
    await limiter.acquire();
    assert.deepEqual(c.sleeps, [5000]);
    limiter.release();
    // Enforcement does not go back to monitoring: a later 200 with remaining 0 still stops.
    limiter.update(rl(10, 0, c.now() / 1000 + 5), 200);
    await limiter.acquire();
    assert.deepEqual(c.sleeps, [5000, 5000]);
    assert.equal(limiter.state().phase, 'enforced');
  });

  void test('no rate-limit headers at all: phase none, never a wait', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep });
    for (let i = 0; i < 3; i++) {
      await limiter.acquire();
      limiter.update(new Headers(), 200);
      limiter.release();
    }
    assert.equal(limiter.state().phase, 'none');
    assert.deepEqual(c.sleeps, []);
  });

  void test('no turn within the budget (others in flight): PacingTooLongError without a wait estimate, the queue left clean', async () => {
    const limiter = new RateLimiter({ now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    await limiter.acquire();
    await assert.rejects(limiter.acquire(undefined, 20), (e: unknown) => {
      assert.ok(e instanceof PacingTooLongError);
      assert.equal(e.waitMs, undefined);
      return true;
    });
    assert.equal(limiter.state().inFlight, 1);
    limiter.update(new Headers());
    limiter.release();
    await limiter.acquire(undefined, 1_000);
    assert.equal(limiter.state().inFlight, 1);
    limiter.release();
  });

  void test('a wait longer than the budget is not waited: PacingTooLongError says how long it would be', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(10, 0, c.now() / 1000 + 40, GRACE), 200);
    limiter.release();
    await assert.rejects(limiter.acquire(undefined, 10_000), (e: unknown) => {
      assert.ok(e instanceof PacingTooLongError);
      assert.equal(e.waitMs, 40_000);
      return true;
    });
    assert.deepEqual(c.sleeps, [], 'nothing was waited');
    assert.equal(limiter.state().inFlight, 0, 'nothing is counted in flight');
    await limiter.acquire(undefined, 41_000);
    assert.deepEqual(c.sleeps, [40_000], 'within the budget it waits');
  });
});

void describe('client header handling (scripted fetch)', () => {
  function scripted(responses: Array<() => Response>): { fetch: typeof fetch; bodies: Array<string | undefined>; calls: number } {
    const out = { bodies: [] as Array<string | undefined>, calls: 0, fetch: undefined as unknown as typeof fetch };
    out.fetch = (_url, init) => {
      out.bodies.push(typeof init?.body === 'string' ? init.body : undefined);
      const next = responses[out.calls++];
      if (!next) throw new Error('no more scripted responses');
      return Promise.resolve(next());
    };
    return out;
  }

  void test('429 without Retry-After waits until x-ratelimit-reset; the same bytes are resent', async () => {
    const c = clock();
    const resetSec = Math.floor(c.now() / 1000) + 3;
    const s = scripted([
      () => new Response('{}', { status: 429, headers: rl(5, 0, resetSec) }),
      () => new Response(JSON.stringify({ message: { id: 'm1' } }), { status: 200, headers: rl(5, 4, resetSec + 1) }),
    ]);
    const client = new ChannelTalkClient({
      baseUrl: 'https://api.invalid',
      accessKey: 'k',
      accessSecret: 's',
      fetch: s.fetch,
      now: c.now,
      sleep: c.sleep,
      random: () => 0,
    });
    const res = await client.sendMessage('c', { blocks: [{ type: 'text', value: 'x' }], requestId: 'rid-1' });
    assert.equal(res.messageId, 'm1');
    assert.equal(c.sleeps[0], resetSec * 1000 - 1_700_000_000_000);
    assert.equal(s.bodies.length, 2);
    assert.equal(s.bodies[0], s.bodies[1]);
    assert.match(s.bodies[0] ?? '', /"requestId":"rid-1"/);
  });

  void test('Retry-After as an HTTP date on a 503', async () => {
    const c = clock(Date.parse('2025-01-01T00:00:00Z'));
    const s = scripted([
      () => new Response('', { status: 503, headers: { 'retry-after': 'Wed, 01 Jan 2025 00:00:04 GMT' } }),
      () => new Response('{"channel":{}}', { status: 200 }),
    ]);
    const client = new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: s.fetch, now: c.now, sleep: c.sleep, random: () => 0 });
    await client.getChannel();
    assert.deepEqual(c.sleeps, [4000]);
  });

  void test('a Retry-After beyond maxElapsedMs gives up at once with retryAfterMs', async () => {
    const c = clock();
    const s = scripted([() => new Response('', { status: 429, headers: { 'retry-after': '120' } })]);
    const client = new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: s.fetch, now: c.now, sleep: c.sleep });
    await assert.rejects(client.getChannel(), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkUnavailableError);
      assert.equal(e.retryAfterMs, 120_000);
      assert.equal(e.attempts, 1);
      return true;
    });
    assert.equal(s.calls, 1);
  });

  void test('x-ratelimit-will-be-throttled is logged once at warn (per budget: it is per family)', async () => {
    const warns: unknown[] = [];
    const logger: ClientLogger = { debug: () => {}, info: () => {}, warn: (o) => warns.push(o), error: () => {} };
    const c = clock();
    const reset = Math.floor(c.now() / 1000) + 1;
    const s = scripted(
      Array.from({ length: 3 }, () => () => new Response('{}', { status: 200, headers: rl(50, 40, reset, { 'x-ratelimit-will-be-throttled': 'true' }) })),
    );
    const client = new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: s.fetch, now: c.now, sleep: c.sleep, logger });
    for (let i = 0; i < 3; i++) await client.getChannel();
    assert.equal(warns.length, 1);
    assert.equal(client.rateLimitState('channel').willBeThrottled, true);
  });

  void test('a pacing wait longer than the attempt may take sends nothing: unavailable/paced with retryAfterMs', async () => {
    const c = clock();
    const resetSec = c.now() / 1000 + 40;
    const s = scripted([() => new Response('{"channel":{}}', { status: 200, headers: rl(10, 0, resetSec, GRACE) })]);
    const client = new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: s.fetch, now: c.now, sleep: c.sleep, timeoutMs: 10_000 });
    await client.getChannel();
    await assert.rejects(client.getChannel({ retry: false }), (e: unknown) => {
      assert.ok(e instanceof ChannelTalkUnavailableError);
      assert.equal(e.reason, 'paced');
      assert.equal(e.status, undefined);
      assert.ok((e.retryAfterMs ?? 0) >= 40_000, `retryAfterMs ${e.retryAfterMs}`);
      return true;
    });
    assert.equal(s.calls, 1, 'the second request was never sent');
    assert.deepEqual(c.sleeps, [], 'and never waited for');
  });

  void test('redirects are not followed (they would carry the key pair along)', async () => {
    let seenRedirect: RequestRedirect | undefined;
    const f: typeof fetch = (_u, init) => {
      seenRedirect = init?.redirect;
      return Promise.resolve(new Response('', { status: 302, headers: { location: 'https://elsewhere.invalid' } }));
    };
    const client = new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: f });
    await assert.rejects(client.getChannel(), { name: 'ChannelTalkRejectedError', status: 302 });
    assert.equal(seenRedirect, 'manual');
  });

  void test('headers and URL', async () => {
    let seen: { url: string; headers: Headers; method: string | undefined } | undefined;
    const f: typeof fetch = (u, init) => {
      seen = { url: u instanceof Request ? u.url : u.toString(), headers: new Headers(init?.headers), method: init?.method };
      return Promise.resolve(new Response('{}', { status: 200 }));
    };
    const client = new ChannelTalkClient({ baseUrl: 'https://api.channel.io/', accessKey: 'k1', accessSecret: 's1', fetch: f, botName: 'B ot' });
    await client.sendMessage('a/b', { plainText: 'hi' });
    assert.equal(seen?.url, 'https://api.channel.io/open/v5/user-chats/a%2Fb/messages?botName=B+ot');
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.headers.get('x-access-key'), 'k1');
    assert.equal(seen?.headers.get('x-access-secret'), 's1');
    assert.equal(seen?.headers.get('content-type'), 'application/json');
    assert.equal(seen?.headers.get('accept'), 'application/json');
  });
});
