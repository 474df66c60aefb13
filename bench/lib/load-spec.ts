// What the load worker is asked to do and what it answers. Shared by the
// parent (load.ts) and the child (load-worker.ts).
import type { Summary } from './stats.js';

/** Placeholders in a variant's path and body. */
export const ID = '@@BENCH_ID@@';
export const GROUP = '@@BENCH_GROUP@@';

export interface LoadSpec {
  /** Origin, e.g. http://127.0.0.1:3000. */
  url: string;
  headers: Record<string, string>;
  connections: number;
  /** A time-bounded run (seconds)… */
  durationS?: number;
  /** …or a count-bounded one (requests); either way stopped after maxSeconds. */
  amount?: number;
  maxSeconds: number;
  /**
   * A fixed rate: this many requests per second, spread evenly, whatever the
   * answers' speed (open-loop.ts), instead of each connection sending again
   * as soon as it is answered (autocannon). With durationS only. For the
   * sustained-rate search; the achieved rate is in the result.
   */
  ratePerSecond?: number;
  /** Seconds of the same load, with other ids, before the measured run; not measured. */
  warmupS?: number;
  /**
   * POST requests, used round-robin. In path and body, ID becomes an id unique
   * to the request (20 characters, like a Channel Talk id) and GROUP the
   * request's index divided by groupSize.
   */
  variants: Array<{ path: string; body: string }>;
  groupSize?: number;
  /** Makes the ids of this run differ from every other run's (a few characters). */
  idPrefix: string;
}

export interface LoadResult {
  startedAtEpochMs: number;
  elapsedS: number;
  /** Responses received. */
  responses: number;
  ok: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** 2xx answers per second over the run. */
  rps: number;
  /** Latency of 2xx answers in ms, from autocannon's per-response times (sub-millisecond). */
  latencyMs: Summary;
  /** autocannon's own histogram (whole milliseconds), for comparison. */
  autocannon: { p50: number; p99: number; rps: number };
}

/**
 * A LoadResult from what a load counted: the answers by status code give the
 * totals, the 2xx count the rate. Without autocannon's own histogram (the
 * open-loop load has none), its place repeats the load's own figures.
 */
export function loadResult(r: Pick<LoadResult, 'startedAtEpochMs' | 'elapsedS' | 'statusCodes' | 'errors' | 'timeouts' | 'latencyMs'> & { autocannon?: LoadResult['autocannon'] }): LoadResult {
  let ok = 0;
  let responses = 0;
  for (const [code, n] of Object.entries(r.statusCodes)) {
    responses += n;
    if (code.startsWith('2')) ok += n;
  }
  const rps = ok / r.elapsedS;
  return { ...r, responses, ok, non2xx: responses - ok, rps, autocannon: r.autocannon ?? { p50: r.latencyMs.p50, p99: r.latencyMs.p99, rps } };
}

export type WorkerMessage = { ok: true; result: LoadResult; warmup: LoadResult | null } | { ok: false; error: string };
