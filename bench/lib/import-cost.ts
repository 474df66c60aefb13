// Bench-only investigation (issue 21, memory): what importing each package
// `curation start` loads costs on its own. Each measurement is a fresh Node
// process with the service's flags and environment (SERVICE_NODE_FLAGS,
// SERVICE_ENV) that runs the service's start-up collection (settle-heap.ts),
// reads RSS and V8's used heap, imports the one package, collects again and
// reads again: the deltas are the package's module code, its compiled
// top-level code and what it builds when evaluated. Rows: every start package
// alone, zod/mini (zod's smaller API, for comparison), all start packages
// together, and "nothing" (an import of nothing: the noise of the method).
// A package alone also pays what the first import of anything costs (Node's
// module loaders, the compiler's first pages), which packages share, so the
// alone figures add up to far more than "all"; the "marginal" column is what
// leaving one package out of all of them saves: all minus all-but-this-one.
// Rounds alternate the order; the table gives the median of the rounds.
//
//   node dist/bench/lib/import-cost.js [ROUNDS=5]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { collectStartupGarbage } from '../../src/wiring/settle-heap.js';
import { importPackage, START_PACKAGES, type StartPackage } from './start-packages.js';

type Row = StartPackage | 'zod/mini' | 'all' | 'nothing' | `all but ${StartPackage}`;

interface Sample {
  rssKb: number;
  heapKb: number;
}

function reading(): Sample {
  collectStartupGarbage();
  const m = process.memoryUsage();
  return { rssKb: m.rss / 1024, heapKb: m.heapUsed / 1024 };
}

async function child(row: Row): Promise<void> {
  const before = reading();
  if (row === 'all' || row.startsWith('all but ')) {
    for (const name of START_PACKAGES) if (row !== `all but ${name}`) await importPackage(name);
  } else if (row !== 'nothing') await importPackage(row as StartPackage | 'zod/mini');
  const after = reading();
  process.stdout.write(JSON.stringify({ rssKb: after.rssKb - before.rssKb, heapKb: after.heapKb - before.heapKb, rssAfterKb: after.rssKb }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function parent(rounds: number): void {
  const rows: Row[] = ['nothing', ...START_PACKAGES, 'zod/mini', 'all', ...START_PACKAGES.map((p) => `all but ${p}` as const)];
  const samples = new Map<Row, Array<Sample & { rssAfterKb: number }>>();
  const script = fileURLToPath(import.meta.url);
  for (let round = 0; round < rounds; round++) {
    for (const row of round % 2 === 0 ? rows : [...rows].reverse()) {
      const out = execFileSync(process.execPath, [...SERVICE_NODE_FLAGS, script, '--child', row], { env: { ...process.env, ...SERVICE_ENV }, encoding: 'utf8' });
      const list = samples.get(row) ?? [];
      list.push(JSON.parse(out) as Sample & { rssAfterKb: number });
      samples.set(row, list);
    }
  }
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const med = (row: Row, key: 'rssKb' | 'heapKb') => median((samples.get(row) ?? []).map((x) => x[key]));
  console.log(`| import | RSS delta MB (median of ${rounds}) | RSS delta range | V8 heap used delta MB | process RSS after MB | marginal RSS MB (all − all but it) | marginal heap MB |`);
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    if (row.startsWith('all but ')) continue;
    const s = samples.get(row) ?? [];
    const rss = s.map((x) => x.rssKb);
    const pkg = (START_PACKAGES as readonly string[]).includes(row) ? (row as StartPackage) : null;
    const marginal = pkg === null ? ['', ''] : [mb(med('all', 'rssKb') - med(`all but ${pkg}`, 'rssKb')), mb(med('all', 'heapKb') - med(`all but ${pkg}`, 'heapKb'))];
    console.log(
      `| ${row} | ${mb(median(rss))} | ${mb(Math.min(...rss))} – ${mb(Math.max(...rss))} | ${mb(med(row, 'heapKb'))} | ${mb(median(s.map((x) => x.rssAfterKb)))} | ${marginal.join(' | ')} |`,
    );
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as Row);
else parent(Number(process.argv[2] ?? 5));
