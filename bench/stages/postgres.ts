// PostgreSQL mode: the same acted intake load as the intake stage, through a
// service on PostgreSQL (BENCH_POSTGRES_URL, an admin URL; a fresh database is
// created and dropped), against the same service on the embedded SQLite in
// the same run. Opt-in: without the URL the stage says how to run it.
import path from 'node:path';
import { chatOpenedTemplate } from '../lib/bodies.js';
import { drained, pgCounts } from '../lib/db.js';
import { dropPostgres, freshPostgres } from '../../test/support/databases.js';
import { cpuSeconds, removeDir, startFake, startService, tempDir, WEBHOOK_TOKEN, type FakeProc } from '../lib/procs.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { figure, type StageResult } from '../lib/report.js';
import { ISSUE21 } from '../lib/targets.js';
import { actedCountProblem, latencyNote, loadService, type ServiceLoad } from './intake.js';

const S = 'postgres';

export async function postgresStage(o: { adminUrl: string | null; seconds: number; warmupS: number; connections: number; progress: (l: string) => void }): Promise<StageResult> {
  if (!o.adminUrl) {
    return { stage: S, seconds: 0, figures: [], details: {}, extra: ['skipped: set BENCH_POSTGRES_URL=postgres://user@host:port/postgres (a role that may create databases) to measure PostgreSQL mode'] };
  }
  const template = chatOpenedTemplate();
  const fake = await startFake();
  const dir = tempDir();
  const adminUrl = o.adminUrl;
  const db = { url: await freshPostgres(adminUrl) };
  const shared = { url: await freshPostgres(adminUrl) };
  const run = (what: string, env: Record<string, string>, counts: (() => Promise<ServiceLoad['counts']>) | undefined, idPrefix: string) => {
    o.progress(`postgres: acted intake on ${what}, ${o.connections} connections, ${o.warmupS}+${o.seconds} s`);
    return loadService(fake, path.join(dir, `${idPrefix}.db`), template, 'acted', {
      seconds: o.seconds,
      warmupS: o.warmupS,
      connections: o.connections,
      delayScale: 100,
      idPrefix,
      env,
      ...(counts ? { counts } : {}),
    });
  };
  try {
    const lite = await run('SQLite', {}, undefined, 'q');
    const pgLoad = await run('PostgreSQL', { DATABASE_URL: db.url }, () => pgCounts(db.url), 'p');
    const base = 'same load on SQLite';
    o.progress(`postgres: acted intake on 3 instances sharing one database, ${o.connections} connections in all, ${o.warmupS}+${o.seconds} s`);
    const three = await threeInstances(fake, shared.url, template, o);
    const ratio = { ratioLabel: 'PostgreSQL / SQLite' };
    const oneAllIn = allInOfOne(pgLoad);
    const result: StageResult = {
      stage: S,
      seconds: 0,
      figures: [
        figure(S, 'intake webhooks/s, acted, on PostgreSQL', pgLoad.load.rps, '/s', lite.load.rps, base, { ...ratio, note: latencyNote(pgLoad.load) }),
        figure(S, 'intake p50 latency on PostgreSQL', pgLoad.load.latencyMs.p50, 'ms', lite.load.latencyMs.p50, base, ratio),
        figure(S, 'intake p99 latency on PostgreSQL', pgLoad.load.latencyMs.p99, 'ms', lite.load.latencyMs.p99, base, ratio),
        figure(S, 'intake webhooks/s, acted, 3 instances on one PostgreSQL, aggregate (answers only)', three.rps, '/s', pgLoad.load.rps, 'one instance on PostgreSQL, same load', {
          ratioLabel: '3 instances / 1',
          note: `${three.ok} answers, ${three.non2xx} non-2xx; per instance ${three.perInstance.map((r) => r.toFixed(0)).join(', ')} /s; p99 ${three.p99.toFixed(1)} ms (the worst instance's); ${three.runs} runs for ${three.events} events after the backlog was planned. Answers only: not comparable alone, see the all-in figure`,
        }),
        ...(oneAllIn !== null && three.allIn !== null
          ? [
              figure(S, 'acted webhooks/s all in (answered and planned), 3 instances on one PostgreSQL, aggregate', three.allIn.runsPerSecond, '/s', oneAllIn.runsPerSecond, 'one instance on PostgreSQL, same load, all in', {
                ratioLabel: '3 instances / 1',
                target: ISSUE21.pgThreeVsOne,
                floor: { value: oneAllIn.runsPerSecond, unit: '/s', label: 'one instance on PostgreSQL, same run, all in' },
                note: `runs started from the measured load's start until no event waited, over that time. 3 instances: ${allInNote(three.allIn)}; one instance: ${allInNote(oneAllIn)}`,
              }),
              ...(three.allIn.cpuMsPerRun !== null && oneAllIn.cpuMsPerRun !== null
                ? [
                    figure(S, 'service CPU per run all in, 3 instances on one PostgreSQL, summed over the 3', three.allIn.cpuMsPerRun, 'ms', oneAllIn.cpuMsPerRun, 'one instance on PostgreSQL, all in', {
                      ratioLabel: '3 instances / 1',
                      note: "the services' CPU from the measured load's start until no event waited, per run started meanwhile; the database server's own CPU is not in it",
                    }),
                  ]
                : []),
            ]
          : []),
        figure(S, 'intake webhooks/s, acted, 3 instances on one PostgreSQL against one SQLite', three.rps, '/s', lite.load.rps, 'one SQLite instance, same load', { ratioLabel: '3 × PostgreSQL / SQLite' }),
        ...(pgLoad.cpuMsPerRequest !== null && lite.cpuMsPerRequest !== null
          ? [
              figure(S, 'service CPU per webhook on PostgreSQL', pgLoad.cpuMsPerRequest, 'ms', lite.cpuMsPerRequest, base, {
                ...ratio,
                target: ISSUE21.pgCpu,
                floor: { value: lite.cpuMsPerRequest, unit: 'ms', label: 'the same service on SQLite, same run' },
                note: "the service process only: the database server's own CPU is not in it",
              }),
            ]
          : []),
        ...(three.cpuMsPerRequest !== null && pgLoad.cpuMsPerRequest !== null
          ? [
              figure(S, 'service CPU per webhook, 3 instances on one PostgreSQL, summed over the 3', three.cpuMsPerRequest, 'ms', pgLoad.cpuMsPerRequest, 'one instance on PostgreSQL', {
                ratioLabel: '3 instances / 1',
                note: "the 3 service processes' CPU over the measured loads / all their answers; the database server's own CPU is not in it",
              }),
            ]
          : []),
      ],
      details: {
        sqlite: { ...lite.load, cpuMsPerRequest: lite.cpuMsPerRequest, db: lite.counts },
        postgres: { ...pgLoad.load, cpuMsPerRequest: pgLoad.cpuMsPerRequest, db: pgLoad.counts },
        threeInstances: three,
        oneInstanceAllIn: oneAllIn,
      },
    };
    const problems: string[] = [];
    for (const [name, r] of [['SQLite', lite], ['PostgreSQL', pgLoad]] as const) {
      const counted = actedCountProblem(name, r, o.connections);
      if (counted) problems.push(counted);
      if (r.errorLines > 0) problems.push(`${name}: the service logged ${r.errorLines} errors`);
    }
    if (three.problem) problems.push(three.problem);
    if (problems.length > 0) result.error = problems.join('; ');
    return result;
  } finally {
    await fake.stop();
    removeDir(dir);
    await dropPostgres(adminUrl, db.url);
    await dropPostgres(adminUrl, shared.url);
  }
}

