// Runs a load in a separate process (load-worker.js) and returns its result.
import { fork } from 'node:child_process';
import path from 'node:path';
import { DIST } from './procs.js';
import type { LoadResult, LoadSpec, WorkerMessage } from './load-spec.js';

export type { LoadResult, LoadSpec } from './load-spec.js';
export { GROUP, ID } from './load-spec.js';

export function runLoad(spec: LoadSpec): Promise<{ result: LoadResult; warmup: LoadResult | null }> {
  const child = fork(path.join(DIST, 'bench/lib/load-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const budgetMs = ((spec.warmupS ?? 0) + spec.maxSeconds + 30) * 1000;
  return new Promise((resolve, reject) => {
    let answered = false;
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`load worker did not finish within ${budgetMs / 1000} s`));
    }, budgetMs);
    child.once('message', (m: unknown) => {
      answered = true;
      clearTimeout(killer);
      const msg = m as WorkerMessage;
      if (msg.ok) resolve({ result: msg.result, warmup: msg.warmup });
      else reject(new Error(`load worker: ${msg.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(killer);
      if (!answered) reject(new Error(`load worker exited (${code}) without a result`));
    });
    child.send(spec);
  });
}
