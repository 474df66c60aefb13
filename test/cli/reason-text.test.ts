// `curation preview` in Korean words a plan's reason as the console does:
// every kind of param (fields and values under their labels, problems,
// an event kind, a wait), and the English sentence when a code is unknown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wordsIn } from '../../src/cli/lang.js';
import { durationText, problemText, reasonText } from '../../src/cli/reason-text.js';
import { reasonWords, type ReasonWords } from '../../src/curation/reason-words.js';

const ko = wordsIn('ko');
const labels = { fields: { weight: { ko: '체중', en: 'Body weight' }, age: 'Age only' }, values: { goalKcal: { en: 'Daily calorie goal' } } };

test('fields and problems under their labels, in the operator language, else the other language, else the key', () => {
  assert.equal(problemText({ field: 'weight', problem: 'missing' }, labels, ko), '체중 누락');
  assert.equal(reasonText('x', [reasonWords('noConsent', { fields: ['weight', 'age', 'height'] })], labels, ko), '고객이 동의하지 않았습니다 (체중, Age only, height)');
  assert.equal(reasonText('x', [reasonWords('answersMissing', { problems: ['weight:out_of_range', 'age:missing'] })], labels, ko), '필수 답변이 없거나 올바르지 않습니다: 체중 범위 밖, Age only 누락');
  assert.match(reasonText('x', [reasonWords('computeFailed', { value: 'goalKcal', detail: 'division by zero' })], labels, ko), /^'Daily calorie goal' 값을 계산하지 못했습니다: division by zero$/);
});

test('an event kind and a wait in words; parts joined as the console joins them', () => {
  const parts: ReasonWords[] = [reasonWords('humanTakeover', { event: 'chatClosed' }), reasonWords('noAnswerWithin', { waitMs: 200_000 })];
  assert.equal(reasonText('x', parts, labels, ko), '매니저가 상담을 이어받았습니다: 상담 종료 · 3분 20초 안에 상담에서 답변이 없었습니다');
});

test('a code the catalogue does not know keeps the English sentence', () => {
  const unknown = { code: 'fromTheFuture', params: {} } as unknown as ReasonWords;
  assert.equal(reasonText('the English sentence', [reasonWords('noChat'), unknown], labels, ko), 'the English sentence');
  assert.equal(reasonText('the English sentence', undefined, labels, ko), 'the English sentence');
});

test('durations as the console writes them', () => {
  assert.deepEqual([450, 1000, 2500, 60_000, 200_000, 3_600_000, 5_400_000, 86_400_000, 90_000_000].map((ms) => durationText(ms, ko)), ['450ms', '1초', '2.5초', '1분', '3분 20초', '1시간', '1시간 30분', '1일', '1일 1시간']);
});
