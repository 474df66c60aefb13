// runGoldenTests(): each case is planned with the same plan() as the service,
// and every kind of mismatch is reported with a diff a person can act on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLoadError, loadCurations, plan, type Curation } from '../../src/curation/index.js';
import { runGoldenTests, visibleTexts, type GoldenCaseResult } from '../../src/curation/golden.js';
import { mismatchLines } from '../../src/curation/golden-words.js';
import { loadCatalogue, renderWords } from '../../src/server/console/messages.js';
import { tempDir } from './helpers.js';
import { PASSING_TESTS, withTests } from './golden-fixture.js';

async function curation(text: string): Promise<Curation> {
  const result = await loadCurations(await tempDir({ 'c.yaml': text }));
  assert.ok(result.ok, result.ok ? '' : result.errors.map(formatLoadError).join('\n'));
  return result.set.byId('mini')!;
}

const catalogues = { en: loadCatalogue('en'), ko: loadCatalogue('ko') };
/** The case's diff as the console shows it (its lines' catalogue words), in one language. */
const shown = (r: GoldenCaseResult, lang: 'en' | 'ko') => r.lines.map((l) => ' '.repeat(l.indent) + renderWords(catalogues[lang], l.words));

/** One failing case: its report entry, whose lines in the console's English are its diff. */
async function failing(tests: string) {
  const report = runGoldenTests(await curation(withTests(tests)));
  assert.equal(report.failed, 1, JSON.stringify(report, null, 2));
  const result = report.cases[0]!;
  assert.equal(result.passed, false);
  assert.deepEqual(shown(result, 'en'), result.diff, 'the console words its diff as `curation check` does');
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
    assert.deepEqual(shown(last, 'en'), last.diff);
    assert.deepEqual(shown(last, 'ko'), [
      // The plan's reason is the plan's own sentence (still English there).
      '결과: 기대 정상 발송, 실제 대체 메시지 (required answers are missing or odd: weight (missing), planChoice (missing))',
      'values.water: 기대 1, 실제 없음 (결과가 대체 메시지입니다. 값은 정상 발송일 때만 계산합니다)',
      'problems: 기대 없음, 실제 weight missing, planChoice missing',
      '메시지 수: 기대 0개, 실제 1개',
      '메시지 1번은 보냈지만 기대하지 않은 메시지입니다:',
      '  실제:',
      '    설문을 마쳐 주세요',
    ]);
  });

  test('a value a sequence does not compute: the console words it too', async () => {
    // The loader refuses a case naming an unknown value; the wording is there all the same.
    const p = plan(await curation(withTests('')), null, { weight: 60, planChoice: '기본', agree: true }, { runId: 'x', now: 0 });
    assert.equal(p.outcome, 'sequence');
    const lines = mismatchLines({ kind: 'value', name: 'nothing', expected: 1, actual: undefined }, p);
    assert.deepEqual(lines.map((l) => renderWords(catalogues.en, l.words)), ['values.nothing: expected 1, got nothing (the plan has no such value)']);
    assert.deepEqual(lines.map((l) => renderWords(catalogues.ko, l.words)), ['values.nothing: 기대 1, 실제 없음 (그런 이름의 값이 없습니다)']);
  });
});
