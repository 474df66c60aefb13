// An open-loop load: requests at a fixed rate, spread evenly over each second,
// whatever the answers' speed (a request waits for a free connection of the
// pool, never for an answer to be sent). autocannon's own rate option sends
// each second's quota as one burst at the start of the second, which would
// make a backlog counted at the end of a step depend on where a burst fell.
import http from 'node:http';
import { loadResult, type LoadResult } from './load-spec.js';
import { summarize } from './stats.js';

export interface OpenLoopSpec {
  url: string;
  headers: Record<string, string>;
  /** Most requests in flight at once (keep-alive connections). */
  connections: number;
  ratePerSecond: number;
  durationS: number;
  /** After this many seconds, requests still unanswered are abandoned (counted as timeouts). */
  maxSeconds: number;
  /** The n-th request's path and body. */
  request: (n: number) => { path: string; body: string };
}

const TICK_MS = 5;

export function openLoop(spec: OpenLoopSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const target = new URL(spec.url);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  let settled = 0;
  const startedAtEpochMs = Date.now();
  const t0 = performance.now();
  const total = Math.round(spec.ratePerSecond * spec.durationS);

  const send = (n: number) => {
    const { path, body } = spec.request(n);
    const at = performance.now();
    const req = http.request(
      { agent, host: target.hostname, port: target.port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...spec.headers } },
      (res) => {
        res.resume();
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          statusCodes[code] = (statusCodes[code] ?? 0) + 1;
          if (code >= 200 && code < 300) latencies.push(performance.now() - at);
          settled++;
        });
      },
    );
    req.on('error', () => {
      errors++;
      settled++;
    });
    req.end(body);
  };

  return new Promise((resolve) => {
    const finish = (timedOut: boolean) => {
      clearInterval(ticker);
      agent.destroy();
      const elapsedS = (performance.now() - t0) / 1000;
      resolve(loadResult({ startedAtEpochMs, elapsedS, statusCodes, errors, timeouts: timedOut ? sent - settled : 0, latencyMs: summarize(latencies) }));
    };
    // Every tick sends what the clock says is due, so a late tick catches up instead of lowering the rate.
    const ticker = setInterval(() => {
      const elapsedMs = performance.now() - t0;
      const due = Math.min(total, Math.floor((elapsedMs / 1000) * spec.ratePerSecond));
      while (sent < due) send(sent++);
      if (sent >= total && settled >= total) finish(false);
      else if (elapsedMs > spec.maxSeconds * 1000) finish(true);
    }, TICK_MS);
  });
}
