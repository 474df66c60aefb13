// Loading a curation's `tests:` section: valid cases are kept with their
// moment, language and line; each mistake is a load error at its line, like
// any other problem of the file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { formatLoadError, loadCurations } from '../../src/curation/index.js';
import { goldenTestsOf } from '../../src/curation/golden.js';
import { MAX_GOLDEN_CASES } from '../../src/curation/golden-schema.js';
import { tempDir } from './helpers.js';
import { lineOf, PASSING_TESTS, withTests } from './golden-fixture.js';

async function load(text: string) {
  const dir = await tempDir({ 'c.yaml': text });
  return { result: await loadCurations(dir), file: path.join(dir, 'c.yaml') };
}

/** The load errors of the file, as `check` prints them (line, path, sentence), without the directory. */
async function problems(text: string): Promise<string[]> {
  const { result, file } = await load(text);
  assert.ok(!result.ok, 'the file loaded, but it should not');
  return result.errors.map((e) => formatLoadError({ ...e, file: path.basename(file) }));
}

describe('a tests: section', () => {
  test('valid cases load with their name, moment, language, profile, expectations and line', async () => {
    const text = withTests(PASSING_TESTS);
    const { result } = await load(text);
    assert.ok(result.ok, result.ok ? '' : result.errors.map(formatLoadError).join('\n'));
    const cases = goldenTestsOf(result.set.byId('mini')!);
    assert.equal(cases.length, 4);
    const [first, second, third] = cases;
    assert.equal(first?.name, 'plus plan, in the old year');
    assert.equal(first?.line, lineOf(text, '- name: plus plan'));
    assert.equal(first?.now, Date.UTC(2025, 11, 31, 23, 59, 59));
    assert.equal(first?.lang, null);
    assert.deepEqual(first?.profile, { weight: '72.5', planChoice: '플러스', agree: true });
    assert.deepEqual(first?.expect.values, { water: 2.2, price: 12000, late: false });
    // A shortcode in an expected text is its emoji, as in the messages themselves.
    assert.equal(first?.expect.messages?.[0], '물 **2.2 L** 💧');
    // +09:00 is taken into account: 09:00 in Seoul is midnight UTC.
    assert.equal(second?.now, Date.UTC(2026, 0, 1, 0, 0, 0));
    assert.equal(second?.lang, 'en');
    assert.equal(second?.index, 1);
    assert.deepEqual(third?.expect.problems, { weight: 'missing' });
    // Without now, a fixed moment: a case never depends on the day it runs.
    assert.equal(third?.now, Date.UTC(2025, 0, 1));
  });

  test('a curation without tests has none', async () => {
    const { result } = await load(withTests(''));
    assert.ok(result.ok);
    assert.deepEqual(goldenTestsOf(result.set.byId('mini')!), []);
  });

  const invalid: Array<[string, string, string, string]> = [
    // label, the tests: section, the marker of the line the error must be at, the error after `c.yaml:LINE `
    ['an unknown key', 'tests:\n  - name: a\n    expect:\n      valuse: { water: 2 }\n', 'valuse:', "tests[0].expect.valuse: unknown key 'valuse'"],
    ['an unknown outcome', 'tests:\n  - name: a\n    expect: { outcome: done }\n', 'outcome: done', 'tests[0].expect.outcome: must be one of sequence, fallback, skipped, ask'],
    ['a moment that is not ISO 8601', "tests:\n  - name: a\n    now: tomorrow\n    expect: { outcome: sequence }\n", 'now: tomorrow', 'tests[0].now: must be a moment in ISO 8601 with its offset, such as 2026-03-02T09:30:00+09:00 or 2026-03-02T00:30:00Z'],
    ['a moment without its offset', "tests:\n  - name: a\n    now: '2026-03-02T09:30:00'\n    expect: { outcome: sequence }\n", 'now:', 'tests[0].now: must be a moment in ISO 8601 with its offset, such as 2026-03-02T09:30:00+09:00 or 2026-03-02T00:30:00Z'],
    ['a day that does not exist', "tests:\n  - name: a\n    now: '2026-02-30T10:00:00+09:00'\n    expect: { outcome: sequence }\n", 'now:', "tests[0].now: '2026-02-30T10:00:00+09:00' is not a real moment (check the day, the month and the time)"],
    ['a language the curation does not speak', 'tests:\n  - name: a\n    lang: fr\n    expect: { outcome: sequence }\n', 'lang: fr', "tests[0].lang: 'fr' is not one of this curation's languages (ko, en)"],
    ['an unknown value', 'tests:\n  - name: a\n    expect:\n      values: { watr: 2.2 }\n', 'watr', "tests[0].expect.values.watr: unknown value 'watr': expect names under compute; did you mean 'water'?"],
    ['a profile key no field reads', 'tests:\n  - name: a\n    profile:\n      wieght: 70\n    expect: { outcome: sequence }\n', 'wieght', "tests[0].profile.wieght: 'wieght' is not a profile key this curation reads (weight, planChoice, agree); did you mean 'weight'?"],
    ['a field name instead of its profile key', 'tests:\n  - name: a\n    profile:\n      plan: 기본\n    expect: { outcome: sequence }\n', 'plan: 기본', "tests[0].profile.plan: the field 'plan' reads the profile key 'planChoice': give the answer under planChoice"],
    ['a problem on a key no field reads', 'tests:\n  - name: a\n    expect:\n      problems: { age: missing }\n', 'age: missing', "tests[0].expect.problems.age: 'age' is not a profile key this curation reads (weight, planChoice, agree)"],
    ['an unknown problem', 'tests:\n  - name: a\n    expect:\n      problems: { weight: absent }\n', 'weight: absent', 'tests[0].expect.problems.weight: must be one of missing, not_a_number, out_of_range, unknown_option, not_matching, wrong_type, no_consent'],
    ['an expectation of nothing', 'tests:\n  - name: a\n    expect: {}\n', 'expect: {}', 'tests[0].expect: expects nothing: give at least one of outcome, values, messages, problems'],
    ['no expect', 'tests:\n  - name: a\n', '- name: a', "tests[0]: 'expect' is required"],
    ['two cases with one name', 'tests:\n  - name: a\n    expect: { outcome: sequence }\n  - name: a # again\n    expect: { outcome: fallback }\n', '# again', "tests[1].name: another case is already named 'a' (tests[0]); give each case its own name"],
    ['a message that is not a text', 'tests:\n  - name: a\n    expect:\n      messages:\n        - { text: hi }\n', '{ text: hi }', 'tests[0].expect.messages[0]: must be a string, not a object'],
  ];
  for (const [label, tests, marker, error] of invalid) {
    test(`refuses ${label}, at its line`, async () => {
      const text = withTests(tests);
      assert.deepEqual(await problems(text), [`c.yaml:${lineOf(text, marker)} ${error}`]);
    });
  }

  test(`refuses more than ${MAX_GOLDEN_CASES} cases, at tests`, async () => {
    const many = Array.from({ length: MAX_GOLDEN_CASES + 1 }, (_, i) => `  - { name: 'case ${i}', expect: { outcome: sequence } }\n`).join('');
    const text = withTests(`tests:\n${many}`);
    assert.deepEqual(await problems(text), [
      `c.yaml:${lineOf(text, 'tests:')} tests: a curation may carry at most ${MAX_GOLDEN_CASES} golden test cases (each runs on every check and Publish)`,
    ]);
  });
});
