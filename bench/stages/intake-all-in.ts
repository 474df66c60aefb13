// The intake stage's acted figures all in (issue 21): the service's CPU per
// acted webhook counting its planning and the storing of its 12 messages, not
// the answer alone, and the sustained rate at which no planning backlog grows.
import { plan } from '../../src/curation/index.js';
import { figure, type Figure } from '../lib/report.js';
import type { SustainedResult } from '../lib/sustained.js';
import { ISSUE21 } from '../lib/targets.js';
import { loadSubjects, opsPerSecond } from './calc.js';
import type { ServiceLoad } from '../lib/service-load.js';

const S = 'intake';

/**
 * The sustained-rate search starts a little under what one core would take at
 * the all-in CPU per webhook (without /proc: half the closed-loop answer rate).
 */
export function startRate(acted: ServiceLoad): number {
  return Math.max(5, acted.allIn ? (1000 / acted.allIn.cpuMsPerRun) * 0.8 : acted.load.rps * 0.5);
}

/**
 * One plan(diet-main) call for the chat-opened fixture, µs of this process's
 * CPU time (not wall time: the runner shares the machine), measured here in
 * the runner (part of the all-in floor).
 */
export async function planMicroseconds(seconds = 0.3): Promise<number> {
  const s = await loadSubjects();
  const profile = s.opened.profile ?? {};
  const now = Date.now();
  const call = () => plan(s.main, s.opened, profile, { runId: 'r_bench', now });
  opsPerSecond(call, Math.min(seconds, 0.1)); // warm-up: let the JIT settle
  const cpu0 = process.cpuUsage();
  const { calls } = opsPerSecond(call, seconds);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / calls;
}

/**
 * The floor of an acted webhook all in: what an ignored one costs the service
 * (token, body, normalize, its event stored and committed, the answer),
 * measured in this run, plus one plan() call. Storing the run and its 12
 * messages and the planning job's own commit come on top; the floor leaves
 * them out, so it is a floor.
 */
export function allInFloorMs(ignored: ServiceLoad, planUs: number): number | null {
  return ignored.cpuMsPerRequest === null ? null : ignored.cpuMsPerRequest + planUs / 1000;
}

export function allInFigures(label: string, acted: ServiceLoad, ignored: ServiceLoad, planUs: number, sustained: SustainedResult): Figure[] {
  const out: Figure[] = [];
  const floorMs = allInFloorMs(ignored, planUs);
  const floorLabel = `ignored webhook's CPU + one plan() (${planUs.toFixed(0)} µs), same run`;
  if (acted.allIn) {
    const a = acted.allIn;
    out.push(
      figure(S, `${label}: server CPU per webhook, all in`, a.cpuMsPerRun, 'ms', floorMs, floorLabel, {
        ratioLabel: 'all in / floor',
        target: ISSUE21.actedAllIn,
        ...(floorMs === null ? {} : { floor: { value: floorMs, unit: 'ms', label: floorLabel } }),
        note: `${a.cpuSeconds.toFixed(2)} s of CPU from the measured load's start until every event was planned, for the ${a.runs} runs started in that window`,
      }),
    );
  }
  const estimate = acted.allIn ? 1000 / acted.allIn.cpuMsPerRun : null;
  out.push(
    figure(S, `${label}: sustained rate, no backlog growing`, sustained.held ?? 0, '/s', sustained.failed, 'lowest fixed rate that did not hold', {
      ratioLabel: 'held / did not hold',
      target: ISSUE21.actedSustained,
      ...(estimate === null ? {} : { floor: { value: estimate, unit: '/s', label: 'ceiling: one core / the all-in CPU per webhook' } }),
      note: `fixed-rate steps (asked → answered, backlog at start → end): ${sustained.steps
        .map((s) => `${s.rate.toFixed(0)} → ${s.achieved.toFixed(0)}/s, ${s.queuedAtStart} → ${s.queuedAtEnd}${s.held ? '' : ' (did not hold)'}`)
        .join('; ')}${sustained.held === null ? '; no step held' : ''}`,
    }),
  );
  return out;
}
