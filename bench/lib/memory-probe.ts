// Bench-only investigation (issue 21, memory): idle and peak RSS of the
// service under a few launch variants (extra V8 flags, environment), compared
// in the same session, alternating the variants round by round since the peak
// varies widely between identical runs. Per run: RSS right after start and one
// ignored sample delivery (the bench's idle point) and its mappings, RSS again
// after IDLE_WAIT_S seconds, then the ignored intake load (warm-up + measured
// window): peak RSS (VmHWM) and server CPU per webhook.
//
//   node dist/bench/lib/memory-probe.js ROUNDS VARIANTS_JSON
//   VARIANTS_JSON: [{"name":"base"},{"name":"x","nodeArgs":["--optimize-for-size"],"env":{"MALLOC_ARENA_MAX":"2"}}]
//   A variant's "entry" runs another build's `curation` (e.g. main's dist/src/cli/main.js, or a bundle):
//   [{"name":"main","entry":"/path/to/main/dist/src/cli/main.js"},{"name":"branch"}]
//   A variant with "bare":"deps" runs the libraries' floor instead of the service (bare-server.ts `deps`:
//   bare Fastify with every package `curation start` loads, none of our code), e.g. [{"name":"floor","bare":"deps"}].
//   PROBE_IDLE_WAIT_S (default 60), PROBE_SECONDS (10), PROBE_WARMUP_S (2), PROBE_CONNECTIONS (32),
//   PROBE_RATE (webhooks/s; default none: each connection sends again when answered). A fixed rate
//   the service keeps up with gives every variant the same throughput, on which the peak depends.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { botMessageTemplate, concrete } from './bodies.js';
import { runLoad } from './load.js';
import { cpuSeconds, PeakRss, removeDir, rssKb, sleep, startBare, startFake, startService, tempDir, WEBHOOK_TOKEN, type ServiceProc } from './procs.js';
import { smapsByMapping } from './profile-idle.js';

interface Variant {
  name: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Another build's `curation` entry; the default is this build's. */
  entry?: string;
  /** Instead of the service, the bare Fastify server with the service's dependencies (the memory floor). */
  bare?: 'deps';
}

const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const IDLE_WAIT_S = num('PROBE_IDLE_WAIT_S', 60);
const SECONDS = num('PROBE_SECONDS', 10);
const WARMUP_S = num('PROBE_WARMUP_S', 2);
const CONNECTIONS = num('PROBE_CONNECTIONS', 32);
const RATE = process.env.PROBE_RATE ? { ratePerSecond: Number(process.env.PROBE_RATE) } : {};

/** RSS split: anonymous (V8 heap, malloc), [heap] (brk), the node binary, better-sqlite3, the rest file-backed. */
function rssSplit(pid: number): string {
  const maps = smapsByMapping(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  const kb = (m: string) => maps.find((x) => x.mapping === m)?.kb ?? 0;
  const total = maps.reduce((s, m) => s + m.kb, 0);
  const named = kb('[anon]') + kb('[heap]') + kb('node') + kb('better_sqlite3.node');
  const mb = (v: number) => (v / 1024).toFixed(1);
  return `anon ${mb(kb('[anon]'))} brk ${mb(kb('[heap]'))} node ${mb(kb('node'))} sqlite ${mb(kb('better_sqlite3.node'))} other ${mb(total - named)}`;
}

const mbOf = (pid: number) => (rssKb(pid) ?? 0) / 1024;

interface Run {
  variant: Variant;
  svc: ServiceProc;
  dir: string;
  idle0: number;
  split0: string;
  /** From spawning `curation start` to its "service started" line. */
  startMs: number;
}

async function startOne(fakeUrl: string, v: Variant, round: number): Promise<Run> {
  const dir = tempDir();
  const svc = v.bare ? await startBareAsService(v, path.join(dir, 'floor.db')) : await startService({ fakeUrl, dbFile: path.join(dir, 'curation.db'), delayScale: 100, nodeArgs: v.nodeArgs ?? [], env: v.env ?? {}, ...(v.entry ? { entry: v.entry } : {}) });
  const sanity = await svc.post(concrete(botMessageTemplate(), `p${round}${v.name}`.replace(/[^a-z0-9]/gi, '').padEnd(20, '0').slice(0, 20)));
  if (sanity.status !== 200) throw new Error(`${v.name}: sample delivery ${sanity.status}`);
  return { variant: v, svc, dir, idle0: mbOf(svc.pid), split0: rssSplit(svc.pid), startMs: svc.startMs };
}

/** The bare deps server, shaped as a service process for the probe (its only route is the webhook's path). */
async function startBareAsService(v: Variant, dbFile: string): Promise<ServiceProc> {
  const spawnedAt = performance.now();
  const p = await startBare(v.nodeArgs ?? [], 'deps', dbFile);
  const startMs = Math.round(performance.now() - spawnedAt);
  return {
    ...p,
    dbFile,
    startMs,
    async post(body) {
      const res = await fetch(`${p.url}/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
  };
}

async function load(r: Run, round: number): Promise<{ peak: number; cpuMs: number | null; rps: number }> {
  const spec = {
    url: r.svc.url,
    headers: {},
    connections: CONNECTIONS,
    maxSeconds: SECONDS + 5,
    variants: [{ path: `/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, body: botMessageTemplate() }],
    ...RATE,
  };
  const peak = new PeakRss(r.svc.pid);
  await runLoad({ ...spec, durationS: WARMUP_S, warmupS: 0, maxSeconds: WARMUP_S + 5, idPrefix: `w${round}${r.variant.name.slice(0, 3)}` });
  const cpu0 = cpuSeconds(r.svc.pid);
  const { result } = await runLoad({ ...spec, durationS: SECONDS, warmupS: 0, idPrefix: `m${round}${r.variant.name.slice(0, 3)}` });
  const cpu1 = cpuSeconds(r.svc.pid);
  const cpuMs = cpu0 !== null && cpu1 !== null && result.responses > 0 ? ((cpu1 - cpu0) * 1000) / result.responses : null;
  return { peak: peak.stop().peakMb, cpuMs, rps: result.rps };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 1);
  const variants = JSON.parse(process.argv[3] ?? '[{"name":"base"}]') as Variant[];
  const fake = await startFake();
  console.log('round variant | idle0 MB | idle+wait MB | peak MB | cpu ms/webhook | rps | start ms | idle0 split');
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      const runs: Run[] = [];
      try {
        for (const v of order) runs.push(await startOne(fake.url, v, round));
        await sleep(IDLE_WAIT_S * 1000);
        const idleLater = runs.map((r) => mbOf(r.svc.pid));
        for (const [i, r] of runs.entries()) {
          const l = await load(r, round);
          console.log(
            `${round} ${r.variant.name.padEnd(14)} | ${r.idle0.toFixed(1)} | ${idleLater[i]!.toFixed(1)} | ${l.peak.toFixed(1)} | ${l.cpuMs?.toFixed(3) ?? '?'} | ${l.rps.toFixed(0)} | ${r.startMs} | ${r.split0}`,
          );
          await r.svc.stop();
        }
      } finally {
        for (const r of runs) {
          await r.svc.stop();
          removeDir(r.dir);
        }
      }
    }
  } finally {
    await fake.stop();
  }
}

await main();
