// Bench-only investigation: what an idle service holds. Starts the fake and
// the service as the bench does (SERVICE_NODE_FLAGS), plus a module recorder
// (record-modules.ts) and --heapsnapshot-signal; after `IDLE_S` seconds idle
// it reads the RSS and its mappings (/proc/PID/smaps), writes a heap snapshot
// and summarises it, lists the modules loaded by package, and reads the
// SQLite pragmas of a database opened as the service opens it. The bare
// node:http server gets the same RSS reading: the floor.
//
//   node dist/bench/lib/profile-idle.js OUT_DIR     (text on stdout, snapshot and module list in OUT_DIR)
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlite } from '../../src/delivery/store/connect.js';
import { formatHeap, summarizeHeap, type HeapSnapshot } from './heap-summary.js';
import { moduleOf } from './profile-summary.js';
import { cpuSeconds, DIST, removeDir, ROOT, sleep, startBare, startFake, startService, tempDir } from './procs.js';

const IDLE_S = 5;

/** RSS by mapping: the node binary, each shared object, anonymous memory (V8 heap, malloc), the rest. */
export function smapsByMapping(text: string): Array<{ mapping: string; kb: number }> {
  const by = new Map<string, number>();
  let current = '[anon]';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1]!.trim();
      current = name === '' ? '[anon]' : name.startsWith('/') ? path.basename(name) : name;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) by.set(current, (by.get(current) ?? 0) + Number(rss[1]));
  }
  return [...by.entries()].map(([mapping, kb]) => ({ mapping, kb })).sort((a, b) => b.kb - a.kb);
}

function memoryOf(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const f = (k: string) => new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? '?';
  const maps = smapsByMapping(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  return [
    `VmRSS ${f('VmRSS')} kB = RssAnon ${f('RssAnon')} + RssFile ${f('RssFile')} + RssShmem ${f('RssShmem')}`,
    ...maps.filter((m) => m.kb >= 256).map((m) => `  ${String(m.kb).padStart(7)} kB  ${m.mapping}`),
  ].join('\n');
}

/** Sends SIGUSR2 (--heapsnapshot-signal) and waits until the snapshot file stops growing. */
async function heapSnapshot(pid: number, dir: string): Promise<string> {
  process.kill(pid, 'SIGUSR2');
  const until = Date.now() + 120_000;
  let last = -1;
  while (Date.now() < until) {
    await sleep(1000);
    const f = readdirSync(dir).find((n) => n.endsWith('.heapsnapshot'));
    if (!f) continue;
    const size = statSync(path.join(dir, f)).size;
    if (size > 0 && size === last) return path.join(dir, f);
    last = size;
  }
  throw new Error('no heap snapshot within 120 s');
}

function modulesText(file: string): string {
  const rec = JSON.parse(readFileSync(file, 'utf8')) as { modules: Array<{ url: string }>; builtins: string[] };
  const by = new Map<string, number>();
  for (const m of rec.modules) {
    const key = moduleOf({ functionName: 'f', url: m.url, lineNumber: 0 }, ROOT).module;
    by.set(key, (by.get(key) ?? 0) + 1);
  }
  const rows = [...by.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const pkgs = rows.filter(([k]) => !k.includes('/') || k.startsWith('@')).filter(([k]) => !k.startsWith('src') && !k.startsWith('bench'));
  return [
    `${rec.modules.length} files loaded through the module loader (ours and packages), ${rec.builtins.length} of Node's built-in modules`,
    `packages (${pkgs.length}): ${pkgs.map(([k, n]) => `${k} ${n}`).join(', ')}`,
    'files by folder or package:',
    ...rows.map(([k, n]) => `  ${String(n).padStart(4)}  ${k}`),
  ].join('\n');
}

function sqlitePragmas(): string {
  const dir = tempDir('curation-pragmas-');
  try {
    const db = openSqlite(path.join(dir, 'p.db'));
    const names = ['journal_mode', 'synchronous', 'page_size', 'cache_size', 'cache_spill', 'mmap_size', 'temp_store', 'wal_autocheckpoint', 'journal_size_limit'];
    const out = names.map((n) => `${n}=${JSON.stringify(db.pragma(n, { simple: true }))}`).join(', ');
    db.close();
    return out;
  } finally {
    removeDir(dir);
  }
}

async function main(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const bare = await startBare();
  await sleep(IDLE_S * 1000);
  say(`# bare node:http server, idle ${IDLE_S} s after start (the floor); CPU used so far ${cpuSeconds(bare.pid)?.toFixed(2)} s\n${memoryOf(bare.pid)}\n`);
  await bare.stop();

  const fake = await startFake();
  const dir = tempDir();
  const modulesFile = path.join(outDir, 'modules.json');
  try {
    const recorder = path.join(DIST, 'bench/lib/record-modules.js');
    const svc = await startService({
      fakeUrl: fake.url,
      dbFile: path.join(dir, 'curation.db'),
      delayScale: 1,
      env: { BENCH_MODULES_OUT: modulesFile },
      nodeArgs: [`--import=${recorder}`, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${outDir}`],
    });
    try {
      await sleep(IDLE_S * 1000);
      say(`# service, idle ${IDLE_S} s after "service started"; CPU used so far (start-up) ${cpuSeconds(svc.pid)?.toFixed(2)} s\n${memoryOf(svc.pid)}\n`);
      say(`# modules at idle\n${existsSync(modulesFile) ? modulesText(modulesFile) : 'no module list (was the recorder loaded?)'}\n`);
      const snap = await heapSnapshot(svc.pid, outDir);
      say(`# heap at idle\n${formatHeap(summarizeHeap(JSON.parse(readFileSync(snap, 'utf8')) as HeapSnapshot), 30)}\n`);
    } finally {
      await svc.stop();
    }
  } finally {
    await fake.stop();
    removeDir(dir);
  }
  say(`# SQLite pragmas of a connection opened as the service opens it (connect.ts openSqlite)\n${sqlitePragmas()}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: profile-idle OUT_DIR\n');
    process.exitCode = 1;
  } else {
    main(out).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`profile-idle: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exit(1);
      },
    );
  }
}
