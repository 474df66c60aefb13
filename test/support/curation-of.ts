// Handlers that resolve a run's curation (planRun, answerWait) take a
// resolver; tests without a library resolve from one loaded set by id.
import type { Curation, CurationSet } from '../../src/curation/index.js';

export const fromSet =
  (set: CurationSet | undefined) =>
  (run: { curation_id: string }): Promise<Curation | undefined> =>
    Promise.resolve(set?.byId(run.curation_id));
