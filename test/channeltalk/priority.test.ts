// Background calls (the missed-delivery sweep) leave live traffic (sends) a
// reserve: they go only while more than half the window's budget is left,
// and wait for the reset otherwise, where a live call would still go.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { RateLimiter } from '../../src/channeltalk/rate-limit.js';

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

const rl = (limit: number, remaining: number, resetSec: number, extra: Record<string, string> = {}): Headers =>
  new Headers({ 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(resetSec), ...extra });

void describe('background priority in the pacer', () => {
  void test('with half the budget or less left, a background call waits for the reset while a live call goes', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(10, 5, c.now() / 1000 + 2, { 'x-ratelimit-will-be-throttled': 'false' }));
    limiter.release();
    await limiter.acquire();
    assert.deepEqual(c.sleeps, [], 'live: 5 of 10 left is plenty');
    limiter.release();
    await limiter.acquire(undefined, undefined, 'background');
    assert.deepEqual(c.sleeps, [2000], 'background: 5 of 10 is the live reserve; wait for the reset');
    limiter.release();
  });

  void test('with more than half left, background goes at once', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(10, 8, c.now() / 1000 + 2));
    limiter.release();
    await limiter.acquire(undefined, undefined, 'background');
    assert.deepEqual(c.sleeps, []);
  });

  void test('in the monitoring phase a background call waits for the reset instead of only slowing down', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep, marginMs: 0 });
    await limiter.acquire();
    limiter.update(rl(10, 0, c.now() / 1000 + 1));
    limiter.release();
    await limiter.acquire(undefined, undefined, 'background');
    assert.deepEqual(c.sleeps, [1000]);
  });

  void test('no rate-limit headers known: background is not held back', async () => {
    const c = clock();
    const limiter = new RateLimiter({ now: c.now, sleep: c.sleep });
    await limiter.acquire();
    limiter.update(new Headers());
    limiter.release();
    await limiter.acquire(undefined, undefined, 'background');
    assert.deepEqual(c.sleeps, []);
  });

  void test("the client passes a call's priority to its pacer", async () => {
    const c = clock();
    let calls = 0;
    const f: typeof fetch = () => {
      calls++;
      return Promise.resolve(new Response(JSON.stringify({ userChats: [], users: [] }), { status: 200, headers: rl(10, 4, c.now() / 1000 + 3, { 'x-ratelimit-will-be-throttled': 'false' }) }));
    };
    const client = new ChannelTalkClient({ baseUrl: 'https://x.invalid', accessKey: 'k', accessSecret: 's', fetch: f, now: c.now, sleep: c.sleep, timeoutMs: 10_000 });
    await client.listUserChats({ state: 'opened' });
    await client.getChannel();
    assert.deepEqual(c.sleeps, [], 'live goes with 4 of 10 left');
    await client.listUserChats({ state: 'opened' }, { priority: 'background' });
    assert.equal(c.sleeps.length, 1, 'background waited');
    assert.ok((c.sleeps[0] ?? 0) >= 2000, `waited ${c.sleeps[0]} ms for the reset`);
    assert.equal(calls, 3);
  });
});