interface ThreeInstances {
  rps: number;
  perInstance: number[];
  ok: number;
  non2xx: number;
  p99: number;
  events: number;
  runs: number;
  errorLines: number;
  /** The 3 processes' CPU over the measured loads, summed, per answer (ms); null without /proc. */
  cpuMsPerRequest: number | null;
  /** From the measured loads' start until no event waited: see AllIn. */
  allIn: AllIn | null;
  problem: string | null;
}

/**
 * An acted load all in: the runs started from the measured load's start
 * until no event waited for its planning, per second of that time, and the
 * services' CPU per such run. Answers per second alone reward leaving the
 * planning for later: one instance (8 planning jobs at a time) answers faster
 * than it plans and ends its load with a backlog of about half its answers,
 * while 3 instances (24 at a time) plan as they answer.
 */
interface AllIn {
  runsPerSecond: number;
  runs: number;
  seconds: number;
  /** Events still waiting for their planning when the load ended, and the seconds until none waited. */
  backlog: number;
  drainSeconds: number;
  cpuMsPerRun: number | null;
}

function allInNote(a: AllIn): string {
  return `${a.runs} runs in ${a.seconds.toFixed(1)} s (${a.backlog} events waited at the load's end, planned in ${a.drainSeconds.toFixed(1)} s)`;
}

