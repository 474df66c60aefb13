// Bench-only investigation (issue 21, memory): which modules `curation start`
// (SQLite, the bench's configuration: console off) loads, their source bytes,
// and which of them run any function after start-up. The service runs with
// the module recorder (record-modules.ts) and NODE_V8_COVERAGE; a SIGUSR2
// writes the coverage so far and resets it, once after start-up, once after
// IDLE_S seconds idle, once after an ignored delivery and once after an acted
// delivery's first message reached the fake. A module none of whose
// functions ran in the last three phases is loaded only to be evaluated: a
// candidate for loading on first use.
//
//   node dist/bench/lib/module-inventory.js [OUT_DIR]   (table on stdout; the raw files in OUT_DIR)
//   INVENTORY_ENTRY=<another build's dist/src/cli/main.js> to inventory another build.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { botMessageTemplate, chatOpenedTemplate, concrete } from './bodies.js';
import { DIST, removeDir, sleep, startFake, startService, tempDir } from './procs.js';

const IDLE_S = 5;
const PHASES = ['start', 'idle', 'ignored', 'send'] as const;

interface CoverageFile {
  result: Array<{ url: string; functions: Array<{ functionName: string; ranges: Array<{ startOffset: number; count: number }> }> }>;
}

/** URL → did any function other than the module's own top level run. */
function ranInPhase(file: string): Set<string> {
  const ran = new Set<string>();
  const cov = JSON.parse(readFileSync(file, 'utf8')) as CoverageFile;
  for (const script of cov.result) {
    if (!script.url.startsWith('file:')) continue;
    const called = script.functions.some((f, i) => i > 0 && (f.ranges[0]?.count ?? 0) > 0);
    if (called) ran.add(script.url);
  }
  return ran;
}

/** node_modules/<package> or our directory under dist/. */
function groupOf(url: string, root: string): string {
  const file = fileURLToPath(url);
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return path.relative(root, path.dirname(file)) || '.';
}

interface Row {
  group: string;
  files: number;
  kb: number;
  runFiles: number;
  idleKb: number;
  /** Source of the files none of whose functions ran at all, start-up included: only evaluated. */
  unusedKb: number;
}

function table(urls: string[], ranAfterStart: Set<string>, ranAtAll: Set<string>, root: string): Row[] {
  const by = new Map<string, Row>();
  for (const url of urls) {
    const group = groupOf(url, root);
    const kb = statSync(fileURLToPath(url)).size / 1024;
    const row = by.get(group) ?? { group, files: 0, kb: 0, runFiles: 0, idleKb: 0, unusedKb: 0 };
    row.files++;
    row.kb += kb;
    if (ranAfterStart.has(url)) row.runFiles++;
    else row.idleKb += kb;
    if (!ranAtAll.has(url)) row.unusedKb += kb;
    by.set(group, row);
  }
  return [...by.values()].sort((a, b) => b.kb - a.kb);
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? tempDir('module-inventory-');
  mkdirSync(out, { recursive: true });
  const covDir = path.join(out, 'coverage');
  const modulesFile = path.join(out, 'modules.json');
  const dir = tempDir();
  const fake = await startFake();
  const entry = process.env.INVENTORY_ENTRY;
  const root = entry ? path.resolve(path.dirname(entry), '../../..') : path.dirname(DIST);
  const svc = await startService({
    fakeUrl: fake.url,
    dbFile: path.join(dir, 'curation.db'),
    // No waits: the acted delivery's first message is sent at once.
    delayScale: 0,
    nodeArgs: ['--import', path.join(DIST, 'bench/lib/record-modules.js')],
    env: { BENCH_MODULES_OUT: modulesFile, NODE_V8_COVERAGE: covDir },
    ...(entry ? { entry } : {}),
  });
  const seen = () => readdirSync(covDir).filter((f) => f.startsWith(`coverage-${svc.pid}-`)).length;
  const take = async () => {
    const before = seen();
    process.kill(svc.pid, 'SIGUSR2');
    for (let i = 0; i < 100 && seen() === before; i++) await sleep(100);
  };
  try {
    await sleep(1000);
    await take();
    await sleep(IDLE_S * 1000);
    await take();
    const ignored = await svc.post(concrete(botMessageTemplate(), 'inventoryignored0000'));
    if (ignored.status !== 200) throw new Error(`ignored delivery: ${ignored.status}`);
    await sleep(500);
    await take();
    const acted = await svc.post(concrete(chatOpenedTemplate(), 'inventoryacted000000'));
    if (acted.status !== 200) throw new Error(`acted delivery: ${acted.status}`);
    for (let i = 0; i < 300 && (await fake.messageCount()) === 0; i++) await sleep(100);
    if ((await fake.messageCount()) === 0) throw new Error('no message reached the fake');
    await take();
  } finally {
    await svc.stop();
    await fake.stop();
    removeDir(dir);
  }
  const files = readdirSync(covDir)
    .filter((f) => f.startsWith(`coverage-${svc.pid}-`))
    .sort((a, b) => Number(a.split('-')[3]) - Number(b.split('-')[3]) || a.localeCompare(b));
  const phases = files.slice(0, PHASES.length).map((f) => ranInPhase(path.join(covDir, f)));
  const ranAfterStart = new Set(phases.slice(1).flatMap((s) => [...s]));
  const urls = (JSON.parse(readFileSync(modulesFile, 'utf8')) as { modules: Array<{ url: string }> }).modules.map((m) => m.url).filter((u) => u.startsWith('file:'));
  const allRan = new Set(phases.flatMap((s) => [...s]));
  const perFile = [...new Set(urls)].map((u) => ({ file: path.relative(root, fileURLToPath(u)), kb: Math.round(statSync(fileURLToPath(u)).size / 1024), afterStart: ranAfterStart.has(u), atAll: allRan.has(u) }));
  writeFileSync(path.join(out, 'files.json'), JSON.stringify(perFile, null, 1));
  const rows = table([...new Set(urls)], ranAfterStart, allRan, root);
  const sum = (f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0);
  console.log(`${urls.length} module files, ${sum((r) => r.kb).toFixed(0)} KB of source; ${sum((r) => r.runFiles)} run a function after start-up, ${sum((r) => r.idleKb).toFixed(0)} KB never do, ${sum((r) => r.unusedKb).toFixed(0)} KB not even at start-up`);
  console.log('| package or directory | files | source KB | files run after start | KB never run after start | KB never run at all |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.group} | ${r.files} | ${r.kb.toFixed(0)} | ${r.runFiles} | ${r.idleKb.toFixed(0)} | ${r.unusedKb.toFixed(0)} |`);
}

await main();
