// One memory-reducing garbage collection when start-up ends, before the
// service listens. Loading the modules and compiling the curations leaves
// about 10 MB of garbage and half-empty pages in V8's heap, and an idle
// service does not collect it: V8's memory reducer, which would, judged the
// allocation rate high at every check (`--trace-memory-reducer`: "high alloc"
// every 8 s, with no collection between), so the pages stayed. Collected
// once here, the idle process is about 10 MB smaller (issue 21, BENCHMARKS.md
// "Memory"). It takes 0.1-0.5 s of CPU, once, before the port is open, so no
// request waits for it.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * V8's `gc` function without putting it on the service's global object:
 * `--expose-gc` is turned on only while a new, empty vm context is made (the
 * function exists only there), then off again (the pattern jest's leak
 * detector uses). A process started with `--expose-gc` already has it.
 */
function gcFunction(): GcFunction {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as GcFunction;
  v8.setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as GcFunction;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

/**
 * A full collection that compacts and gives the freed pages back to the
 * system at once (V8's "last resort" flavour: the collection it runs before
 * it would fail an allocation), rather than the ordinary full collection,
 * whose freed pages were returned only about 10 s later.
 */
export function collectStartupGarbage(): void {
  gcFunction()({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
