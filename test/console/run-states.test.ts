// The console's page lists the run states by hand (it is plain JS, served as
// is): the status filter and what counts as finished must be the lifecycle's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FINAL_RUN_STATES, RUN_STATES } from '../../src/delivery/run-lifecycle.js';
import { ROOT } from '../support/fixtures.js';

const runsJs = readFileSync(path.join(ROOT, 'src/server/console/static/runs.js'), 'utf8');

function listAfter(marker: RegExp): string[] {
  const m = marker.exec(runsJs);
  assert.ok(m?.[1] !== undefined, `runs.js has ${String(marker)}`);
  return [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1] ?? '');
}

test('the status filter offers every run state of the lifecycle, in its order', () => {
  assert.deepEqual(listAfter(/const STATES = \[([^\]]*)\]/), ['', ...RUN_STATES]);
});

test('the timeline calls finished exactly the final states (a run waiting for its answer is not)', () => {
  assert.deepEqual(listAfter(/const final = \[([^\]]*)\]\.includes/).sort(), [...FINAL_RUN_STATES].sort());
  assert.match(runsJs, /'awaiting'/);
});