/** The one-instance load all in (loadService counted the runs and the CPU from the measured start until drained). */
function allInOfOne(r: ServiceLoad): AllIn | null {
  if (r.allIn === null) return null;
  const drainSeconds = r.drainSeconds ?? 0;
  const seconds = r.load.elapsedS + drainSeconds;
  return { runsPerSecond: r.allIn.runs / seconds, runs: r.allIn.runs, seconds, backlog: r.backlog, drainSeconds, cpuMsPerRun: r.allIn.cpuMsPerRun };
}

/**
 * Three services on one PostgreSQL database (several instances share the
 * work), each under a third of the connections at the same time; the
 * aggregate rate is the sum. Afterwards every event must have started its
 * run exactly once, whichever instance planned it.
 */
async function threeInstances(fake: FakeProc, url: string, template: string, o: { seconds: number; warmupS: number; connections: number }): Promise<ThreeInstances> {
  const dirs = [0, 1, 2].map(() => tempDir());
  const services = await Promise.all(dirs.map((d, i) => startService({ fakeUrl: fake.url, dbFile: path.join(d, 'unused.db'), delayScale: 100, env: { DATABASE_URL: url, INSTANCE_ID: `bench-${i}` } })));
  try {
    const per = Math.max(1, Math.round(o.connections / 3));
    const spec = (svcUrl: string, i: number, seconds: number, prefix: string) => ({
      url: svcUrl,
      headers: {},
      connections: per,
      durationS: seconds,
      warmupS: 0,
      maxSeconds: seconds + 5,
      variants: [{ path: `/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, body: template }],
      idPrefix: `${prefix}${i}`,
    });
    // Each process warms up (its JIT compiles the hot code) on a third of
    // the requests: three times as long gives each about as many warm-up
    // requests as the one instance had.
    if (o.warmupS > 0) await Promise.all(services.map((s, i) => runLoad(spec(s.url, i, 3 * o.warmupS, 'tw'))));
    const cpu = () => summedCpuSeconds(services.map((s) => s.pid));
    const counts = () => pgCounts(url);
    const runs0 = (await counts()).runs;
    const cpu0 = cpu();
    const loads: LoadResult[] = (await Promise.all(services.map((s, i) => runLoad(spec(s.url, i, o.seconds, 't'))))).map((r) => r.result);
    const cpu1 = cpu();
    const backlog = (await counts()).eventsByStatus.queued ?? 0;
    const drainSeconds = backlog > 0 ? await drained(counts, 300) : 0;
    const cpu2 = cpu();
    const c = await counts();
    const allInSeconds = Math.max(...loads.map((l) => l.elapsedS)) + drainSeconds;
    const allInRuns = c.runs - runs0;
    const errorLines = services.reduce((n, s) => n + s.errorLines(), 0);
    const ok = loads.reduce((n, l) => n + l.ok, 0);
    const problem =
      c.runs !== c.events || (c.eventsByStatus.acted ?? 0) !== c.events
        ? `3 instances: ${c.runs} runs for ${c.events} events (${JSON.stringify(c.eventsByStatus)}), expected one run per event, every event acted`
        : errorLines > 0
          ? `3 instances: the services logged ${errorLines} errors`
          : null;
    return {
      rps: loads.reduce((n, l) => n + l.rps, 0),
      perInstance: loads.map((l) => l.rps),
      ok,
      non2xx: loads.reduce((n, l) => n + l.non2xx, 0),
      p99: Math.max(...loads.map((l) => l.latencyMs.p99)),
      events: c.events,
      runs: c.runs,
      errorLines,
      cpuMsPerRequest: cpuPerAnswer(cpu0, cpu1, loads.reduce((n, l) => n + l.responses, 0)),
      allIn: allInRuns > 0 ? { runsPerSecond: allInRuns / allInSeconds, runs: allInRuns, seconds: allInSeconds, backlog, drainSeconds, cpuMsPerRun: cpuPerAnswer(cpu0, cpu2, allInRuns) } : null,
      problem,
    };
  } finally {
    await Promise.all(services.map((s) => s.stop()));
    for (const d of dirs) removeDir(d);
  }
}

/** CPU seconds between two reads, per answer (or run), in ms; null when a read failed or nothing was answered. */
function cpuPerAnswer(cpu0: number | null, cpu1: number | null, answers: number): number | null {
  return cpu0 === null || cpu1 === null || answers === 0 ? null : ((cpu1 - cpu0) * 1000) / answers;
}

/** The processes' CPU seconds so far, summed; null when one cannot be read. */
function summedCpuSeconds(pids: number[]): number | null {
  let sum = 0;
  for (const pid of pids) {
    const c = cpuSeconds(pid);
    if (c === null) return null;
    sum += c;
  }
  return sum;
}
