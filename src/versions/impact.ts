// "What would change" (issue 19 item 5): the answers of a curation's last
// real runs, planned through the draft and through the live version with the
// same plan(), at the moment each customer asked; how many customers would
// get other messages, and a few of them side by side. Pure. What leaves for
// the page is masked: every answer and computed value of the run is replaced
// in the texts by •••, as the runs view shows a run's answers only on reveal.
import { plan, visibleTexts, type Curation, type Plan } from '../curation/index.js';

/** How many runs are replayed when the operator does not say (IMPACT_RUNS). */
export const DEFAULT_IMPACT_RUNS = 200;
/** Side-by-side examples given back, at most. */
export const IMPACT_EXAMPLES = 5;

export interface ReplayedRun {
  id: string;
  createdAt: number;
  lang: string | null;
  profile: Record<string, unknown>;
}

export interface ImpactExample {
  runId: string;
  createdAt: number;
  before: { outcome: string; messages: string[] };
  after: { outcome: string; messages: string[] };
}

export interface ImpactReport {
  compared: number;
  changed: number;
  examples: ImpactExample[];
  ms: number;
}

export function whatWouldChange(draft: Curation, live: Curation | undefined, runs: readonly ReplayedRun[], clock: () => number = () => performance.now()): ImpactReport {
  const t0 = clock();
  let changed = 0;
  const examples: ImpactExample[] = [];
  for (const run of runs) {
    const after = planned(draft, run);
    const before = live ? planned(live, run) : null;
    const afterTexts = visibleTexts(after);
    const beforeTexts = before ? visibleTexts(before) : [];
    if (before && before.outcome === after.outcome && sameTexts(beforeTexts, afterTexts)) continue;
    changed++;
    if (examples.length < IMPACT_EXAMPLES) {
      const secrets = secretTexts(run.profile, before?.values, after.values);
      examples.push({
        runId: run.id,
        createdAt: run.createdAt,
        before: { outcome: before?.outcome ?? 'none', messages: beforeTexts.map((t) => masked(t, secrets)) },
        after: { outcome: after.outcome, messages: afterTexts.map((t) => masked(t, secrets)) },
      });
    }
  }
  return { compared: runs.length, changed, examples, ms: Math.round(clock() - t0) };
}

function planned(c: Curation, run: ReplayedRun): Plan {
  const lang = run.lang !== null && c.languages.includes(run.lang) ? run.lang : undefined;
  return plan(c, null, run.profile, { runId: `impact-${run.id}`, now: run.createdAt, ...(lang ? { lang } : {}) });
}

function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** Every answer and computed value as it may appear in a text (numbers also with thousands separators), longest first. */
function secretTexts(...sources: Array<Record<string, unknown> | undefined>): string[] {
  const out = new Set<string>();
  const add = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(add);
    if (typeof v === 'number' && Number.isFinite(v)) {
      out.add(String(v));
      out.add(v.toLocaleString('en-US'));
    } else if (typeof v === 'string' && v.trim().length >= 2) out.add(v.trim());
  };
  for (const s of sources) for (const v of Object.values(s ?? {})) add(v);
  // A one-digit number would mask every digit of a text: values that short say nothing of a customer alone.
  return [...out].filter((t) => t.length >= 2).sort((a, b) => b.length - a.length);
}

function masked(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('•••');
  return out;
}
