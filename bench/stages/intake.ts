// Intake: webhooks per second and latency at a fixed concurrency, through the
// real service (token check, normalize, plan, one group-committed SQLite
// transaction with synchronous=FULL, or for a batch of ignored deliveries
// without the fsync, then 200), against a bare node:http server that only
// reads the body and answers 200, and for the ignored rows also a bare
// Fastify route that parses the JSON (the floors node:http → Fastify → the
// service). Also the peak memory of both (the memory figures), whose floor is
// bare Fastify with the service's dependencies loaded (bare-server.ts `deps`).
import path from 'node:path';
import { botMessageTemplate, chatOpenedTemplate, concrete } from '../lib/bodies.js';
import { dbCounts, drained, type DbCounts } from '../lib/db.js';
import { runLoad, type LoadResult, type LoadSpec } from '../lib/load.js';
import { cpuSeconds, PeakRss, removeDir, rssKb, startBare, startFake, startService, tempDir, WEBHOOK_TOKEN, type FakeProc } from '../lib/procs.js';
import { figure, fmt, type Figure, type StageResult, type Target } from '../lib/report.js';
import { sig } from '../lib/stats.js';
import type { ServiceLoad } from '../lib/service-load.js';
import { measureSustained } from '../lib/sustained.js';
import { ISSUE21 } from '../lib/targets.js';
import { allInFigures, planMicroseconds, startRate } from './intake-all-in.js';

export interface IntakeOptions {
  seconds: number;
  warmupS: number;
  connections: number;
  /** Pacing during the measurement: 100 (the maximum) keeps every first message 100 s away, so nothing is sent while it runs. */
  delayScale: number;
  /** Length of each fixed-rate step of the acted sustained-rate search, s, and the most steps. */
  sustainedStepS: number;
  sustainedSteps: number;
  progress: (line: string) => void;
}

export type { ServiceLoad } from '../lib/service-load.js';

/** Starts a service over `dbFile` (fresh or seeded), checks one delivery is handled as expected, loads it, stops it. */
export async function loadService(
  fake: FakeProc,
  dbFile: string,
  template: string,
  expect: 'acted' | 'ignored',
  o: {
    seconds: number;
    warmupS: number;
    connections: number;
    delayScale: number;
    idPrefix: string;
    env?: Record<string, string>;
    /** How to count the rows afterwards when the store is not the SQLite file `dbFile` (PostgreSQL). */
    counts?: () => Promise<DbCounts>;
  },
): Promise<ServiceLoad> {
  const svc = await startService({ fakeUrl: fake.url, dbFile, delayScale: o.delayScale, ...(o.env ? { env: o.env } : {}) });
  try {
    const sanity = await svc.post(concrete(template, `${o.idPrefix}sanity`.padEnd(20, '0')));
    const runs = Array.isArray(sanity.json.runs) ? sanity.json.runs.length : -1;
    // An acted delivery is answered `acted` (its run started in the webhook's commit), or `queued` when its
    // chat had an earlier event waiting as a planEvent job (the job way).
    if (sanity.status !== 200 || (expect === 'acted' ? (sanity.json.status !== 'acted' && sanity.json.status !== 'queued') || runs !== 1 : runs !== 0)) {
      throw new Error(`the sample delivery was not handled as ${expect}: ${sanity.status} ${JSON.stringify(sanity.json)}`);
    }
    const idleMb = (rssKb(svc.pid) ?? 0) / 1024;
    const peak = new PeakRss(svc.pid);
    const count = () => (o.counts ? o.counts() : Promise.resolve(dbCounts(dbFile)));
    let runsAtStart = 0;
    const markStart = async () => {
      runsAtStart = (await count()).runs;
    };
    const { result, warmup, cpuMsPerRequest, cpuAtStart } = await measuredLoad(svc.pid, spec(svc.url, template, o), expect === 'acted' ? markStart : undefined);
    // Any event answered before its planning (the job way): wait for the planEvent jobs the load left (their time is reported, not hidden).
    const backlog = (await count()).eventsByStatus.queued ?? 0;
    const drainSeconds = backlog > 0 ? await drained(count, 300) : null;
    const allIn = expect === 'acted' ? allInCost(cpuAtStart, cpuSeconds(svc.pid), runsAtStart, (await count()).runs) : null;
    const mem = peak.stop();
    const errorLines = svc.errorLines();
    await svc.stop();
    const counts = await count();
    return { load: result, warmup, cpuMsPerRequest, peakMb: mem.peakMb, idleMb, memMethod: mem.method, sanity: sanity.json, counts, errorLines, drainSeconds, backlog, allIn };
  } finally {
    await svc.stop();
  }
}

