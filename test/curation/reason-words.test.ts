// A plan's reason as catalogue words (curation/reason-words.ts) beside its
// English: every path of plan() gives words, the English stays as it was
// (logs, the CLI and curl read it), the words hold keys and the curation's
// own text only (never an answer), and labels come from the file, a text or
// one per console language, for fields and computed values alike.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { formatLoadError, loadCurations, plan, type Curation } from '../../src/curation/index.js';
import { parseReasonWords, reasonColumns, REASON_CODES } from '../../src/curation/reason-words.js';
import { loadCatalogue, render } from '../../src/server/console/messages.js';
import { labelsOf } from '../../src/server/console/labels.js';
import { chatOpened, minimalCuration, ROOT, tempDir } from './helpers.js';

const FILE = `fields:
  weight: { type: number, unit: kg, min: 20, max: 300, label: { ko: 체중, en: Body weight } }
  note: { type: text, required: false, label: 메모 }
  goal:
    type: option
    options: { lose: [감량], keep: [유지] }
  agree: { type: boolean, consent: true }
compute:
  bmr: { expr: "weight > 250 ? fail('too heavy for this formula') : weight * 22", label: { ko: 기초대사량, en: BMR } }
  kcal: bmr * 1.2
messages:
  - text: "{{ kcal }} kcal"
fallback:
  messages:
    - text: 설문을 끝까지 작성해 주세요.
  ask:
    messages:
      - text: 체중만 알려 주세요.
        form:
          inputs:
            - { field: weight, label: 현재 체중 (kg) }
consentFallback:
  messages:
    - text: 동의가 필요해요.
`;

async function loadOne(body: string): Promise<Curation> {
  const r = await loadCurations(await tempDir({ 'c.yaml': minimalCuration(body) }));
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatLoadError).join('\n'));
  const c = r.set.byId('mini');
  assert.ok(c);
  return c;
}

// Answers with values that must never reach the words: a weight, a free text.
const SECRET_NOTE = '비밀 메모 010-1234-5678';
const run = (c: Curation, profile: Record<string, unknown>, opts: { ask?: boolean } = {}) =>
  plan(c, chatOpened({ profile }), profile, { runId: 'r_words', now: Date.parse('2026-12-07T01:00:00Z'), ...opts });
const noValueIn = (words: unknown, ...values: Array<string | number>) => {
  const text = JSON.stringify(words);
  for (const v of values) assert.ok(!text.includes(String(v)), `the words hold no answer (${String(v)}): ${text}`);
};

