// Event and run ids are stored and sent (a message's requestId is its run id
// and seq): however they are computed, the same key must give the same id as
// every earlier version did, or a redelivery after an upgrade would be a new event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventIdFor, runIdFor } from '../../src/delivery/ids.js';

test('eventIdFor and runIdFor give the ids earlier versions stored', () => {
  // Computed with createHash('sha256').update(key).digest('base64url').slice(0, 22), the first implementation.
  assert.equal(eventIdFor('1/chatOpened:abc'), 'e_3_0Om0VsJHBpKAD3mqY-RQ');
  assert.equal(runIdFor('diet-main', '1/chatOpened:abc'), 'r_fXnfBU89mmATbOQCcY891C');
  assert.equal(eventIdFor('한국어 키'), 'e_rwbQKO2__mx2i_aKVO64TO');
});