/** CPU per run started between two marks (ms), or null without /proc or without a run. */
export function allInCost(cpu0: number | null, cpu1: number | null, runs0: number, runs1: number): ServiceLoad['allIn'] {
  if (cpu0 === null || cpu1 === null || runs1 <= runs0) return null;
  return { cpuMsPerRun: ((cpu1 - cpu0) * 1000) / (runs1 - runs0), runs: runs1 - runs0, cpuSeconds: cpu1 - cpu0 };
}

/**
 * After an acted load: every answered delivery started its run, and every
 * event acted. Requests still in flight when a load stopped (at most one per
 * connection, twice: warm-up and measurement) were stored without being
 * counted. Returns the problem, or null.
 */
export function actedCountProblem(label: string, r: ServiceLoad, connections: number): string | null {
  const expected = 1 + r.load.ok + (r.warmup?.ok ?? 0);
  const inFlight = 2 * connections;
  if (r.counts.runs >= expected && r.counts.runs <= expected + inFlight && r.counts.eventsByStatus.acted === r.counts.events) return null;
  return `${label}: ${r.counts.runs} runs for ${r.counts.events} events (${JSON.stringify(r.counts.eventsByStatus)}), expected ${expected} to ${expected + inFlight}, every event acted`;
}

/**
 * Warm-up, then the measured load, with the server's CPU time over the
 * measured part (per request, ms) and the CPU time it had used when the
 * measured part began. `beforeMeasured` runs between the two (e.g. to count
 * the rows stored so far).
 */
export async function measuredLoad(
  pid: number,
  s: LoadSpec,
  beforeMeasured?: () => Promise<void>,
): Promise<{ result: LoadResult; warmup: LoadResult | null; cpuMsPerRequest: number | null; cpuAtStart: number | null }> {
  const warmup = s.warmupS ? (await runLoad({ ...s, durationS: s.warmupS, warmupS: 0, maxSeconds: s.warmupS + 5, idPrefix: `${s.idPrefix}w` })).result : null;
  await beforeMeasured?.();
  const cpu0 = cpuSeconds(pid);
  const { result } = await runLoad({ ...s, warmupS: 0 });
  const cpu1 = cpuSeconds(pid);
  const cpuMsPerRequest = cpu0 !== null && cpu1 !== null && result.responses > 0 ? ((cpu1 - cpu0) * 1000) / result.responses : null;
  return { result, warmup, cpuMsPerRequest, cpuAtStart: cpu0 };
}

