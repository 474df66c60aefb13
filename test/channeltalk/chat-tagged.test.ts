// Issue 19 item 6: a tag added to an open chat. No webhook scope delivers a
// chat's tags, but a tag that a support bot or a Workflow adds arrives as a
// bot log message (`log.action: addTags`, channel-talk.md "Webhooks"): that
// log is the `chatTagged` event. The fixture bot-message-log-add-tags.json is
// shaped from that description and the bot message fixture's envelope.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize } from '../../src/channeltalk/normalize.js';
import { isTakeover, type ChatTaggedEvent, type Event } from '../../src/channeltalk/event.js';
import { MAX_ADDED_TAGS, MAX_TAG_LENGTH } from '../../src/channeltalk/tags.js';
import { webhook } from '../support/fixtures.js';

/** The fixture with its message entity's `log` (and any other entity field) replaced. */
function withEntity(over: Record<string, unknown>, refersChat: Record<string, unknown> = {}): Record<string, unknown> {
  const body = webhook('bot-message-log-add-tags');
  const refers = body.refers as Record<string, Record<string, unknown>>;
  return { ...body, entity: { ...(body.entity as object), ...over }, refers: { ...refers, userChat: { ...refers.userChat, ...refersChat } } };
}
const log = (over: Record<string, unknown>) => ({ log: { action: 'addTags', values: ['환불결제조회'], triggerType: 'workflow', triggerId: '58120', ...over } });

function tagged(e: Event): ChatTaggedEvent {
  if (e.kind !== 'chatTagged') assert.fail(`read as ${e.kind}${e.kind === 'ignored' ? `: ${e.reason}` : ''}, not chatTagged`);
  return e;
}

describe('a tag added by a bot or a Workflow (log addTags) is a chatTagged event', () => {
  test('the delivery as described: the tags added, the chat, its customer, channel, time and who added them', () => {
    const e = tagged(normalize(webhook('bot-message-log-add-tags')));
    assert.deepEqual(e.tags, ['환불결제조회']);
    assert.equal(e.chatId, '6c3d4e5f60718293a4b5');
    assert.equal(e.userId, '5f0e1d2c3b4a59687731');
    assert.equal(e.channelId, '95334');
    assert.equal(e.occurredAt, 1795470512300);
    assert.equal(e.messageId, 'msg1c40c7bb531000021');
    assert.deepEqual(e.addedBy, { type: 'workflow', id: '58120' });
    assert.equal(e.dedupeKey, 'chatTagged:msg1c40c7bb531000021');
    assert.deepEqual(e.workflow, { id: '58120', sectionPath: ['p9x1Qe', 'r2Tk7w'] });
    assert.equal(e.profile?.temp_refund_menu, '샐러드 정기배송 2식 (123,000원)');
    assert.equal(e.language, 'ko');
    assert.equal(isTakeover(e), false);
  });

  test('the other envelope reading (event: message.created.userChat) is the same event', () => {
    const body = { ...webhook('bot-message-log-add-tags'), event: 'message.created.userChat', type: undefined };
    assert.deepEqual(tagged(normalize(body)).tags, ['환불결제조회']);
  });

  test('the action is matched without regard to case; the added tags keep their spelling', () => {
    assert.deepEqual(tagged(normalize(withEntity(log({ action: 'ADDTAGS', values: ['VIP 고객'] })))).tags, ['VIP 고객']);
  });

  test('a support bot, or a log with no trigger named, adds tags too', () => {
    assert.deepEqual(tagged(normalize(withEntity(log({ triggerType: 'supportBot', triggerId: 43684 })))).addedBy, { type: 'supportBot', id: '43684' });
    const bare = tagged(normalize(withEntity({ log: { action: 'addTags', values: ['환불결제조회'] } })));
    assert.deepEqual(bare.addedBy, { type: null, id: null });
  });

  test('a trigger type or id that is not a word or an id is not repeated', () => {
    const e = tagged(normalize(withEntity(log({ triggerType: 'x'.repeat(200), triggerId: '../users' }))));
    assert.deepEqual(e.addedBy, { type: null, id: null });
  });

  test(`bounded: at most ${MAX_ADDED_TAGS} tags (a chat holds no more), each at most ${MAX_TAG_LENGTH} characters, text only, each once`, () => {
    const many = Array.from({ length: 40 }, (_, i) => `tag${i}`);
    assert.deepEqual(tagged(normalize(withEntity(log({ values: many })))).tags, many.slice(0, MAX_ADDED_TAGS));
    const odd = [' 환불결제조회 ', 'x'.repeat(MAX_TAG_LENGTH + 1), 7, null, { a: 1 }, '', '   ', '환불결제조회', 'VIP'];
    assert.deepEqual(tagged(normalize(withEntity(log({ values: odd })))).tags, ['환불결제조회', 'VIP']);
    assert.equal(tagged(normalize(withEntity(log({ values: ['x'.repeat(MAX_TAG_LENGTH)] })))).tags[0]?.length, MAX_TAG_LENGTH);
  });

  test('an addTags log without a usable tag is ignored, with the reason', () => {
    for (const values of [[], [7, ''], undefined, 'VIP']) {
      const e = normalize(withEntity(log({ values })));
      assert.equal(e.kind, 'ignored', JSON.stringify(values));
      if (e.kind === 'ignored') assert.match(e.reason, /addTags log without a tag/);
    }
  });

  test('tags added to a chat that is not open start nothing', () => {
    for (const state of ['closed', 'snoozed', 'solved']) {
      const e = normalize(withEntity({}, { state }));
      assert.equal(e.kind, 'ignored', state);
      if (e.kind === 'ignored') assert.match(e.reason, /not open/);
    }
    assert.equal(normalize(withEntity({}, { state: undefined })).kind, 'chatTagged', 'a chat without a state is taken as open, as elsewhere');
  });
});

describe('what a chatTagged event is not', () => {
  test('a tag a manager adds: the log names the manager (triggerType manager): not a chatTagged event', () => {
    const e = normalize(withEntity({ personType: 'user', personId: '5f0e1d2c3b4a59687731', ...log({ triggerType: 'manager', triggerId: '228036' }) }));
    assert.equal(e.kind, 'ignored');
    if (e.kind === 'ignored') assert.match(e.reason, /manager/);
    const asBot = normalize(withEntity(log({ triggerType: 'Manager', triggerId: '228036' })));
    assert.equal(asBot.kind, 'ignored');
  });

  test("an addTags log under a manager's name stays what a manager's message is today: a takeover", () => {
    const e = normalize(withEntity({ personType: 'manager', personId: '228036', ...log({ triggerType: 'manager', triggerId: '228036' }) }));
    assert.equal(e.kind, 'managerMessage');
    assert.equal(isTakeover(e), true);
  });

  test('removing tags, and tags added to the customer (addUserTags), are not chatTagged', () => {
    assert.equal(normalize(withEntity(log({ action: 'removeTags' }))).kind, 'botMessage');
    assert.equal(normalize(withEntity(log({ action: 'addUserTags' }))).kind, 'botMessage');
    assert.equal(normalize(webhook('rec-message-log-user-tags')).kind, 'managerMessage');
  });

  test('the other log actions are read as before', () => {
    assert.equal(normalize(webhook('user-message-log-close')).kind, 'chatClosed');
    assert.equal(normalize(webhook('user-message-log-assign')).kind, 'chatAssigned');
    assert.equal(normalize(webhook('user-message-log-other')).kind, 'ignored');
  });
});
