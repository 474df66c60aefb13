// A job's failure is shown in the console in the operator's language: each
// settlement (delivery/backoff.ts) carries catalogue words beside its English,
// and the English catalogue renders them to exactly the sentence logs and the
// CLI keep; the Korean says it without an English word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settleFailure, type Settlement } from '../../src/delivery/backoff.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError, ChannelTalkUnreadableAnswerError } from '../../src/channeltalk/errors.js';
import { loadCatalogue, renderWords } from '../../src/server/console/messages.js';

const en = loadCatalogue('en');
const ko = loadCatalogue('ko');
const NOW = Date.parse('2026-12-07T03:00:00Z');
const settle = (err: unknown, over: Partial<Parameters<typeof settleFailure>[1]> = {}): Settlement =>
  settleFailure(err, { ageMs: 1_000, maxAgeMs: 60_000, attempts: 2, now: NOW, random: () => 0.5, ...over });
const english = (s: Settlement) => ('fail' in s ? s.fail : s.note);

const cases: [string, Settlement][] = [
  ['refused with a code', settle(new ChannelTalkRejectedError({ status: 404, method: 'PATCH', path: '/open/v5/users/u1', code: 'not_found' }))],
  ['refused', settle(new ChannelTalkRejectedError({ status: 422, method: 'POST', path: '/open/v5/user-chats/c1/messages' }))],
  ['unreadable', settle(new ChannelTalkUnreadableAnswerError({ problem: 'too_large', status: 200, method: 'GET', path: '/open/v5/users/u1', limit: 1_048_576 }))],
  ['unavailable, retried', settle(new ChannelTalkUnavailableError({ reason: 'server_error', method: 'GET', path: '/open/v5/users/u1', status: 503 }))],
  ['unavailable, too old (attempts)', settle(new ChannelTalkUnavailableError({ reason: 'timeout', method: 'GET', path: '/open/v5/users/u1' }), { ageMs: 90_000 })],
  ['unavailable, too old (age only)', settle(new ChannelTalkUnavailableError({ reason: 'network', method: 'GET', path: '/open/v5/users/u1' }), { ageMs: 90_000, attempts: null })],
  ['asked to wait too long', settle(new ChannelTalkUnavailableError({ reason: 'rate_limited', method: 'POST', path: '/open/v5/user-chats/c1/messages', status: 429, retryAfterMs: 120_000 }))],
  ['another error', settle(new Error('socket hang up'))],
];

test("each settlement's words read, in English, as its own sentence", () => {
  for (const [name, s] of cases) assert.equal(renderWords(en, s.words), english(s), name);
});

test('in Korean, a refusal and an outage say it without an English sentence', () => {
  assert.equal(renderWords(ko, cases[0]![1].words), '채널톡이 요청을 거부했습니다 (HTTP 404, not_found)');
  assert.equal(renderWords(ko, cases[3]![1].words), '서버 오류 (HTTP 503)');
  assert.equal(renderWords(ko, cases[4]![1].words), '2번, 90초 동안 시도하다 그만두었습니다: 시간 초과');
  for (const [name, s] of cases.slice(0, 6)) assert.doesNotMatch(renderWords(ko, s.words).replace(/HTTP|not_found|GET|PATCH|\/open\/v5\/[\w/-]+/g, ''), /[A-Za-z]{3,}/, name);
});
