// Keeps the benchmark suite from rotting: its calculation baseline must still
// compute what plan() computes, its cheapest stage must run, and the runner
// must still drive a stage with real processes (service, fake, load worker)
// end to end and write its results. The full suite is `npm run bench`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { plan } from '../../src/curation/index.js';
import { calcStage, checkBaseline, loadSubjects } from '../../bench/stages/calc.js';
import { plainDiet } from '../../bench/lib/diet-plain.js';
import { table, type StageResult } from '../../bench/lib/report.js';
import { percentile, summarize } from '../../bench/lib/stats.js';
import { perSecondWindows } from '../../bench/stages/ratelimit.js';
import { ROOT } from '../support/fixtures.js';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

describe('benchmark suite (smoke)', () => {
  test('the plain baseline computes exactly what plan(diet-main) computes, for the canonical profiles', async () => {
    const s = await loadSubjects();
    checkBaseline(s);
    for (const name of ['hong', 'female-lose', 'very-active-gain']) {
      const profile = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/profiles', `${name}.json`), 'utf8')) as Record<string, unknown>;
      for (const lang of ['ko', 'en'] as const) {
        const p = plan(s.main, s.opened, profile, { runId: 'r_smoke', now: Date.UTC(2026, 0, 1), lang });
        assert.equal(p.outcome, 'sequence', `${name} plans a sequence`);
        assert.deepEqual(plainDiet(profile, lang), p.values, `${name} (${lang})`);
      }
    }
  });

  test('the calculation stage measures both curations against the baseline, and what would change against as many plans', async () => {
    const r = await calcStage({ seconds: 0.05 });
    assert.equal(r.figures.length, 4);
    const [main, gift, impact, perCall] = r.figures;
    for (const f of [main!, gift!]) {
      assert.ok(f.value > 0 && f.baseline !== null && f.baseline > f.value, `${f.name}: ${f.value} vs ${f.baseline}`);
      assert.ok(f.ratio !== null && f.ratio > 0 && f.ratio < 1);
    }
    // Each profile is planned twice and its texts compared: more than one plan each, and a time in ms.
    assert.ok(impact && impact.unit === 'ms' && impact.value > 0 && impact.baseline !== null && impact.baseline > 0, JSON.stringify(impact));
    assert.match(impact.name, /what would change/);
    assert.match(table([r]), /plan\(diet-main\)/);
    // Issue 21's target reads the time per call against the plain function's: the inverse of the rates' ratio.
    assert.ok(perCall && perCall.unit === 'µs' && perCall.ratio !== null && perCall.ratio > 1 && perCall.target?.id === 'planVsPlain', JSON.stringify(perCall));
    assert.equal(perCall.floor?.value, perCall.baseline);
  });

  test('statistics helpers', () => {
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
    assert.ok(Number.isNaN(percentile([], 50)));
    const s = summarize([3, 1, 2]);
    assert.deepEqual([s.count, s.min, s.p50, s.max, s.mean], [3, 1, 2, 3, 2]);
    // Whole seconds only: the partial first and last seconds are left out.
    assert.deepEqual(perSecondWindows([1000.5, 1999, 2000, 2100, 2999, 3000, 4500, 5200]).full, [3, 1, 1]);
  });

  test('npm run bench drives real processes: calc and pacing stages with BENCH_QUICK=1', { timeout: 120_000 }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-smoke-'));
    try {
      const out = path.join(dir, 'results.json');
      const res = spawnSync(process.execPath, [RUN], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', BENCH_QUICK: '1', BENCH_STAGES: 'calc,pacing', BENCH_PACING_CHATS: '2', BENCH_OUT: out },
        encoding: 'utf8',
        timeout: 110_000,
      });
      assert.equal(res.status, 0, `bench exited ${res.status}\n${res.stderr}\n${res.stdout}`);
      assert.match(res.stderr, /stage 1\/2: calc/);
      assert.match(res.stdout, /\| pacing +\| gap error p50/);
      // Under the main table, issue 21's targets: the calculation's measured, the others' stages not run.
      assert.match(res.stdout, /Issue 21 targets/);
      assert.match(res.stdout, /\| plan\(diet-main\) against the plain function +\| [\d,.]+ µs \([\d.]+×\) +\| ≤ 10× plain TS function +\| [\d.]+ µs \(the plain function, same numbers\) +\| (met|MISSED) +\|/);
      assert.match(res.stdout, /\| idle RSS after start .*\| not measured \(stage intake\) +\|/);
      const doc = JSON.parse(readFileSync(out, 'utf8')) as { machine: { cores: number; node: string }; stages: StageResult[] };
      assert.ok(doc.machine.cores > 0 && doc.machine.node.startsWith('v'));
      assert.deepEqual(doc.stages.map((s) => s.stage), ['calculation', 'pacing']);
      assert.ok(doc.stages.every((s) => s.figures.length > 0 && !s.error));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
