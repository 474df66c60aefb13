// Intake: webhooks per second and latency at a fixed concurrency, through the
// real service (token check, normalize, plan, one group-committed SQLite
// transaction with synchronous=FULL, then 200), against a bare node:http
// server that only reads the body and answers 200. Also the peak memory of
// both (the memory figures).
import path from 'node:path';
import { botMessageTemplate, chatOpenedTemplate, concrete } from '../lib/bodies.js';
import { dbCounts, type DbCounts } from '../lib/db.js';
import { runLoad, type LoadResult, type LoadSpec } from '../lib/load.js';
import { cpuSeconds, PeakRss, removeDir, rssKb, startBare, startFake, startService, tempDir, WEBHOOK_TOKEN, type FakeProc } from '../lib/procs.js';
import { figure, type Figure, type StageResult } from '../lib/report.js';

export interface IntakeOptions {
  seconds: number;
  warmupS: number;
  connections: number;
  /** Pacing during the measurement: 100 (the maximum) keeps every first message 100 s away, so nothing is sent while it runs. */
  delayScale: number;
  progress: (line: string) => void;
}

export interface ServiceLoad {
  load: LoadResult;
  warmup: LoadResult | null;
  /** The service's CPU time (user + system) per answered request during the measured load. */
  cpuMsPerRequest: number | null;
  peakMb: number;
  idleMb: number;
  memMethod: string;
  sanity: Record<string, unknown>;
  counts: DbCounts;
  errorLines: number;
  /** After an acted load: seconds from the load's end until no event waited for its planEvent job (null: none waited). */
  drainSeconds: number | null;
  /** Events still queued when the load ended. */
  backlog: number;
}

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
    // An acted delivery is answered `queued`: stored with the job that plans it.
    if (sanity.status !== 200 || (expect === 'acted' ? sanity.json.status !== 'queued' || runs !== 1 : runs !== 0)) {
      throw new Error(`the sample delivery was not handled as ${expect}: ${sanity.status} ${JSON.stringify(sanity.json)}`);
    }
    const idleMb = (rssKb(svc.pid) ?? 0) / 1024;
    const peak = new PeakRss(svc.pid);
    const { result, warmup, cpuMsPerRequest } = await measuredLoad(svc.pid, spec(svc.url, template, o));
    const count = () => (o.counts ? o.counts() : Promise.resolve(dbCounts(dbFile)));
    // The answers came before the planning: wait for the planEvent jobs the load left (their time is reported, not hidden).
    const backlog = (await count()).eventsByStatus.queued ?? 0;
    const drainSeconds = backlog > 0 ? await drained(count, 300) : null;
    const mem = peak.stop();
    const errorLines = svc.errorLines();
    await svc.stop();
    const counts = await count();
    return { load: result, warmup, cpuMsPerRequest, peakMb: mem.peakMb, idleMb, memMethod: mem.method, sanity: sanity.json, counts, errorLines, drainSeconds, backlog };
  } finally {
    await svc.stop();
  }
}

