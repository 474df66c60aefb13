// The chat read before a message: what it stops on, and how long a clear read holds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatReadCache, stopOf, stopReason, stopsByVersion, type RunCurationRef } from '../../src/jobs/handlers/chat-check.js';
import type { ChatCheckStop } from '../../src/curation/types.js';
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

  test("a run's stops are looked up once per curation version; a run of no version, or a version not found, each time", async () => {
    const asked: Array<string | null> = [];
    const stops = stopsByVersion((run: RunCurationRef): Promise<readonly ChatCheckStop[] | undefined> => {
      asked.push(run.curation_version);
      return Promise.resolve(run.curation_version === 'ch/gone@1' ? undefined : run.curation_version === null ? ['closed'] : ['assigned', 'team']);
    });
    const v1 = { channel_id: 'ch', curation_id: 'diet-main', curation_version: 'ch/diet-main@1' };
    const live = { ...v1, curation_version: null };
    const gone = { ...v1, curation_version: 'ch/gone@1' };
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await stops(v1), ['assigned', 'team']);
      assert.deepEqual(await stops(live), ['closed']);
      assert.deepEqual(await stops(gone), []);
    }
    assert.deepEqual(asked.filter((v) => v === 'ch/diet-main@1'), ['ch/diet-main@1']);
    assert.equal(asked.filter((v) => v === null).length, 3);
    assert.equal(asked.filter((v) => v === 'ch/gone@1').length, 3);
  });

  test('at most `max` versions are kept, the oldest dropped first', async () => {
    const asked: string[] = [];
    const stops = stopsByVersion((run: RunCurationRef) => {
      asked.push(run.curation_version ?? 'live');
      return Promise.resolve<readonly ChatCheckStop[]>(['closed']);
    }, 2);
    const v = (n: number) => ({ channel_id: 'ch', curation_id: 'c', curation_version: `ch/c@${n}` });
    await stops(v(1));
    await stops(v(2));
    await stops(v(3)); // drops @1
    await stops(v(3));
    await stops(v(2));
    await stops(v(1));
    assert.deepEqual(asked, ['ch/c@1', 'ch/c@2', 'ch/c@3', 'ch/c@1']);
  });
});
