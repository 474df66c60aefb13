// Bench-only: records every module a process loads, for the idle-memory
// profile (bench/lib/profile-idle.ts). Loaded first with
// `node --import=<this file>` and BENCH_MODULES_OUT=<file>: a synchronous
// module hook (module.registerHooks, both import and require) notes each URL
// as it is loaded, and the list is written 500 ms after the last load (so an
// idle process's file says what it holds) and again at exit. Node's own
// built-ins come from process.moduleLoadList, which records them all.
// With NODE_V8_COVERAGE set as well, each SIGUSR2 writes the coverage so far
// and resets its counters (v8.takeCoverage): module-inventory.ts takes one
// after start-up, idle, an ignored delivery and a send, to see which loaded
// modules run any function after start.
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
import { takeCoverage } from 'node:v8';

const out = process.env.BENCH_MODULES_OUT;
const loaded: Array<{ url: string; ms: number }> = [];
let timer: NodeJS.Timeout | null = null;

function write(): void {
  if (!out) return;
  const builtins = ((process as unknown as { moduleLoadList?: string[] }).moduleLoadList ?? []).filter((m) => m.startsWith('NativeModule '));
  writeFileSync(out, `${JSON.stringify({ pid: process.pid, at: Math.round(performance.now()), modules: loaded, builtins: builtins.map((m) => m.slice('NativeModule '.length)) })}\n`);
}

if (out) {
  registerHooks({
    load(url, context, nextLoad) {
      if (!url.startsWith('node:')) loaded.push({ url, ms: Math.round(performance.now()) });
      if (timer) clearTimeout(timer);
      timer = setTimeout(write, 500);
      timer.unref();
      return nextLoad(url, context);
    },
  });
  process.on('exit', write);
}

if (process.env.NODE_V8_COVERAGE) process.on('SIGUSR2', () => takeCoverage());