/** Seconds until no event is queued any more (polled every 100 ms), or the limit. */
export async function drained(count: () => Promise<DbCounts>, limitS: number): Promise<number> {
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < limitS) {
    if (((await count()).eventsByStatus.queued ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return (performance.now() - t0) / 1000;
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

/** Warm-up, then the measured load, with the server's CPU time over the measured part (per request, ms). */
export async function measuredLoad(pid: number, s: LoadSpec): Promise<{ result: LoadResult; warmup: LoadResult | null; cpuMsPerRequest: number | null }> {
  const warmup = s.warmupS ? (await runLoad({ ...s, durationS: s.warmupS, warmupS: 0, maxSeconds: s.warmupS + 5, idPrefix: `${s.idPrefix}w` })).result : null;
  const cpu0 = cpuSeconds(pid);
  const { result } = await runLoad({ ...s, warmupS: 0 });
  const cpu1 = cpuSeconds(pid);
  const cpuMsPerRequest = cpu0 !== null && cpu1 !== null && result.responses > 0 ? ((cpu1 - cpu0) * 1000) / result.responses : null;
  return { result, warmup, cpuMsPerRequest };
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

    const run = async (kind: 'acted' | 'ignored', template: string, idPrefix: string) => {
      o.progress(`intake: service, ${kind} deliveries, ${o.connections} connections, ${o.warmupS}+${o.seconds} s`);
      const dir = tempDir();
      dirs.push(dir);
      return loadService(fake, path.join(dir, 'curation.db'), template, kind, { ...o, idPrefix });
    };
    const a = await run('acted', acted, 'a');
    const i = await run('ignored', ignored, 'i');

    const S = 'intake';
    const lines = (label: string, r: ServiceLoad): Figure[] => [
      figure(S, `${label}: webhooks/s`, r.load.rps, '/s', bareLoad.rps, 'bare node:http 200', { ratioLabel: 'service / bare', note: latencyNote(r.load) }),
      figure(S, `${label}: p50 latency`, r.load.latencyMs.p50, 'ms', bareLoad.latencyMs.p50, 'bare node:http 200', { ratioLabel: 'service / bare' }),
      figure(S, `${label}: p99 latency`, r.load.latencyMs.p99, 'ms', bareLoad.latencyMs.p99, 'bare node:http 200', { ratioLabel: 'service / bare' }),
      ...(r.drainSeconds !== null
        ? [figure(S, `${label}: planning backlog left by the load`, r.backlog, 'events', null, '', { note: `planned by the job engine ${r.drainSeconds.toFixed(1)} s after the load ended` })]
        : []),
      ...(r.cpuMsPerRequest !== null && bareCpu !== null
        ? [figure(S, `${label}: server CPU per webhook`, r.cpuMsPerRequest, 'ms', bareCpu, 'bare node:http 200', { ratioLabel: 'service / bare', note: 'user+system time of the server process / answers' })]
        : []),
    ];
    const expectedRuns = 1 + a.load.ok + (a.warmup?.ok ?? 0);
    const intake: StageResult = {
      stage: S,
      seconds: 0,
      figures: [...lines('acted (chat opened, 12 msgs planned)', a), ...lines('ignored (bot message)', i)],
      details: {
        connections: o.connections,
        seconds: o.seconds,
        warmupSeconds: o.warmupS,
        delayScale: o.delayScale,
        bare: { ...bareLoad, cpuMsPerRequest: bareCpu },
        acted: { ...a.load, cpuMsPerRequest: a.cpuMsPerRequest, sanity: a.sanity, db: a.counts, expectedRuns, errorLines: a.errorLines, warmup: a.warmup },
        ignored: { ...i.load, cpuMsPerRequest: i.cpuMsPerRequest, sanity: i.sanity, db: i.counts, errorLines: i.errorLines, warmup: i.warmup },
      },
    };
    const problems: string[] = [];
    const counted = actedCountProblem('acted load', a, o.connections);
    if (counted) problems.push(counted);
    if (i.counts.runs !== 0) problems.push(`ignored load started ${i.counts.runs} runs`);
    if (a.errorLines + i.errorLines > 0) problems.push(`the service logged ${a.errorLines + i.errorLines} errors`);
    if (problems.length > 0) intake.error = problems.join('; ');
    const memory: StageResult = {
      stage: 'memory',
      seconds: 0,
      figures: [
        figure('memory', 'peak RSS during the acted intake run', a.peakMb, 'MB', bareMem.peakMb, 'bare node:http, same load', { ratioLabel: 'service / bare', note: `idle after start: service ${a.idleMb.toFixed(0)} MB, bare ${bareIdleMb.toFixed(0)} MB` }),
        figure('memory', 'peak RSS during the ignored intake run', i.peakMb, 'MB', bareMem.peakMb, 'bare node:http, same load', { ratioLabel: 'service / bare' }),
      ],
      details: { method: a.memMethod, service: { actedPeakMb: a.peakMb, ignoredPeakMb: i.peakMb, idleMb: a.idleMb }, bare: { peakMb: bareMem.peakMb, idleMb: bareIdleMb } },
    };
    const secs = (performance.now() - t0) / 1000;
    intake.seconds = secs;
    return { intake, memory };
  } finally {
    await fake.stop();
    for (const d of dirs) removeDir(d);
  }
}
