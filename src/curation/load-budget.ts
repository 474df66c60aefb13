// The budget of loading one curation file. How much work a load is depends on
// the file: the dry run (smoke.ts) plans every sample answer in every
// language, so 20 languages, an option field with 3,000 options and a looping
// message repeated 1,000 times by YAML aliases kept `curation check` busy for
// hours and froze the service during a console reload. So:
// - every file may cost at most LOAD_BUDGET.units work units, counted from
//   the file (the same file costs the same on every machine): compiling its
//   templates and expressions, and the dry run, whose cost is known before it
//   starts (it is refused then, not after hours);
// - a ceiling on the time the load works (not the time it waits for the event
//   loop) stops what units do not see (a slow function module);
// - the loader works in short slices and lets the event loop run between them
//   (pause()), so /healthz and webhooks are answered during a reload.
// Each limit, when reached, is an error at the line where it was reached.
import type { PathSegment } from './load-errors.js';

export interface LoadBudget {
  /** Work units one file may cost (see UNIT_COSTS). */
  units: number;
  /** Time one file's load may work, in ms (its slices, not its waits for the event loop): the backstop for work units do not count. */
  ms: number;
  /** The longest the loader works before it lets the event loop run, in ms. */
  sliceMs: number;
  /** Units one step between two pauses may cost (one message's templates, one value): what holds the event loop at once. */
  stepUnits: number;
}

/**
 * 500,000 units is about 45 times the shipped diet-main.yaml (11,000 units:
 * 1,600 to compile, 9,300 for its dry run in two languages), and a few
 * seconds of work on a small, busy machine. The ceiling of 20 s is far above
 * what the units admit, so only work they do not count (a function module)
 * reaches it. 20,000 units for one step is 1,000 templates in one message
 * (every text, bullet, title and URL, in every language): about 150 ms.
 */
export const LOAD_BUDGET: Readonly<LoadBudget> = { units: 500_000, ms: 20_000, sliceMs: 20, stepUnits: 20_000 };

/** What each step of a load costs, in units (about as much work as rendering one template node). */
export const UNIT_COSTS = {
  /** Parsing and checking one template (a text in one language, a URL, a title). */
  template: 20,
  /** The same template text again (an alias, a text shared by messages): it is parsed once per file. */
  templateAgain: 1,
  /** Parsing and checking one expression (a value, a `when:`). */
  expression: 2,
  /** The dry run: computing one value for one sample answer in one language. */
  value: 1,
  /** The dry run: rendering one node of a template (a text, an output, a tag), once per time a loop around it repeats. */
  node: 1,
} as const;

/** Thrown where a load ran out of budget; not a CurationFileError, so no compile step collects it and goes on. */
export class LoadBudgetError extends Error {
  constructor(
    readonly path: readonly PathSegment[],
    message: string,
  ) {
    super(message);
  }
}

export function formatUnits(n: number): string {
  return Math.round(n).toLocaleString('en');
}

export class LoadMeter {
  private used = 0;
  /** Units since the last pause(): one step of the load, done without letting the event loop run. */
  private step = 0;
  /** CPU time of the slices that ended; the current slice began at sliceStart. */
  private worked = 0;
  private sliceStart = performance.now();

  constructor(readonly budget: Readonly<LoadBudget> = LOAD_BUDGET) {}

  get units(): number {
    return this.used;
  }

  get remaining(): number {
    return this.budget.units - this.used;
  }

  /** Counts work done at `path`; throws LoadBudgetError when the file is over its units or its time, or this step over its units. */
  charge(units: number, path: readonly PathSegment[], what: string): void {
    this.reserve(units, path, what);
    this.step += units;
    if (this.step > this.budget.stepUnits) {
      throw new LoadBudgetError(path, `loading stopped here: this part alone needs more than ${formatUnits(this.budget.stepUnits)} units of work at once, the most one message or value may use; ${what}`);
    }
  }

  /** Counts work that is done in steps of its own (the dry run, charged before it starts). */
  reserve(units: number, path: readonly PathSegment[], what: string): void {
    this.used += units;
    if (this.used > this.budget.units) {
      throw new LoadBudgetError(path, `loading stopped here: the file needs more than ${formatUnits(this.budget.units)} units of work, the most a curation file may use; ${what}`);
    }
    this.checkTime(path, null);
  }

  /** Throws LoadBudgetError when the load has worked longer than the ceiling; `doing` says what it was doing. */
  checkTime(path: readonly PathSegment[], doing: string | null): void {
    if (this.worked + (performance.now() - this.sliceStart) <= this.budget.ms) return;
    const seconds = `${Number((this.budget.ms / 1000).toFixed(3))} s`;
    throw new LoadBudgetError(
      path,
      `loading took more than ${seconds} of work, the most a curation file may take, ${doing ?? 'and stopped here'}; split the curation, or use fewer messages, languages or options`,
    );
  }

  /** Lets the event loop run once the current slice has lasted sliceMs (the time waited is not the load's). */
  async pause(path: readonly PathSegment[], doing: string | null = null): Promise<void> {
    this.checkTime(path, doing);
    this.step = 0;
    const now = performance.now();
    if (now - this.sliceStart < this.budget.sliceMs) return;
    this.worked += now - this.sliceStart;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}
