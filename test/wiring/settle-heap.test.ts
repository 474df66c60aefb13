// The start-up collection (wiring/settle-heap.ts): it gives a heap's garbage
// back at once and leaves no `gc` function where the service's code could
// reach it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { collectStartupGarbage } from '../../src/wiring/settle-heap.js';

const MB = 1024 * 1024;

/** About `mb` MB of small objects that survive a few scavenges (promoted to the old generation), as start-up's are. */
function oldGarbage(mb: number): unknown[] {
  const kept: unknown[] = [];
  for (let i = 0; i < (mb * MB) / 64; i++) kept.push({ i, s: `start-up ${i}` });
  return kept;
}

test('collectStartupGarbage gives 40 MB of dropped objects back to the system at once, without exposing gc', () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test runs without --expose-gc');
  let garbage: unknown[] | null = oldGarbage(40);
  const heap = v8.getHeapStatistics().total_heap_size;
  const rss = process.memoryUsage.rss();
  assert.ok(garbage.length > 0);
  garbage = null;
  collectStartupGarbage();
  const heapFreed = (heap - v8.getHeapStatistics().total_heap_size) / MB;
  const rssFreed = (rss - process.memoryUsage.rss()) / MB;
  assert.ok(heapFreed > 20, `the heap shrank by ${heapFreed.toFixed(1)} MB (from ${(heap / MB).toFixed(1)} MB), expected more than 20`);
  // An ordinary full collection shrinks the heap too, but keeps the freed pages for about 10 s.
  assert.ok(rssFreed > 20, `RSS fell by ${rssFreed.toFixed(1)} MB (from ${(rss / MB).toFixed(1)} MB), expected more than 20`);
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'gc is not left on the global object');
});
