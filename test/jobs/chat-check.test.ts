// The chat read before a message: what it stops on, and how long a clear read holds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatReadCache, stopOf, stopReason } from '../../src/jobs/handlers/chat-check.js';
import { CHAT_CHECK_STOPS } from '../../src/curation/types.js';

const ALL = [...CHAT_CHECK_STOPS];

describe('chat read before a message', () => {
  test('an opened chat with no assignee and no team is clear', () => {
    assert.equal(stopOf({ id: 'c1', state: 'opened' }, ALL), null);
    assert.equal(stopOf({ id: 'c1', state: 'opened', assigneeId: null, teamId: null }, ALL), null);
  });

  test('closed, snoozed, assigned and given to a team are each found, and only when the curation stops on them', () => {
    assert.equal(stopOf({ id: 'c1', state: 'closed' }, ALL), 'closed');
    assert.equal(stopOf({ id: 'c1', state: 'snoozed' }, ALL), 'snoozed');
    assert.equal(stopOf({ id: 'c1', state: 'opened', assigneeId: '228036' }, ALL), 'assigned');
    assert.equal(stopOf({ id: 'c1', state: 'opened', teamId: '7001' }, ALL), 'team');
    assert.equal(stopOf({ id: 'c1', state: 'opened', assigneeId: '228036' }, ['closed']), null);
    assert.equal(stopOf({ id: 'c1', state: 'closed', assigneeId: '228036' }, ['assigned']), 'assigned');
  });

  test('the reason names what was found and the message it was read before (1-based)', () => {
    assert.equal(stopReason('team', 2), 'human takeover: chat given to a team (read before message 3)');
  });

  test('a clear read holds for the interval only; 0 never holds', () => {
    const c = new ChatReadCache(5000);
    c.noteClear('ch/c1', 1000);
    assert.equal(c.fresh('ch/c1', 5999), true);
    assert.equal(c.fresh('ch/c1', 6000), false);
    assert.equal(c.fresh('ch/c2', 1000), false);
    const never = new ChatReadCache(0);
    never.noteClear('ch/c1', 1000);
    assert.equal(never.fresh('ch/c1', 1000), false);
  });
});
