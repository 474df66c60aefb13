// The golden tests of every shipped curation run in npm test. The folders are
// read here, so a new file is covered without editing this test; every
// shipped curation must carry at least one case.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { formatLoadError, loadCurations } from '../../src/curation/index.js';
import { goldenTestsOf, runGoldenTests } from '../../src/curation/golden.js';
import { ROOT } from './helpers.js';

const FOLDERS = ['curations', 'examples/curations'];

for (const folder of FOLDERS) {
  const dir = path.resolve(ROOT, folder);
  const files = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
  // Loaded as the service loads it (the whole folder), once for all its files.
  let loading: ReturnType<typeof loadCurations> | null = null;
  describe(`golden tests of ${folder}/`, () => {
    test('the folder has curations', () => assert.ok(files.length > 0));
    for (const name of files) {
      test(`${folder}/${name}: every case passes`, async () => {
        const loaded = await (loading ??= loadCurations(dir));
        assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.map(formatLoadError).join('\n'));
        const curation = loaded.set.curations.find((c) => path.basename(c.file) === name);
        assert.ok(curation, `${name} loaded no curation`);
        assert.ok(goldenTestsOf(curation).length > 0, `${folder}/${name} carries no golden test: give it a tests: section (docs/curations.md, "Golden tests")`);
        const report = runGoldenTests(curation);
        const failures = report.cases.filter((c) => !c.passed).map((c) => [`tests[${c.index}] '${c.name}':`, ...c.diff.map((l) => `  ${l}`)].join('\n'));
        assert.equal(report.failed, 0, failures.join('\n'));
        assert.equal(report.passed, report.total);
      });
    }
  });
}
