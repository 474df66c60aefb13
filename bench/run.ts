// `npm run bench`: the benchmark suite. Every figure is measured against a
// baseline in the same run, on the same machine. Progress goes to stderr (one
// line per stage step); the table goes to stdout at the end, and everything to
// bench/results.json. See BENCHMARKS.md.
import { cpus, availableParallelism, loadavg, totalmem, platform, release, arch } from 'node:os';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchOptions, type BenchOptions, type StageName } from './lib/options.js';
import { killAll, ROOT } from './lib/procs.js';
import { notes, table, targetTable, type StageResult } from './lib/report.js';
import { ISSUE21_TARGETS } from './lib/targets.js';
import { calcStage } from './stages/calc.js';
import { intakeStage } from './stages/intake.js';
import { e2eStage } from './stages/e2e.js';
import { rateLimitStage } from './stages/ratelimit.js';
import { pacingStage } from './stages/pacing.js';
import { scaleStage } from './stages/scale.js';
import { postgresStage } from './stages/postgres.js';

const started = performance.now();
const progress = (line: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

async function runStage(name: StageName, o: BenchOptions): Promise<StageResult[]> {
  switch (name) {
    case 'calc':
      return [await calcStage({ seconds: o.calcSeconds })];
    case 'intake': {
      const r = await intakeStage({
        seconds: o.intakeSeconds,
        warmupS: o.intakeWarmupS,
        connections: o.connections,
        delayScale: 100,
        sustainedStepS: o.sustainedStepS,
        sustainedSteps: o.sustainedSteps,
        progress,
      });
      return [r.intake, r.memory];
    }
    case 'e2e':
      return [await e2eStage({ webhooks: o.e2eWebhooks, connections: o.connections, progress })];
    case 'ratelimit':
      return [await rateLimitStage({ perSecond: o.rateLimitPerSecond, chats: o.rateLimitChats, progress })];
    case 'pacing':
      return [await pacingStage({ chats: o.pacingChats, delayScale: o.pacingScale, progress })];
    case 'scale':
      return [await scaleStage({ sizes: o.scaleSizes, seconds: o.scaleSeconds, warmupS: o.intakeWarmupS, connections: o.connections, progress })];
    case 'postgres':
      return [await postgresStage({ adminUrl: o.postgresUrl, seconds: o.scaleSeconds, warmupS: o.intakeWarmupS, connections: o.connections, progress })];
  }
}

function machine() {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cores: c.length,
    availableParallelism: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    /** 1-minute load average when the suite started: well above 0 means something else was running. */
    loadAverageAtStart: Number(loadavg()[0]!.toFixed(2)),
  };
}

/** The commit measured, and whether the working tree differed from it. */
function source(): { commit: string; dirty: boolean } | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'curations') !== '' };
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  const o = benchOptions();
  const m = machine();
  progress(`${o.quick ? 'QUICK smoke run' : 'full run'}: stages ${o.stages.join(', ')} on ${m.cpuModel} (${m.cores} cores), node ${m.node}, load average ${m.loadAverageAtStart}`);
  const results: StageResult[] = [];
  for (const [i, name] of o.stages.entries()) {
    progress(`stage ${i + 1}/${o.stages.length}: ${name}`);
    const t0 = performance.now();
    try {
      const rs = await runStage(name, o);
      const secs = (performance.now() - t0) / 1000;
      for (const r of rs) r.seconds = secs;
      results.push(...rs);
      progress(`stage ${name} done in ${secs.toFixed(1)} s${rs.some((r) => r.error) ? ` WITH PROBLEMS: ${rs.map((r) => r.error).filter(Boolean).join('; ')}` : ''}`);
    } catch (err) {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      progress(`stage ${name} FAILED: ${msg}`);
      results.push({ stage: name, seconds: (performance.now() - t0) / 1000, figures: [], details: {}, error: msg });
      killAll();
    }
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const text = `${table(results)}\n\nIssue 21 targets (floor: the least the figure could be, measured in this run):\n\n${targetTable(results, ISSUE21_TARGETS)}`;
  const src = source();
  const at = src ? `; commit ${src.commit}${src.dirty ? ' with local changes in src/' : ''}` : '';
  process.stdout.write(`\n${text}\n\nNotes:\n${notes(results)}\n\n(total ${totalSeconds.toFixed(0)} s on ${m.cpuModel}, ${m.cores} cores, node ${m.node}${at}${o.quick ? '; BENCH_QUICK=1: smoke run, numbers not comparable' : ''})\n`);

  const out = o.out ?? path.join(ROOT, 'bench/results.json');
  const doc = { date: new Date().toISOString(), quick: o.quick, totalSeconds, source: src, machine: { ...m, loadAverageAtEnd: Number(loadavg()[0]!.toFixed(2)) }, options: o, table: text, stages: results };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  progress(`wrote ${path.relative(process.cwd(), out) || out}`);
  return results.some((r) => r.error) ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}
process.on('exit', killAll);

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exitCode = 1;
  },
);
