// The acted sustained-rate search (issue 21): which steps hold, which rate
// comes next, and the open-loop load it drives (a fixed rate spread over the
// second, every request a new delivery).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bracket, nextRate, stepHeld, takenRate, type RateStep } from '../../bench/lib/sustained.js';
import { openLoop } from '../../bench/lib/open-loop.js';

/** A step of 4 s; one that did not hold let 40 events pile up (10/s). */
const step = (rate: number, held: boolean): RateStep => ({ rate, achieved: rate, queuedAtStart: 0, queuedAtEnd: held ? 0 : 40, seconds: 4, held });

describe('sustained rate search', () => {
  test('a step holds when the asked rate was answered and the backlog grew by at most the bound', () => {
    const s = { rate: 100, seconds: 4 };
    assert.equal(stepHeld({ ...s, achieved: 98, queuedAtStart: 3, queuedAtEnd: 60 }, 64), true);
    assert.equal(stepHeld({ ...s, achieved: 98, queuedAtStart: 3, queuedAtEnd: 68 }, 64), false, 'backlog grew by 65');
    assert.equal(stepHeld({ ...s, achieved: 80, queuedAtStart: 0, queuedAtEnd: 0 }, 64), false, 'answered only 80 of 100/s');
    // A backlog left by the step before does not count against this one, only its growth.
    assert.equal(stepHeld({ ...s, achieved: 100, queuedAtStart: 300, queuedAtEnd: 310 }, 64), true);
  });

  test('up by a quarter while every step held, down by a fifth while none did, then between, until within a quarter', () => {
    assert.equal(nextRate([], 200, 6), 200);
    assert.equal(nextRate([step(200, true)], 200, 6), 250);
    assert.equal(nextRate([step(200, false)], 200, 6), 160);
    assert.equal(nextRate([step(200, false), step(160, false)], 200, 6), 128);
    // A start far above what the service takes (a busy machine): straight down to what it took.
    const far: RateStep = { rate: 200, achieved: 60, queuedAtStart: 0, queuedAtEnd: 120, seconds: 4, held: false };
    assert.equal(takenRate(far), 60);
    assert.equal(nextRate([far], 200, 6), 60);
    assert.equal(takenRate({ ...far, achieved: 200, queuedAtEnd: 400 }), 100, 'answered all, but 100/s piled up');
    assert.equal(takenRate({ ...far, achieved: 5 }), 50, 'never below a quarter of the asked rate');
    // Held at 200, not at 400: the geometric mean next.
    assert.ok(Math.abs(nextRate([step(200, true), step(400, false)], 200, 6)! - Math.sqrt(200 * 400)) < 1e-9);
    // Within a quarter of each other: done.
    assert.equal(nextRate([step(200, true), step(250, false)], 200, 6), null);
    assert.equal(nextRate([step(200, true), step(250, true)], 200, 2), null, 'at most maxSteps steps');
    assert.deepEqual(bracket([step(200, true), step(250, true), step(312, false), step(280, false)]), { held: 250, failed: 280 });
    assert.deepEqual(bracket([step(200, false)]), { held: null, failed: 200 });
  });

  test('the open-loop load sends the asked rate spread over the run, each request a new delivery, whatever the answers\' speed', { timeout: 30_000 }, async () => {
    const arrivals: Array<{ at: number; body: string }> = [];
    let slow = true;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        arrivals.push({ at: performance.now(), body });
        // The first answer takes a while: an open loop keeps sending on the other connections meanwhile.
        const delay = slow ? 400 : 0;
        slow = false;
        setTimeout(() => res.end('{"ok":true}'), delay);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await openLoop({
        url: `http://127.0.0.1:${port}`,
        headers: {},
        connections: 4,
        ratePerSecond: 20,
        durationS: 1,
        maxSeconds: 20,
        request: (n) => ({ path: '/hook', body: `{"id":"r${n}"}` }),
      });
      assert.equal(r.ok, 20);
      assert.equal(r.responses, 20);
      assert.equal(new Set(arrivals.map((a) => a.body)).size, 20, 'every request a new body');
      // Spread over the second, not sent as one burst (a lower bound: a busy machine only delays).
      const span = Math.max(...arrivals.map((a) => a.at)) - Math.min(...arrivals.map((a) => a.at));
      assert.ok(span >= 500, `the requests arrived within ${span.toFixed(0)} ms`);
      // While the first answer was held back, the load kept to its rate on the other connections.
      const first = arrivals[0]!.at;
      assert.ok(arrivals.filter((a) => a.at > first && a.at < first + 400).length >= 2, 'requests sent while the first answer was pending');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
