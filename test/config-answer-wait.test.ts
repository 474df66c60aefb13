// ANSWER_WAIT_MINUTES: how long a run that asked in the chat waits for the
// answer when its curation gives no wait; within the bounds of a curation's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';
import { MAX_ANSWER_WAIT_MS, MIN_ANSWER_WAIT_MS } from '../src/curation/ask.js';

const base = { CHANNELTALK_ACCESS_KEY: 'k', CHANNELTALK_ACCESS_SECRET: 'very-secret-value', CHANNELTALK_WEBHOOK_TOKEN: 'tok' };

function errorLine(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv/app');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.lines.join('\n');
  }
  assert.fail('expected a ConfigError');
}

test('the wait for an answer: a day by default, set in minutes', () => {
  assert.equal(loadConfig(base, '/srv/app').answerWaitMs, 86_400_000);
  assert.equal(loadConfig({ ...base, ANSWER_WAIT_MINUTES: '90' }, '/srv/app').answerWaitMs, 90 * 60_000);
});

test("out of a curation's own bounds (1 minute to 30 days), it is refused with what to write", () => {
  assert.equal(loadConfig({ ...base, ANSWER_WAIT_MINUTES: '1' }, '/srv/app').answerWaitMs, MIN_ANSWER_WAIT_MS);
  assert.equal(loadConfig({ ...base, ANSWER_WAIT_MINUTES: '43200' }, '/srv/app').answerWaitMs, MAX_ANSWER_WAIT_MS);
  for (const bad of ['0', '43201', 'a day', '1.5']) {
    assert.match(errorLine({ ...base, ANSWER_WAIT_MINUTES: bad }), /^config: ANSWER_WAIT_MINUTES must be a whole number between 1 and 43200$/);
  }
});
