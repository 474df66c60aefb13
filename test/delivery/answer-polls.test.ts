// The schedule of a waiting run's profile reads and what counts as its
// answer (delivery/answer-polls.ts), and their settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedAnswers, nextAnswerReadAt } from '../../src/delivery/answer-polls.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const T = 1_800_000_000_000;
const S = { firstMs: 20_000, capMs: 600_000 };

test('reads start fast and back off: 20 s, then each interval doubled, up to the cap', () => {
  const reads: number[] = [];
  let now = T;
  for (let i = 0; i < 9; i++) {
    now = nextAnswerReadAt(T, now, S);
    reads.push((now - T) / 1000);
  }
  // Intervals 20, 40, 80, 160, 320, then 600 (capped) each time.
  assert.deepEqual(reads, [20, 60, 140, 300, 620, 1220, 1820, 2420, 3020]);
});

test('the next read after any moment is the first scheduled one after it, in bounded work however long the wait', () => {
  assert.equal(nextAnswerReadAt(T, T, S), T + 20_000);
  assert.equal(nextAnswerReadAt(T, T + 19_999, S), T + 20_000);
  assert.equal(nextAnswerReadAt(T, T + 20_000, S), T + 60_000, 'a read at its own time schedules the next');
  assert.equal(nextAnswerReadAt(T, T + 150_000, S), T + 300_000, 'after a read brought forward by a message, the schedule goes on');
  const month = 30 * 86_400_000;
  const late = nextAnswerReadAt(T, T + month, { firstMs: 1_000, capMs: 1_000 });
  assert.equal(late, T + month + 1_000);
  assert.equal((nextAnswerReadAt(T, T + month, S) - (T + 620_000)) % 600_000, 0, 'on the capped grid');
  assert.ok(nextAnswerReadAt(T, T + month, S) > T + month);
});

test('the answer came when an asked key differs from the profile the run was planned with', () => {
  const planned = { height: 176, weight: 500 };
  assert.deepEqual(changedAnswers(['weight'], planned, { height: 176, weight: 72.5 }), ['weight']);
  assert.deepEqual(changedAnswers(['weight'], planned, { height: 176, weight: 500, email: 'a@example.com' }), [], 'another field changed: no answer');
  assert.deepEqual(changedAnswers(['weight'], { height: 176 }, { height: 176, weight: 70 }), ['weight'], 'missing, now given');
  assert.deepEqual(changedAnswers(['weight'], { height: 176 }, { height: 176, weight: null }), [], 'null is still missing');
  assert.deepEqual(changedAnswers(['weight'], { height: 176 }, { height: 176, weight: '' }), [], 'an empty text is still missing');
  assert.deepEqual(changedAnswers(['weight', 'age'], null, { age: 34 }), ['age'], 'no planned profile: a given key is new');
  assert.deepEqual(changedAnswers(['worries'], { worries: ['a'] }, { worries: ['a', 'b'] }), ['worries'], 'a list compared whole');
});

const base = { CHANNELTALK_ACCESS_KEY: 'k', CHANNELTALK_ACCESS_SECRET: 'very-secret-value', CHANNELTALK_WEBHOOK_TOKEN: 'tok' };

test('ANSWER_POLL_SECONDS and ANSWER_POLL_MAX_SECONDS: 20 s doubling up to 10 min by default; the cap may not be below the start', () => {
  assert.deepEqual(loadConfig(base, '/srv/app').answerPoll, { firstMs: 20_000, capMs: 600_000 });
  assert.deepEqual(loadConfig({ ...base, ANSWER_POLL_SECONDS: '5', ANSWER_POLL_MAX_SECONDS: '60' }, '/srv/app').answerPoll, { firstMs: 5_000, capMs: 60_000 });
  assert.throws(
    () => loadConfig({ ...base, ANSWER_POLL_SECONDS: '120', ANSWER_POLL_MAX_SECONDS: '60' }, '/srv/app'),
    (err: unknown) => err instanceof ConfigError && /ANSWER_POLL_MAX_SECONDS \(60\) must be at least ANSWER_POLL_SECONDS \(120\)/.test(err.lines.join('\n')),
  );
  assert.throws(() => loadConfig({ ...base, ANSWER_POLL_SECONDS: '0' }, '/srv/app'), (err: unknown) => err instanceof ConfigError && /ANSWER_POLL_SECONDS must be a whole number between 1 and 3600/.test(err.lines.join('\n')));
});