describe('a plan says why as words, beside its English', () => {
  test('answers missing or odd, asked in the chat: the problems by key and kind, then the ask', async () => {
    const c = await loadOne(FILE);
    const p = run(c, { weight: 512, goal: '감량', note: SECRET_NOTE, agree: true });
    assert.equal(p.outcome, 'ask');
    assert.equal(p.reason, 'required answers are missing or odd: weight (out_of_range); asked in the chat');
    assert.deepEqual(p.reasonWords, [
      { code: 'answersMissing', params: { problems: ['weight:out_of_range'] } },
      { code: 'askedInChat', params: {} },
    ]);
    noValueIn(p.reasonWords, 512, SECRET_NOTE);
    // A problem the form cannot fix (goal): the plain fallback, the words without the ask.
    const fallback = run(c, { weight: 512, agree: true });
    assert.equal(fallback.outcome, 'fallback');
    assert.equal(fallback.reason, 'required answers are missing or odd: weight (out_of_range), goal (missing)');
    assert.deepEqual(fallback.reasonWords, [{ code: 'answersMissing', params: { problems: ['weight:out_of_range', 'goal:missing'] } }]);
  });

  test('no consent: the consent fields by key', async () => {
    const p = run(await loadOne(FILE), { weight: 70, goal: '감량', agree: false, note: SECRET_NOTE });
    assert.equal(p.reason, 'the customer has not consented (agree is not true)');
    assert.deepEqual(p.reasonWords, [{ code: 'noConsent', params: { fields: ['agree'] } }]);
    noValueIn(p.reasonWords, SECRET_NOTE);
  });

  test("fail('…') in the file: its own text and place; a value that cannot be computed: its name", async () => {
    const c = await loadOne(FILE);
    const chosen = run(c, { weight: 280, goal: '감량', agree: true });
    assert.equal(chosen.reason, 'too heavy for this formula (compute.bmr)');
    assert.deepEqual(chosen.reasonWords, [{ code: 'chosen', params: { text: 'too heavy for this formula', place: 'compute.bmr' } }]);
    noValueIn(chosen.reasonWords, 280);
    const broken = await loadOne(FILE.replace('kcal: bmr * 1.2', 'kcal: "weight == 123 ? bmr / 0 : bmr"'));
    const p = run(broken, { weight: 123, goal: '감량', agree: true });
    assert.match(p.reason ?? '', /^could not compute 'kcal': /);
    assert.equal(p.reasonWords?.[0]?.code, 'computeFailed');
    assert.equal(p.reasonWords?.[0]?.params.value, 'kcal');
    noValueIn(p.reasonWords, 123);
  });

  test('a sequence has no reason and no words', async () => {
    const p = run(await loadOne(FILE), { weight: 70, goal: '감량', agree: true });
    assert.equal(p.outcome, 'sequence');
    assert.equal(p.reason, null);
    assert.equal(p.reasonWords, undefined);
  });

  test('stored as JSON beside the English, read back; a row without words (or with unknown ones) reads as none', () => {
    const columns = reasonColumns({ text: 'no curation matched', words: [{ code: 'noCurationMatched', params: {} }] });
    assert.deepEqual(columns, { reason: 'no curation matched', reason_words: '[{"code":"noCurationMatched","params":{}}]' });
    assert.deepEqual(parseReasonWords(columns.reason_words), [{ code: 'noCurationMatched', params: {} }]);
    assert.deepEqual(reasonColumns({ text: 'x', words: [] }), { reason: 'x', reason_words: null });
    for (const junk of [null, '', 'not json', '{}', '[]', '[{"code":"noSuchCode","params":{}}]']) assert.equal(parseReasonWords(junk), null, String(junk));
  });

  test('the console words them in Korean and English under the labels: 체중 범위 밖, Body weight out of range', () => {
    const ko = loadCatalogue('ko');
    const en = loadCatalogue('en');
    for (const code of REASON_CODES) assert.ok(ko[`reason.${code}`] && en[`reason.${code}`], code);
    assert.equal(render(ko, 'problem.out_of_range', { label: '체중' }), '체중 범위 밖');
    assert.equal(render(ko, 'problem.missing', { label: '배송 요일' }), '배송 요일 누락');
    assert.equal(render(en, 'problem.out_of_range', { label: 'Body weight' }), 'Body weight out of range');
  });
});

describe('labels', () => {
  test('a field label is a text or one per console language; a computed value may have one ({expr, label})', async () => {
    const c = await loadOne(FILE);
    assert.deepEqual(labelsOf(c), {
      fields: { weight: { ko: '체중', en: 'Body weight' }, note: '메모' },
      values: { bmr: { ko: '기초대사량', en: 'BMR' } },
    });
    assert.deepEqual(c.valueNames, ['bmr', 'kcal']);
  });

  test("refund-menu's delivery field (profile key temp_refund_delivery) is 배송 요일", async () => {
    const r = await loadCurations(path.resolve(ROOT, 'examples/curations'));
    assert.ok(r.ok);
    const labels = labelsOf(r.set.byId('refund-menu'));
    assert.deepEqual(labels.fields.temp_refund_delivery, { ko: '배송 요일', en: 'Delivery days' });
  });

  test('a label in another language, or empty, is refused at load', async () => {
    for (const label of ['{ fr: poids }', "''"]) {
      const r = await loadCurations(await tempDir({ 'c.yaml': minimalCuration(FILE.replace('label: { ko: 체중, en: Body weight }', `label: ${label}`)) }));
      assert.equal(r.ok, false, label);
      if (!r.ok) assert.match(r.errors.map(formatLoadError).join('\n'), /fields\.weight\.label/, label);
    }
  });
});