function spec(url: string, template: string, o: { seconds: number; warmupS: number; connections: number; idPrefix: string }): LoadSpec {
  return {
    url,
    headers: {},
    connections: o.connections,
    durationS: o.seconds,
    warmupS: o.warmupS,
    maxSeconds: o.seconds + 5,
    variants: [{ path: `/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, body: template }],
    idPrefix: o.idPrefix,
  };
}

export const latencyNote = (r: LoadResult, warmup?: LoadResult | null) =>
  r.ok === 0 && warmup
    ? `no answer within the ${r.elapsedS.toFixed(0)} s window; the ${warmup.elapsedS.toFixed(0)} s warm-up got ${warmup.ok}${warmup.ok > 0 ? ` (p50 ${warmup.latencyMs.p50.toFixed(0)} ms)` : ""}`
    : `${r.ok} answers in ${r.elapsedS.toFixed(1)} s${r.non2xx ? `, ${r.non2xx} non-2xx` : ''}${r.errors ? `, ${r.errors} errors` : ''}`;

/** The bare Fastify floor (bare-server.ts), loaded with the ignored delivery's body. */
async function bareFastifyLoad(specFor: (url: string) => LoadSpec): Promise<{ result: LoadResult; cpuMsPerRequest: number | null }> {
  const server = await startBare([], 'fastify');
  try {
    const m = await measuredLoad(server.pid, specFor(server.url));
    return { result: m.result, cpuMsPerRequest: m.cpuMsPerRequest };
  } finally {
    await server.stop();
  }
}

/**
 * The memory floor of the chosen libraries: bare Fastify with every package
 * `curation start` loads, one instance of what the service keeps of each, and
 * none of our code (bare-server.ts `deps`), started as the service is (its
 * flags, environment and start-up collection). Idle after one sample
 * delivery, as the service's idle row; peak under the ignored load.
 */
async function bareDependenciesMemory(specFor: (url: string) => LoadSpec, sample: string): Promise<{ idleMb: number; peakMb: number; cpuMsPerRequest: number | null }> {
  const dir = tempDir();
  try {
    const server = await startBare([], 'deps', path.join(dir, 'floor.db'));
    try {
      const res = await fetch(`${server.url}/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sample });
      if (res.status !== 200) throw new Error(`bare deps server: sample delivery ${res.status}`);
      await res.arrayBuffer();
      const idleMb = (rssKb(server.pid) ?? 0) / 1024;
      const peak = new PeakRss(server.pid);
      const m = await measuredLoad(server.pid, specFor(server.url));
      return { idleMb, peakMb: peak.stop().peakMb, cpuMsPerRequest: m.cpuMsPerRequest };
    } finally {
      await server.stop();
    }
  } finally {
    removeDir(dir);
  }
}

/** The bare Fastify floor's own rows, against bare node:http: the framework's share of an ignored delivery. */
function fastifyLines(f: { result: LoadResult; cpuMsPerRequest: number | null }, bare: LoadResult, bareCpu: number | null, bareLabel: string, label: string): Figure[] {
  const S = 'intake';
  return [
    figure(S, `${label}: webhooks/s`, f.result.rps, '/s', bare.rps, bareLabel, { ratioLabel: 'Fastify / bare', note: latencyNote(f.result) }),
    figure(S, `${label}: p99 latency`, f.result.latencyMs.p99, 'ms', bare.latencyMs.p99, bareLabel, { ratioLabel: 'Fastify / bare' }),
    ...(f.cpuMsPerRequest !== null && bareCpu !== null ? [figure(S, `${label}: server CPU per webhook`, f.cpuMsPerRequest, 'ms', bareCpu, bareLabel, { ratioLabel: 'Fastify / bare' })] : []),
  ];
}

