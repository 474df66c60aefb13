// Issue 17 items 3 (last bullet), 4 and 5: what Channel Talk delivers as
// messages that are not the customer writing (log, phone call, sticker), the
// support-bot button click that is, the log messages that say the desk took
// the chat, and the echo of our own message sent with actAsManager.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize } from '../../src/channeltalk/normalize.js';
import { isTakeover } from '../../src/channeltalk/event.js';
import { isOwnRequestId } from '../../src/channeltalk/ids.js';
import { runIdFor } from '../../src/delivery/ids.js';
import { webhook } from '../support/fixtures.js';

describe('system messages are not the customer writing', () => {
  for (const name of ['user-message-log-other', 'user-message-meet', 'user-message-sticker']) {
    test(`${name}: ignored, with a reason, no text and no takeover`, () => {
      const e = normalize(webhook(name));
      assert.equal(e.kind, 'ignored', `${name} must not be a userMessage`);
      assert.equal(isTakeover(e), false);
      if (e.kind === 'ignored') assert.match(e.reason, /not the customer writing/);
      assert.equal(e.profile, null);
    });
  }

  test('a support-bot button click is the customer choosing: a userMessage whose text is the plainText', () => {
    const e = normalize(webhook('user-message-button-click'));
    assert.equal(e.kind, 'userMessage');
    if (e.kind === 'userMessage') assert.equal(e.text, '🎁 선물');
  });
});

describe('log messages that say the desk took the chat are takeovers', () => {
  test('log close: chatClosed, keyed by the log message', () => {
    const e = normalize(webhook('user-message-log-close'));
    assert.equal(e.kind, 'chatClosed');
    assert.equal(e.chatId, '6a1b2c3d4e5f60718293');
    assert.equal(e.dedupeKey, 'chatClosed:6a1b2c3d4e5f60718293:log:msg1a20a5ff319000040');
    assert.equal(isTakeover(e), true);
  });

  test('log assign: chatAssigned, with the assignee the log names', () => {
    const e = normalize(webhook('user-message-log-assign'));
    assert.equal(e.kind, 'chatAssigned');
    if (e.kind === 'chatAssigned') assert.equal(e.assigneeId, '228036');
    assert.equal(isTakeover(e), true);
  });

  test('a manager log (tags added in the desk) is still a takeover by a manager, as before', () => {
    const e = normalize(webhook('rec-message-log-user-tags'));
    assert.equal(e.kind, 'managerMessage');
  });
});

describe('our own messages never count as a takeover', () => {
  test('our requestId is recognised: the form every run id takes', () => {
    assert.equal(isOwnRequestId(`${runIdFor('diet-main', '95334/chatOpened:abc')}-0`), true);
    assert.equal(isOwnRequestId(`${runIdFor('x', 'y')}-12`), true);
    assert.equal(isOwnRequestId('req-1a20a5ff319000007'), false);
    assert.equal(isOwnRequestId('r_short-1'), false);
  });

  test('the echo of an actAsManager message (personType manager, our requestId) is ignored, not a takeover', () => {
    const e = normalize(webhook('manager-message-own-echo'));
    assert.equal(e.kind, 'ignored');
    assert.equal(isTakeover(e), false);
    if (e.kind === 'ignored') assert.match(e.reason, /our own message/);
  });

  test('a manager message with a requestId that is not ours is still a takeover', () => {
    const e = normalize(webhook('manager-message'));
    assert.equal(e.kind, 'managerMessage');
  });
});
