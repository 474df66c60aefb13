// Scale: the same measurements over a store holding a small and a large
// history of finished runs (default 10k and 1M), seeded in bulk. Intake
// latency through the real service, and the job runner's per-pass queries
// with their query plans. The ratio large / small shows how cost grows with
// stored data; the partial indexes should keep the queue queries flat.
import path from 'node:path';
import { chatOpenedTemplate } from '../lib/bodies.js';
import { dietMainPlan } from '../lib/flow.js';
import { timeDispatcherQueries, type QueryTimes } from '../lib/queries.js';
import { seedFinished, type SeedResult } from '../lib/seed.js';
import { removeDir, startFake, tempDir } from '../lib/procs.js';
import { figure, type StageResult } from '../lib/report.js';
import { loadSubjects } from './calc.js';
import { latencyNote, loadService, type ServiceLoad } from './intake.js';

const S = 'scale';

const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1000 ? `${n / 1000}k` : String(n));

export async function scaleStage(o: { sizes: [number, number]; seconds: number; warmupS: number; connections: number; progress: (l: string) => void }): Promise<StageResult> {
  const sample = { event: (await loadSubjects()).opened, plan: await dietMainPlan() };
  const template = chatOpenedTemplate();
  const fake = await startFake();
  const at: Array<{ runs: number; seed: SeedResult; queries: QueryTimes; intake: ServiceLoad }> = [];
  try {
    for (const [k, runs] of o.sizes.entries()) {
      const dir = tempDir();
      try {
        const file = path.join(dir, 'curation.db');
        o.progress(`scale: seeding ${label(runs)} finished runs (events, runs, 2 sent messages with attempts, chats)`);
        const seed = await seedFinished(file, runs, sample, (done) => o.progress(`scale: … ${label(done)} runs seeded`));
        o.progress(`scale: ${label(runs)} seeded in ${seed.seconds.toFixed(1)} s (${seed.fileMb.toFixed(0)} MB); timing the job runner's queries`);
        const queries = await timeDispatcherQueries(file);
        o.progress(`scale: intake over ${label(runs)} runs, ${o.connections} connections, ${o.warmupS}+${o.seconds} s`);
        // RETENTION_DAYS keeps the first pruning (60 s after start) from deleting the seeded history mid-run.
        const intake = await loadService(fake, file, template, 'acted', {
          seconds: o.seconds,
          warmupS: o.warmupS,
          connections: o.connections,
          delayScale: 100,
          idPrefix: `s${k}`,
          env: { RETENTION_DAYS: '3650' },
        });
        at.push({ runs, seed, queries, intake });
      } finally {
        removeDir(dir);
      }
    }
  } finally {
    await fake.stop();
  }
  const [small, large] = at as [(typeof at)[number], (typeof at)[number]];
  const base = `${label(small.runs)} finished runs`;
  const big = label(large.runs);
  const dueIndexPlan = large.queries.plans.find((p) => p.what.startsWith('claimSends') && p.usesDueIndex);
  const result: StageResult = {
    stage: S,
    seconds: 0,
    figures: [
      figure(S, `intake webhooks/s, ${big} finished runs stored`, large.intake.load.rps, '/s', small.intake.load.rps, base, { ratioLabel: `${big} / ${label(small.runs)}`, note: latencyNote(large.intake.load, large.intake.warmup) }),
      figure(S, `intake p50 latency, ${big} runs`, large.intake.load.latencyMs.p50, 'ms', small.intake.load.latencyMs.p50, base, { ratioLabel: `${big} / ${label(small.runs)}` }),
      figure(S, `intake p99 latency, ${big} runs`, large.intake.load.latencyMs.p99, 'ms', small.intake.load.latencyMs.p99, base, { ratioLabel: `${big} / ${label(small.runs)}` }),
      ...(large.intake.cpuMsPerRequest !== null && small.intake.cpuMsPerRequest !== null
        ? [figure(S, `intake server CPU per webhook, ${big} runs`, large.intake.cpuMsPerRequest, 'ms', small.intake.cpuMsPerRequest, base, { ratioLabel: `${big} / ${label(small.runs)}` })]
        : []),
      figure(S, `idle job runner pass (reclaim, claimJobs, nextJobAt), ${big} runs`, large.queries.idleTickUs, 'µs', small.queries.idleTickUs, base, {
        ratioLabel: `${big} / ${label(small.runs)}`,
        note: `per call at ${big}: ${Object.entries(large.queries.perCallUs).map(([k, v]) => `${k} ${v < 1000 ? `${v.toFixed(0)} µs` : `${(v / 1000).toFixed(1)} ms`}`).join(', ')}`,
      }),
      figure(S, `queueDepth() for /healthz and /metrics, ${big} runs`, large.queries.queueDepthUs, 'µs', small.queries.queueDepthUs, base, { ratioLabel: `${big} / ${label(small.runs)}` }),
      figure(S, `claim selection (jobs_due), ${big} runs`, large.queries.claimSelectUs, 'µs', small.queries.claimSelectUs, base, {
        ratioLabel: `${big} / ${label(small.runs)}`,
        note: dueIndexPlan ? `plan: ${dueIndexPlan.plan.join(' / ')}` : undefined,
      }),
      figure(S, `claim of 16 sends incl. in-flight mark and commit (fsync), ${big} runs`, large.queries.claimSendsMs, 'ms', small.queries.claimSendsMs, base, { ratioLabel: `${big} / ${label(small.runs)}` }),
    ],
    details: Object.fromEntries(
      at.map((a) => [
        label(a.runs),
        {
          runs: a.runs,
          seed: a.seed,
          queries: a.queries,
          intake: { ...a.intake.load, cpuMsPerRequest: a.intake.cpuMsPerRequest, warmup: a.intake.warmup, db: a.intake.counts, errorLines: a.intake.errorLines, peakRssMb: a.intake.peakMb },
        },
      ]),
    ),
  };
  // The plans of every per-pass query on the large store, as EXPLAIN QUERY PLAN gives them.
  result.extra = large.queries.plans.map((p) => `EXPLAIN ${p.what} at ${big}: ${p.plan.join(' / ')}${p.fullScan ? '   <-- reads a whole table or full index' : ''}`);
  const problems: string[] = [];
  for (const a of at) {
    for (const p of a.queries.plans) if (p.fullScan) problems.push(`${label(a.runs)}: ${p.what} reads a whole table or full index (${p.plan.join(' / ')}): ${p.sql}`);
    // The claim of sends, and nextWakeAt's MIN(run_at), must go through the jobs queue's partial index.
    const claim = a.queries.plans.filter((p) => p.what.startsWith('claimSends') && /^update "?jobs"?/i.test(p.sql));
    const minDue = a.queries.plans.filter((p) => p.what.startsWith('nextJobAt'));
    if (claim.length === 0 || minDue.length === 0 || ![...claim, ...minDue].every((p) => p.usesDueIndex)) {
      problems.push(`${label(a.runs)}: a due-job query does not use jobs_due`);
    }
  }
  if (problems.length > 0) result.error = problems.join('; ');
  return result;
}
