// A hand-made Plan for store and dispatcher tests: one text message per
// delay, with the requestIds plan() would give them.
import type { Plan } from '../../src/curation/plan-types.js';

export function planOf(runId: string, delays: number[], outcome: Plan['outcome'] = 'sequence'): Plan {
  return {
    curationId: 'c',
    runId,
    outcome,
    lang: 'ko',
    values: { x: 1 },
    problems: [],
    reason: null,
    messages: delays.map((d, seq) => ({ seq, delayMs: d, body: { blocks: [{ type: 'text', value: `m${seq}` }], requestId: `${runId}-${seq}` } })),
  };
}
