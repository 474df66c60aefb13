// messageMove is a table computed once (issue 21): each event's answer must
// equal what the lifecycle's nextMessage() gives state by state (the
// computation it replaced, spelled out here again), and be the same frozen
// answer every time, so no message write builds it anew.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MESSAGE_STATES, type MessageState } from '../../src/delivery/run-lifecycle.js';
import { IllegalMessageTransition, MESSAGE_EVENTS, messageMove, nextMessage, type MessageEvent } from '../../src/delivery/message-lifecycle.js';

/** The computation messageMove did on every call before the table: ask nextMessage() of every stored state. */
function computedMove(event: MessageEvent): { from: MessageState[]; to: MessageState } | { error: string } {
  const moves = MESSAGE_STATES.flatMap((from) => {
    const to = nextMessage(from, event);
    return to instanceof IllegalMessageTransition ? [] : [{ from, to }];
  });
  const targets = [...new Set(moves.map((m) => m.to))];
  if (targets.length !== 1) return { error: `the message event ${event} does not move stored messages to one state` };
  return { from: moves.map((m) => m.from), to: targets[0]! };
}

describe('messageMove', () => {
  test('equals the computation from nextMessage() for every event, errors included', () => {
    for (const event of MESSAGE_EVENTS) {
      const expected = computedMove(event);
      if ('error' in expected) {
        assert.throws(() => messageMove(event), { message: expected.error }, event);
        continue;
      }
      const got = messageMove(event);
      assert.deepEqual({ from: [...got.from], to: got.to }, expected, event);
    }
    // Only the insert's event moves no stored message.
    assert.deepEqual(
      MESSAGE_EVENTS.filter((e) => 'error' in computedMove(e)),
      ['planned'],
    );
  });

  test('is the same frozen answer on every call (computed once, not per write)', () => {
    for (const event of MESSAGE_EVENTS) {
      if (event === 'planned') continue;
      const a = messageMove(event);
      assert.equal(messageMove(event), a, `${event}: a new answer was built`);
      assert.ok(Object.isFrozen(a) && Object.isFrozen(a.from), `${event}: a caller could change the table`);
    }
  });
});
