// runGoldenTests(): each case is planned with the same plan() as the service,
// and every kind of mismatch is reported with a diff a person can act on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLoadError, loadCurations, plan, type Curation } from '../../src/curation/index.js';
import { runGoldenTests, visibleTexts } from '../../src/curation/golden.js';
import { tempDir } from './helpers.js';
import { PASSING_TESTS, withTests } from './golden-fixture.js';

async function curation(text: string): Promise<Curation> {
  const result = await loadCurations(await tempDir({ 'c.yaml': text }));
  assert.ok(result.ok, result.ok ? '' : result.errors.map(formatLoadError).join('\n'));
  return result.set.byId('mini')!;
}

/** One failing case: its report entry. */
async function failing(tests: string) {
  const report = runGoldenTests(await curation(withTests(tests)));
  assert.equal(report.failed, 1, JSON.stringify(report, null, 2));
  const result = report.cases[0]!;
  assert.equal(result.passed, false);
  return result;
}

describe('runGoldenTests', () => {
  test('cases worked out by hand pass', async () => {
    const report = runGoldenTests(await curation(withTests(PASSING_TESTS)));
    assert.deepEqual(
      report.cases.map((c) => [c.name, c.passed, c.diff]),
      [
        ['plus plan, in the old year', true, []],
        ['basic plan, new year in Seoul, in English', true, []],
        ['a missing weight falls back', true, []],
        ['no consent, no fallback for it, skipped', true, []],
      ],
    );
    assert.deepEqual([report.curationId, report.total, report.passed, report.failed], ['mini', 4, 4, 0]);
  });

  test('a curation without tests: nothing to run, nothing failed', async () => {
    const report = runGoldenTests(await curation(withTests('')));
    assert.deepEqual([report.total, report.passed, report.failed, report.cases], [0, 0, 0, []]);
  });

  test('the texts it compares are those of the same plan() the service sends', async () => {
    const c = await curation(withTests(''));
    const p = plan(c, null, { weight: 72.5, planChoice: '플러스', agree: true }, { runId: 'x', now: 0 });
    assert.deepEqual(visibleTexts(p), ['물 **2.2 L** 💧', '가격 12,000원\n[ 주문 ] → https://shop.example/order?price=12000']);
  });

  test('a wrong outcome: expected and actual, with the reason', async () => {
    const result = await failing('tests:\n  - name: weightless\n    profile: { planChoice: 기본, agree: true }\n    expect: { outcome: sequence }\n');
    assert.deepEqual(result.mismatches, [{ kind: 'outcome', expected: 'sequence', actual: 'fallback', reason: 'required answers are missing or odd: weight (missing)' }]);
    assert.deepEqual(result.diff, ['outcome: expected sequence, got fallback (required answers are missing or odd: weight (missing))']);
  });

  test('a wrong value: its name, expected and actual; a value the plan did not compute says so', async () => {
    const ok = await failing("tests:\n  - name: rounding\n    profile: { weight: '72.5', planChoice: 기본, agree: true }\n    expect:\n      values: { water: 2.1, price: 9000 }\n");
    assert.deepEqual(ok.mismatches, [{ kind: 'value', name: 'water', expected: 2.1, actual: 2.2 }]);
    assert.deepEqual(ok.diff, ['values.water: expected 2.1, got 2.2']);

    const fell = await failing('tests:\n  - name: fell back\n    profile: { agree: true }\n    expect:\n      values: { price: 9000 }\n');
    assert.deepEqual(fell.diff, ['values.price: expected 9000, got nothing (the plan is fallback: values are computed only for a sequence)']);

    const text = await failing("tests:\n  - name: a text for a number\n    profile: { weight: 60, planChoice: 기본, agree: true }\n    expect:\n      values: { price: '9000' }\n");
    assert.deepEqual(text.diff, ['values.price: expected "9000", got 9000']);
  });

  test('a wrong message: its number and both texts, with where they part', async () => {
    const result = await failing(
      'tests:\n  - name: wording\n    profile: { weight: 60, planChoice: 플러스, agree: true }\n    expect:\n      messages:\n        - "물 **1.8 L** 💧"\n        - |-\n          가격 12,000원\n          [ 주문하기 ] → https://shop.example/order?price=12000\n',
    );
    assert.deepEqual(result.mismatches, [
      { kind: 'message', index: 1, expected: '가격 12,000원\n[ 주문하기 ] → https://shop.example/order?price=12000', actual: '가격 12,000원\n[ 주문 ] → https://shop.example/order?price=12000' },
    ]);
    assert.deepEqual(result.diff, [
      'message #2 differs at line 2, column 5:',
      '  expected:',
      '    가격 12,000원',
      '    [ 주문하기 ] → https://shop.example/order?price=12000',
      '  actual:',
      '    가격 12,000원',
      '    [ 주문 ] → https://shop.example/order?price=12000',
    ]);
  });

  test('a missing or an extra message: the count, and each text on its side', async () => {
    const fewer = await failing('tests:\n  - name: fewer\n    profile: { weight: 60, planChoice: 기본, agree: true }\n    expect:\n      messages: ["물 **1.8 L** 💧"]\n');
    assert.deepEqual(fewer.diff, [
      'messages: expected 1, got 2',
      'message #2 was sent but is not expected:',
      '  actual:',
      '    가격 9,000원',
      '    [ 주문 ] → https://shop.example/order?price=9000',
    ]);
    const more = await failing('tests:\n  - name: more\n    profile: { agree: true }\n    expect:\n      messages: [설문을 마쳐 주세요, 고마워요]\n');
    assert.deepEqual(more.diff, ['messages: expected 2, got 1', 'message #2 is expected but was not sent:', '  expected:', '    고마워요']);
  });

  test('wrong problems: both lists', async () => {
    const result = await failing("tests:\n  - name: odd\n    profile: { weight: '72lb', agree: true }\n    expect:\n      problems: { weight: missing }\n");
    assert.deepEqual(result.mismatches, [{ kind: 'problems', expected: { weight: 'missing' }, actual: { weight: 'not_a_number', planChoice: 'missing' } }]);
    assert.deepEqual(result.diff, ['problems: expected weight missing; got weight not_a_number, planChoice missing']);
  });

  test('every mismatch of a case is reported, and the other cases still run', async () => {
    const report = runGoldenTests(
      await curation(
        withTests(
          `${PASSING_TESTS}  - name: all wrong\n    profile: { agree: true }\n    expect:\n      outcome: sequence\n      values: { water: 1 }\n      problems: {}\n      messages: []\n`,
        ),
      ),
    );
    assert.deepEqual([report.total, report.passed, report.failed], [5, 4, 1]);
    const last = report.cases[4]!;
    assert.equal(last.name, 'all wrong');
    assert.deepEqual(
      last.mismatches.map((m) => m.kind),
      ['outcome', 'value', 'problems', 'messageCount', 'message'],
    );
  });
});
