// The load generator, in its own process so it never shares a core's event
// loop with the server under test: autocannon, driven by a LoadSpec received
// over IPC, answering a LoadResult. Every run is bounded in count and time.
// A spec with a fixed rate runs open-loop instead (open-loop.ts).
import autocannon from 'autocannon';
import { GROUP, ID, loadResult, type LoadResult, type LoadSpec, type WorkerMessage } from './load-spec.js';
import { openLoop } from './open-loop.js';
import { summarize } from './stats.js';

type Template = (id: string, group: string) => string;

function compile(s: string): Template {
  const parts = s.split(/(@@BENCH_ID@@|@@BENCH_GROUP@@)/);
  if (parts.length === 1) return () => s;
  return (id, group) => {
    let out = '';
    for (const p of parts) out += p === ID ? id : p === GROUP ? group : p;
    return out;
  };
}

/** The n-th request of a run: its variant, with a unique id and its group filled in. */
function requestMaker(spec: LoadSpec, prefix: string): (n: number) => { path: string; body: string } {
  const variants = spec.variants.map((v) => ({ path: compile(v.path), body: compile(v.body) }));
  const groupSize = spec.groupSize ?? 1;
  return (n) => {
    const v = variants[n % variants.length]!;
    const id = prefix + n.toString(36).padStart(Math.max(1, 20 - prefix.length), '0');
    const group = prefix + String(Math.floor(n / groupSize));
    return { path: v.path(id, group), body: v.body(id, group) };
  };
}

function run(spec: LoadSpec, prefix: string, opts: { durationS?: number; amount?: number }): Promise<LoadResult> {
  if (spec.ratePerSecond !== undefined) {
    return openLoop({ ...spec, ratePerSecond: spec.ratePerSecond, durationS: opts.durationS ?? 10, request: requestMaker(spec, prefix) });
  }
  const request = requestMaker(spec, prefix);
  let i = 0;
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const startedAtEpochMs = Date.now();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.durationS ?? 10 }),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...spec.headers },
            setupRequest: (req) => ({ ...req, ...request(i++) }),
          },
        ],
      },
      (err, res) => {
        clearTimeout(guard);
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const elapsedS = (performance.now() - t0) / 1000;
        resolve(
          loadResult({
            startedAtEpochMs,
            elapsedS,
            statusCodes,
            errors: res.errors,
            timeouts: res.timeouts,
            latencyMs: summarize(latencies),
            autocannon: { p50: res.latency.p50, p99: res.latency.p99, rps: res.requests.average },
          }),
        );
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300 && latencies.length < 5_000_000) latencies.push(responseTime);
    });
    // A count-bounded run that stalls (a server that stops answering) still ends.
    const guard = setTimeout(() => instance.stop(), spec.maxSeconds * 1000);
  });
}

process.once('message', (msg: unknown) => {
  const spec = msg as LoadSpec;
  void (async (): Promise<WorkerMessage> => {
    try {
      const warmup = spec.warmupS ? await run(spec, `${spec.idPrefix}w`, { durationS: spec.warmupS }) : null;
      const result = await run(spec, `${spec.idPrefix}m`, spec.amount !== undefined ? { amount: spec.amount } : { durationS: spec.durationS ?? 10 });
      return { ok: true, result, warmup };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
  })().then((answer) => {
    process.send?.(answer, () => process.exit(0));
  });
});
