// Shared steps of the stages that send: the planned diet-main sequence, and
// waiting for the fake Channel Talk to have accepted a number of messages.
import type { Plan } from '../../src/curation/index.js';
import { plan } from '../../src/curation/index.js';
import { loadSubjects } from '../stages/calc.js';
import { pollUntil, type FakeProc } from './procs.js';

/** What diet-main plans for the chat-opened fixture (every bench chat has the same profile). */
export async function dietMainPlan(): Promise<Plan> {
  const s = await loadSubjects();
  const p = plan(s.main, s.opened, s.opened.profile, { runId: 'r_bench', now: Date.now() });
  if (p.outcome !== 'sequence') throw new Error(`diet-main no longer plans a sequence for the fixture (${p.outcome})`);
  return p;
}

/** Waits until the fake has accepted `n` messages; returns false on timeout. */
export async function waitForAccepted(fake: FakeProc, n: number, timeoutMs: number, progress: (l: string) => void, label: string): Promise<boolean> {
  let lastReport = Date.now();
  const got = await pollUntil(
    async () => {
      const c = await fake.messageCount();
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        progress(`${label}: ${c}/${n} messages at the fake`);
      }
      return c >= n ? c : undefined;
    },
    timeoutMs,
    100,
  );
  return got !== undefined;
}
