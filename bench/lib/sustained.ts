// The acted sustained rate (issue 21): the highest fixed rate of acted
// webhooks a service takes without its planning backlog growing. Intake
// answers before it plans, so a closed-loop load measures the answer alone
// and leaves a backlog; here the load is open-loop (a fixed rate, whatever
// the answers' speed), in a few short steps, and after each step the events
// still waiting for their planning are counted.
import { dbCounts, drained, type DbCounts } from './db.js';
import { runLoad } from './load.js';
import { startService, WEBHOOK_TOKEN, type FakeProc } from './procs.js';

export interface RateStep {
  /** Asked rate, webhooks/s. */
  rate: number;
  /** Answered 2xx per second. */
  achieved: number;
  /** Events waiting for their planning when the step began and when it ended. */
  queuedAtStart: number;
  queuedAtEnd: number;
  /** Length of the step, s. */
  seconds: number;
  held: boolean;
}

export interface SustainedResult {
  /** The highest rate that held, or null when none did. */
  held: number | null;
  /** The lowest rate that did not hold, or null when every step held. */
  failed: number | null;
  steps: RateStep[];
}

/**
 * A step holds when the service answered (nearly) the asked rate and its
 * backlog grew by at most `bound` events over the step: the events of the
 * last moments, still being planned, and no more.
 */
export function stepHeld(s: Omit<RateStep, 'held'>, bound: number): boolean {
  return s.achieved >= 0.9 * s.rate && s.queuedAtEnd - s.queuedAtStart <= bound;
}

const UP = 1.25;
const DOWN = 0.8;

/**
 * What a step that did not hold says the service took: the rate it answered,
 * less the backlog it let grow, per second. At least a quarter of the asked
 * rate, so that one bad step cannot end the search at zero.
 */
export function takenRate(s: RateStep): number {
  const taken = Math.min(s.achieved, s.rate - (s.queuedAtEnd - s.queuedAtStart) / s.seconds);
  return Math.max(s.rate / 4, taken);
}

/**
 * The next rate to try, or null when the search is done: up by a quarter
 * while every step held; while none did, down by a fifth or to what the last
 * step says the service took, whichever is lower (a start far too high, on a
 * busy machine, is left in one step); once a rate held and a higher one did
 * not, the geometric mean between them until they are within a quarter of
 * each other. At most `maxSteps` steps.
 */
export function nextRate(steps: readonly RateStep[], startRate: number, maxSteps: number): number | null {
  if (steps.length === 0) return startRate;
  if (steps.length >= maxSteps) return null;
  const { held, failed } = bracket(steps);
  if (failed === null) return held! * UP;
  if (held === null) return Math.min(failed * DOWN, takenRate(steps[steps.length - 1]!));
  return failed / held <= UP ? null : Math.sqrt(held * failed);
}

/** The highest rate that held and the lowest that did not, among the steps. */
export function bracket(steps: readonly RateStep[]): { held: number | null; failed: number | null } {
  const held = steps.filter((s) => s.held).map((s) => s.rate);
  const failed = steps.filter((s) => !s.held).map((s) => s.rate);
  return { held: held.length > 0 ? Math.max(...held) : null, failed: failed.length > 0 ? Math.min(...failed) : null };
}

export interface SustainedOptions {
  url: string;
  template: string;
  count: () => Promise<DbCounts>;
  startRate: number;
  stepSeconds: number;
  maxSteps: number;
  connections: number;
  /** Backlog growth over a step that still counts as holding (e.g. 2 × connections). */
  bound: number;
  /** How long to let the backlog of a step drain before the next one, s. */
  drainLimitS: number;
  idPrefix: string;
  progress: (line: string) => void;
}

/** Runs the stepped search against a running service (warm it up first). */
export async function sustainedRate(o: SustainedOptions): Promise<SustainedResult> {
  const steps: RateStep[] = [];
  const queued = async () => (await o.count()).eventsByStatus.queued ?? 0;
  for (let rate = nextRate(steps, o.startRate, o.maxSteps); rate !== null; rate = nextRate(steps, o.startRate, o.maxSteps)) {
    await drained(o.count, o.drainLimitS);
    const queuedAtStart = await queued();
    const { result } = await runLoad({
      url: o.url,
      headers: {},
      connections: o.connections,
      durationS: o.stepSeconds,
      maxSeconds: o.stepSeconds + 5,
      ratePerSecond: rate,
      variants: [{ path: `/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, body: o.template }],
      idPrefix: `${o.idPrefix}${steps.length}`,
    });
    const step = { rate, achieved: result.rps, queuedAtStart, queuedAtEnd: await queued(), seconds: o.stepSeconds };
    steps.push({ ...step, held: stepHeld(step, o.bound) });
    o.progress(`intake: sustained rate, step ${steps.length}: asked ${rate.toFixed(0)}/s, answered ${result.rps.toFixed(0)}/s, backlog ${queuedAtStart} → ${step.queuedAtEnd}: ${stepHeld(step, o.bound) ? 'held' : 'did not hold'}`);
  }
  return { ...bracket(steps), steps };
}

/**
 * A fresh service over `dbFile` (SQLite, DELAY_SCALE=100: nothing is sent),
 * warmed up at the start rate for `warmupS` (not counted), then the search.
 */
export async function measureSustained(
  fake: FakeProc,
  dbFile: string,
  o: Omit<SustainedOptions, 'url' | 'count'> & { warmupS: number; count?: () => Promise<DbCounts> },
): Promise<SustainedResult> {
  const svc = await startService({ fakeUrl: fake.url, dbFile, delayScale: 100 });
  try {
    const count = o.count ?? (() => Promise.resolve(dbCounts(dbFile)));
    if (o.warmupS > 0) {
      await runLoad({
        url: svc.url,
        headers: {},
        connections: o.connections,
        durationS: o.warmupS,
        maxSeconds: o.warmupS + 5,
        ratePerSecond: o.startRate,
        variants: [{ path: `/webhooks/channeltalk?token=${WEBHOOK_TOKEN}`, body: o.template }],
        idPrefix: `${o.idPrefix}w`,
      });
    }
    return await sustainedRate({ ...o, url: svc.url, count });
  } finally {
    await svc.stop();
  }
}
