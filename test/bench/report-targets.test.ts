// The "Issue 21 targets" table under the bench's main table: one row per
// target of the issue, each with the value, the target in words, the floor
// measured in the same run and whether it was met; a target whose stage did
// not run is listed as not measured rather than left out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { figure, table, targetTable, targetText, verdict, type StageResult } from '../../bench/lib/report.js';
import { ISSUE21, ISSUE21_TARGETS } from '../../bench/lib/targets.js';

const bareCpu = { value: 0.064, unit: 'ms', label: 'bare node:http 200, same run' };

function intake(): StageResult {
  return {
    stage: 'intake',
    seconds: 1,
    details: {},
    figures: [
      figure('intake', 'ignored (bot message): server CPU per webhook', 0.212, 'ms', 0.064, 'bare node:http 200', { target: ISSUE21.ignoredCpu, floor: bareCpu }),
      figure('intake', 'ignored (bot message): webhooks/s', 4600, '/s', 8000, 'bare node:http 200', { target: ISSUE21.ignoredRate, floor: { value: 8000, unit: '/s', label: 'bare node:http 200' } }),
      figure('intake', 'ignored (bot message): p99 latency', 9.5, 'ms', 3, 'bare node:http 200', { target: ISSUE21.ignoredP99 }),
      figure('intake', 'acted: sustained rate', 310, '/s', null, '', { target: ISSUE21.actedSustained, floor: { value: 400, unit: '/s', label: 'a rate that did not hold' } }),
    ],
  };
}

/** The cells of the targets table's row that starts with `label`. */
function row(text: string, label: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`| ${label}`));
  assert.ok(line, `no row for ${label} in\n${text}`);
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

describe('bench report: issue 21 targets', () => {
  test('a target on the value and one on the ratio are worded, compared and given their floor', () => {
    const text = targetTable([intake()], ISSUE21_TARGETS);
    assert.deepEqual(row(text, ISSUE21.ignoredCpu.figure), [ISSUE21.ignoredCpu.figure, '0.212 ms', '≤ 0.070 ms', '0.064 ms (bare node:http 200, same run)', 'MISSED']);
    // 4600 / 8000 = 0.575 ≥ 0.5: met, and the ratio the target reads is shown beside the value.
    assert.deepEqual(row(text, ISSUE21.ignoredRate.figure), [ISSUE21.ignoredRate.figure, '4,600 /s (0.57×)', '≥ 0.5× bare node:http 200', '8,000 /s (bare node:http 200)', 'met']);
    assert.deepEqual(row(text, ISSUE21.ignoredP99.figure).slice(1), ['9.50 ms', '≤ 10.0 ms', '–', 'met']);
    assert.deepEqual(row(text, ISSUE21.actedSustained.figure).slice(1), ['310 /s', 'reported', '400 /s (a rate that did not hold)', 'reported']);
  });

  test('every target of the issue has a row, in the issue\'s order; those no stage measured say so', () => {
    const text = targetTable([intake()], ISSUE21_TARGETS);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^\| figure +\| value +\| target +\| floor \(measured\) +\| met\? +\|$/);
    assert.equal(lines.length, 2 + ISSUE21_TARGETS.length);
    assert.deepEqual(
      lines.slice(2).map((l) => l.split('|')[1]!.trim()),
      ISSUE21_TARGETS.map((t) => t.figure),
    );
    const pg = row(text, ISSUE21.pgThreeVsOne.figure);
    assert.deepEqual(pg.slice(1), ['–', '≥ 0.9×', '–', 'not measured (stage postgres)']);
    assert.equal(row(text, ISSUE21.actedAllIn.figure)[4], 'not measured (stage intake)');
  });

  test('a figure whose value or ratio could not be measured is "not measured", never met', () => {
    const f = figure('postgres', '3 instances', 900, '/s', null, 'one instance on PostgreSQL', { target: ISSUE21.pgThreeVsOne });
    assert.equal(f.ratio, null);
    assert.equal(verdict(f), 'not measured');
    assert.equal(verdict(figure('s', 'n', Number.NaN, 'ms', 1, 'b', { target: ISSUE21.ignoredCpu })), 'not measured');
    assert.equal(verdict(figure('s', 'n', 0.07, 'ms', 1, 'b', { target: ISSUE21.ignoredCpu })), 'met', 'the limit itself meets a ≤ target');
    assert.equal(targetText(figure('s', 'n', 1, 'ms', 1, 'b')), '–');
  });

  test('the floor is kept in the figure (results.json) and the main table is unchanged by targets', () => {
    const s = intake();
    assert.deepEqual(s.figures[0]!.floor, bareCpu);
    assert.deepEqual(s.figures[0]!.target, ISSUE21.ignoredCpu);
    assert.match(table([s]), /^\| stage +\| figure +\| value +\| baseline +\| ratio +\| baseline is +\|/);
  });
});