export async function intakeStage(o: IntakeOptions): Promise<{ intake: StageResult; memory: StageResult }> {
  const t0 = performance.now();
  const acted = chatOpenedTemplate();
  const ignored = botMessageTemplate();
  const fake = await startFake();
  const dirs: string[] = [];
  try {
    o.progress(`intake: bare node:http baseline, ${o.connections} connections, ${o.warmupS}+${o.seconds} s`);
    const bare = await startBare();
    let bareLoad: LoadResult;
    let bareMem: { peakMb: number; method: string };
    let bareIdleMb: number;
    let bareCpu: number | null;
    try {
      bareIdleMb = (rssKb(bare.pid) ?? 0) / 1024;
      const peak = new PeakRss(bare.pid);
      const m = await measuredLoad(bare.pid, spec(bare.url, acted, { ...o, idPrefix: 'b' }));
      bareLoad = m.result;
      bareCpu = m.cpuMsPerRequest;
      bareMem = peak.stop();
    } finally {
      await bare.stop();
    }
    o.progress(`intake: bare Fastify baseline (one JSON route), ${o.connections} connections, ${o.warmupS}+${o.seconds} s`);
    const fastify = await bareFastifyLoad((url) => spec(url, ignored, { ...o, idPrefix: 'f' }));
    o.progress(`intake: bare Fastify with the service's dependencies (memory floor), ignored load, ${o.connections} connections, ${o.warmupS}+${o.seconds} s`);
    const depsFloor = await bareDependenciesMemory((url) => spec(url, ignored, { ...o, idPrefix: 'd' }), concrete(ignored, 'dsample'.padEnd(20, '0')));

    const run = async (kind: 'acted' | 'ignored', template: string, idPrefix: string) => {
      o.progress(`intake: service, ${kind} deliveries, ${o.connections} connections, ${o.warmupS}+${o.seconds} s`);
      const dir = tempDir();
      dirs.push(dir);
      return loadService(fake, path.join(dir, 'curation.db'), template, kind, { ...o, idPrefix });
    };
    const a = await run('acted', acted, 'a');
    const i = await run('ignored', ignored, 'i');

    o.progress(`intake: acted sustained rate, fixed-rate steps of ${o.sustainedStepS} s from ${startRate(a).toFixed(0)}/s`);
    const sustainedDir = tempDir();
    dirs.push(sustainedDir);
    const sustained = await measureSustained(fake, path.join(sustainedDir, 'curation.db'), {
      template: acted,
      startRate: startRate(a),
      stepSeconds: o.sustainedStepS,
      maxSteps: o.sustainedSteps,
      connections: o.connections,
      bound: 2 * o.connections,
      drainLimitS: 10,
      warmupS: o.warmupS,
      idPrefix: 'u',
      progress: o.progress,
    });
    const planUs = await planMicroseconds();

    const S = 'intake';
    const bareLabel = 'bare node:http 200';
    const fastifyLabel = 'bare Fastify, one JSON route';
    // The ignored rows' floors, node:http then Fastify, so a miss reads as node:http → Fastify → the service.
    const bareFloor = (value: number | null, unit: string, onFastify: number | null) =>
      value === null ? {} : { floor: { value, unit, label: `${bareLabel}, same run${onFastify === null ? '' : `; ${fastifyLabel}: ${fmt(sig(onFastify), unit)}`}` } };
    const lines = (label: string, r: ServiceLoad, targets: { rate?: Target; p99?: Target; cpu?: Target } = {}): Figure[] => [
      figure(S, `${label}: webhooks/s`, r.load.rps, '/s', bareLoad.rps, bareLabel, { ratioLabel: 'service / bare', note: latencyNote(r.load), ...(targets.rate ? { target: targets.rate, ...bareFloor(bareLoad.rps, '/s', fastify.result.rps) } : {}) }),
      figure(S, `${label}: p50 latency`, r.load.latencyMs.p50, 'ms', bareLoad.latencyMs.p50, bareLabel, { ratioLabel: 'service / bare' }),
      figure(S, `${label}: p99 latency`, r.load.latencyMs.p99, 'ms', bareLoad.latencyMs.p99, bareLabel, { ratioLabel: 'service / bare', ...(targets.p99 ? { target: targets.p99, ...bareFloor(bareLoad.latencyMs.p99, 'ms', fastify.result.latencyMs.p99) } : {}) }),
      ...(r.drainSeconds !== null
        ? [figure(S, `${label}: planning backlog left by the load`, r.backlog, 'events', null, '', { note: `planned by the job engine ${r.drainSeconds.toFixed(1)} s after the load ended` })]
        : []),
      ...(r.cpuMsPerRequest !== null && bareCpu !== null
        ? [figure(S, `${label}: server CPU per webhook`, r.cpuMsPerRequest, 'ms', bareCpu, bareLabel, { ratioLabel: 'service / bare', note: 'user+system time of the server process / answers', ...(targets.cpu ? { target: targets.cpu, ...bareFloor(bareCpu, 'ms', fastify.cpuMsPerRequest) } : {}) })]
        : []),
    ];
    const actedLabel = 'acted (chat opened, 12 msgs planned)';
    const expectedRuns = 1 + a.load.ok + (a.warmup?.ok ?? 0);
    const intake: StageResult = {
      stage: S,
      seconds: 0,
      figures: [
        ...lines(actedLabel, a),
        ...allInFigures(actedLabel, a, i, planUs, sustained),
        ...lines('ignored (bot message)', i, { rate: ISSUE21.ignoredRate, p99: ISSUE21.ignoredP99, cpu: ISSUE21.ignoredCpu }),
        ...fastifyLines(fastify, bareLoad, bareCpu, bareLabel, fastifyLabel),
      ],
      details: {
        connections: o.connections,
        seconds: o.seconds,
        warmupSeconds: o.warmupS,
        delayScale: o.delayScale,
        bare: { ...bareLoad, cpuMsPerRequest: bareCpu },
        bareFastify: { ...fastify.result, cpuMsPerRequest: fastify.cpuMsPerRequest },
        acted: { ...a.load, cpuMsPerRequest: a.cpuMsPerRequest, allIn: a.allIn, sanity: a.sanity, db: a.counts, expectedRuns, errorLines: a.errorLines, warmup: a.warmup },
        actedSustained: sustained,
        planMicroseconds: planUs,
        ignored: { ...i.load, cpuMsPerRequest: i.cpuMsPerRequest, sanity: i.sanity, db: i.counts, errorLines: i.errorLines, warmup: i.warmup },
      },
    };
    const problems: string[] = [];
    const counted = actedCountProblem('acted load', a, o.connections);
    if (counted) problems.push(counted);
    if (i.counts.runs !== 0) problems.push(`ignored load started ${i.counts.runs} runs`);
    if (a.errorLines + i.errorLines > 0) problems.push(`the service logged ${a.errorLines + i.errorLines} errors`);
    if (problems.length > 0) intake.error = problems.join('; ');
    const depsLabel = "bare Fastify + the service's dependencies";
    const memory: StageResult = {
      stage: 'memory',
      seconds: 0,
      figures: [
        figure('memory', `${depsLabel} (no code of ours): idle RSS after start`, depsFloor.idleMb, 'MB', bareIdleMb, 'bare node:http idle after start', { ratioLabel: 'deps / bare' }),
        figure('memory', `${depsLabel} (no code of ours): peak RSS, ignored load`, depsFloor.peakMb, 'MB', bareMem.peakMb, 'bare node:http, same load', {
          ratioLabel: 'deps / bare',
          ...(depsFloor.cpuMsPerRequest === null ? {} : { note: `server CPU per webhook ${depsFloor.cpuMsPerRequest.toFixed(3)} ms` }),
        }),
        figure('memory', 'peak RSS during the acted intake run', a.peakMb, 'MB', bareMem.peakMb, 'bare node:http, same load', { ratioLabel: 'service / bare' }),
        figure('memory', 'peak RSS during the ignored intake run', i.peakMb, 'MB', bareMem.peakMb, 'bare node:http, same load', { ratioLabel: 'service / bare' }),
        // The issue's "peak under load" is the higher of the two loads: either may peak higher.
        figure('memory', 'peak RSS under load (the higher of the two intake runs)', Math.max(a.peakMb, i.peakMb), 'MB', bareMem.peakMb, 'bare node:http, same load', {
          ratioLabel: 'service / bare',
          target: ISSUE21.peakRss,
          floor: { value: depsFloor.peakMb, unit: 'MB', label: `${depsLabel} peak, ignored load; bare node:http: ${fmt(sig(bareMem.peakMb), 'MB')}` },
          note: a.peakMb >= i.peakMb ? 'the acted run peaked higher' : 'the ignored run peaked higher',
        }),
        figure('memory', 'idle RSS after start (and one sample delivery)', a.idleMb, 'MB', bareIdleMb, 'bare node:http idle after start', {
          ratioLabel: 'service / bare',
          target: ISSUE21.idleRss,
          floor: { value: depsFloor.idleMb, unit: 'MB', label: `${depsLabel} idle after start; bare node:http: ${fmt(sig(bareIdleMb), 'MB')}` },
          note: `read before the acted load; ignored run's service: ${i.idleMb.toFixed(0)} MB`,
        }),
      ],
      details: {
        method: a.memMethod,
        service: { actedPeakMb: a.peakMb, ignoredPeakMb: i.peakMb, idleMb: a.idleMb, ignoredIdleMb: i.idleMb },
        bare: { peakMb: bareMem.peakMb, idleMb: bareIdleMb },
        bareWithDependencies: depsFloor,
      },
    };
    const secs = (performance.now() - t0) / 1000;
    intake.seconds = secs;
    return { intake, memory };
  } finally {
    await fake.stop();
    for (const d of dirs) removeDir(d);
  }
}
