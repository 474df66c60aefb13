// Summarises a V8 heap snapshot (.heapsnapshot, from --heapsnapshot-signal or
// v8.writeHeapSnapshot) as self size and count by constructor: objects by
// their constructor's name, everything else by its kind ("(compiled code)",
// "(string)", "(closure)"...). Self sizes only: retained sizes need the
// dominator tree, which this does not build.
//
//   node dist/bench/lib/heap-summary.js FILE.heapsnapshot [--top 25]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

export interface HeapRow {
  key: string;
  count: number;
  bytes: number;
}

export interface HeapSummary {
  totalBytes: number;
  nodes: number;
  rows: HeapRow[];
  /** Strings of at least BIG_STRING bytes: at idle, mostly the source text of loaded modules. */
  bigStrings: { count: number; bytes: number };
}

export const BIG_STRING = 4096;

const KIND: Record<string, string> = {
  array: '(array)',
  string: '(string)',
  'concatenated string': '(string)',
  'sliced string': '(string)',
  code: '(compiled code)',
  closure: '(closure)',
  regexp: '(regexp)',
  number: '(number)',
  hidden: '(system)',
  'object shape': '(object shape)',
  symbol: '(symbol)',
  bigint: '(bigint)',
  synthetic: '(synthetic)',
};

/** The group a node is counted in: objects (and native objects) by name, the rest by kind. */
export function heapKey(type: string, name: string): string {
  if (type === 'object' || type === 'native') return name || '(anonymous object)';
  return KIND[type] ?? `(${type})`;
}

export function summarizeHeap(h: HeapSnapshot): HeapSummary {
  const fields = h.snapshot.meta.node_fields;
  const types = h.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => {
    const i = fields.indexOf(f);
    if (i < 0) throw new Error(`heap snapshot: no node field ${f}`);
    return i;
  }) as [number, number, number];
  const rows = new Map<string, HeapRow>();
  let total = 0;
  const bigStrings = { count: 0, bytes: 0 };
  for (let at = 0; at < h.nodes.length; at += width) {
    const key = heapKey(types[h.nodes[at + iType]!] ?? 'unknown', h.strings[h.nodes[at + iName]!] ?? '');
    const bytes = h.nodes[at + iSize]!;
    total += bytes;
    if (key === '(string)' && bytes >= BIG_STRING) {
      bigStrings.count++;
      bigStrings.bytes += bytes;
    }
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, count: 0, bytes: 0 }));
    r.count++;
    r.bytes += bytes;
  }
  return { totalBytes: total, nodes: h.nodes.length / width, bigStrings, rows: [...rows.values()].sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key)) };
}

export function formatHeap(s: HeapSummary, top: number): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(2);
  return [
    `heap snapshot: ${mb(s.totalBytes)} MB in ${s.nodes} objects (self sizes)`,
    `strings of ${BIG_STRING} bytes or more (at idle mostly modules' source text): ${s.bigStrings.count}, ${mb(s.bigStrings.bytes)} MB`,
    `## by constructor (top ${Math.min(top, s.rows.length)} of ${s.rows.length})`,
    '       MB       %    count  constructor',
    ...s.rows.slice(0, top).map((r) => `${mb(r.bytes).padStart(9)} ${((100 * r.bytes) / s.totalBytes).toFixed(1).padStart(6)}% ${String(r.count).padStart(8)}  ${r.key}`),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, flag, n] = process.argv.slice(2);
  if (!file || (flag !== undefined && (flag !== '--top' || !(Number(n) > 0)))) {
    process.stderr.write('usage: heap-summary FILE.heapsnapshot [--top 25]\n');
    process.exitCode = 1;
  } else {
    process.stdout.write(`${formatHeap(summarizeHeap(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot), Number(n ?? 25))}\n`);
  }
}
