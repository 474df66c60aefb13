// The heap snapshot summary (bench/lib/heap-summary.ts) on a hand-made
// snapshot: objects counted by constructor, the rest by kind, big strings apart.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHeap, summarizeHeap, type HeapSnapshot } from '../../bench/lib/heap-summary.js';

// Fields as V8 writes them; each node is 7 numbers: type, name (index into strings), id, self_size, edge_count, trace_node_id, detachedness.
const snapshot: HeapSnapshot = {
  snapshot: {
    meta: {
      node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
      node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'], 'string', 'number'],
    },
  },
  strings: ['', 'Router', 'source text', 'short', 'Object', 'handle'],
  nodes: [
    3, 1, 1, 100, 0, 0, 0, // object Router 100
    3, 1, 3, 60, 0, 0, 0, // object Router 60
    3, 4, 5, 40, 0, 0, 0, // object Object 40
    2, 2, 7, 8192, 0, 0, 0, // string 8192 (big)
    10, 3, 9, 32, 0, 0, 0, // concatenated string 32
    4, 5, 11, 500, 0, 0, 0, // code 500
    5, 5, 13, 64, 0, 0, 0, // closure 64
    0, 0, 15, 20, 0, 0, 0, // hidden 20
  ],
};

describe('heap summary', () => {
  test('objects by constructor, the rest by kind, sorted by size', () => {
    const s = summarizeHeap(snapshot);
    assert.equal(s.nodes, 8);
    assert.equal(s.totalBytes, 9008);
    assert.deepEqual(s.rows, [
      { key: '(string)', count: 2, bytes: 8224 },
      { key: '(compiled code)', count: 1, bytes: 500 },
      { key: 'Router', count: 2, bytes: 160 },
      { key: '(closure)', count: 1, bytes: 64 },
      { key: 'Object', count: 1, bytes: 40 },
      { key: '(system)', count: 1, bytes: 20 },
    ]);
    assert.deepEqual(s.bigStrings, { count: 1, bytes: 8192 });
  });

  test('the text lists the top rows with their share', () => {
    const text = formatHeap(summarizeHeap(snapshot), 2);
    assert.match(text, /^heap snapshot: 0\.01 MB in 8 objects/);
    assert.match(text, /strings of 4096 bytes or more \(at idle mostly modules' source text\): 1, 0\.01 MB/);
    assert.match(text, /^ +0\.01 +91\.3% +2 {2}\(string\)$/m);
    assert.match(text, /top 2 of 6/);
    assert.doesNotMatch(text, /Router/);
  });
});
