// A Node child process whose output is read line by line, shared by the
// end-to-end tests and the benchmark suite (bench/lib/procs.ts): both start
// the real CLI and wait for what it logs.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (this file runs as dist/test/support/child-process.js). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(ROOT, 'dist/src/cli/main.js');

export interface Proc {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Output lines so far (stdout and stderr), all of them or the last `keepLines`. */
  lines: string[];
  /** Lines logged at level error or fatal (pino JSON), counted since start. */
  errorLines(): number;
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Every child still running, so an interrupted run leaves no server behind. */
const live = new Set<ChildProcess>();

/** Kills every child started here that is still running (on exit, Ctrl-C, a fatal error). */
export function killAll(): void {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
}

export function spawnNode(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  opts: { nodeArgs?: string[]; keepLines?: number } = {},
): Proc {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not start`);
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  const keep = opts.keepLines ?? Infinity;
  const lines: string[] = [];
  let errors = 0;
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  const onData = (buf: Buffer, acc: { rest: string }) => {
    acc.rest += buf.toString('utf8');
    const parts = acc.rest.split('\n');
    acc.rest = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      if (lines.length > keep) lines.shift();
      if (/"level":(50|60)/.test(l)) errors++;
      for (const w of [...waiters]) {
        if (w.re.test(l)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
      }
    }
  };
  const out = { rest: '' };
  const err = { rest: '' };
  proc.stdout.on('data', (b: Buffer) => onData(b, out));
  proc.stderr.on('data', (b: Buffer) => onData(b, err));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  let exitedYet = false;
  void exited.then(() => (exitedYet = true));
  const recent = () => lines.slice(-30).join('\n');
  return {
    name,
    proc,
    pid: proc.pid,
    lines,
    errorLines: () => errors,
    exited,
    waitForLine(re, timeoutMs = 30_000) {
      const found = lines.find((l) => re.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${name}: timed out waiting for ${re}; output:\n${recent()}`)), timeoutMs);
        const w = {
          re,
          resolve: (l: string) => {
            clearTimeout(t);
            resolve(l);
          },
        };
        waiters.push(w);
        void exited.then((code) => {
          if (waiters.includes(w)) {
            clearTimeout(t);
            reject(new Error(`${name}: exited (${code}) before ${re}; output:\n${recent()}`));
          }
        });
      });
    },
    async stop(timeoutMs = 15_000) {
      if (exitedYet) return exited;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
