import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalize, MalformedDeliveryError } from '../../src/channeltalk/normalize.js';
import { isTakeover } from '../../src/channeltalk/event.js';
import { webhook } from '../support/fixtures.js';

describe('normalize: envelope readings', () => {
  test('push + type "userChat" is a chat opened, with tags, bot, profile and language', () => {
    const e = normalize(webhook('user-chat-opened'));
    assert.equal(e.kind, 'chatOpened');
    assert.equal(e.chatId, '6a1b2c3d4e5f60718293');
    assert.equal(e.channelId, '95334');
    assert.equal(e.userId, '5f0e1d2c3b4a59687706');
    assert.deepEqual(e.chatTags, ['식단큐레이션받기']);
    assert.equal(e.supportBotId, '43684');
    assert.equal(e.language, 'ko');
    assert.equal(e.profile?.weight, 72.5);
    assert.equal(e.dedupeKey, 'chatOpened:6a1b2c3d4e5f60718293');
  });

  test('scope-shaped envelope (event "userChat.opened", type "UserChat") reads the same', () => {
    const e = normalize(webhook('user-chat-opened.scope-shape'));
    assert.equal(e.kind, 'chatOpened');
    assert.equal(e.chatId, '6a1b2c3d4e5f60718299');
    assert.equal(e.supportBotId, '43684');
    assert.deepEqual(e.chatTags, ['식단큐레이션받기']);
  });

  test('type matched case-insensitively; scope "message.created.userChat" accepted', () => {
    const body = webhook('user-message-keyword');
    const upper = normalize({ ...body, type: 'Message' });
    assert.equal(upper.kind, 'userMessage');
    const scoped = normalize({ ...body, event: 'message.created.userChat', type: undefined });
    assert.equal(scoped.kind, 'userMessage');
  });

  test('user, manager and bot messages are told apart', () => {
    const user = normalize(webhook('user-message-keyword'));
    assert.equal(user.kind, 'userMessage');
    assert.ok(user.kind === 'userMessage' && user.text === '선물');
    assert.deepEqual(user.chatTags, ['식단큐레이션받기']);
    assert.equal(user.supportBotId, '43684');
    const manager = normalize(webhook('manager-message'));
    assert.equal(manager.kind, 'managerMessage');
    assert.ok(isTakeover(manager));
    const bot = normalize(webhook('bot-message'));
    assert.equal(bot.kind, 'botMessage');
    assert.ok(!isTakeover(bot));
  });

  test('text is taken from blocks when plainText is absent', () => {
    const body = webhook('user-message-keyword');
    const entity = { ...(body.entity as object), plainText: undefined, blocks: [{ type: 'text', value: '<b>gift</b>' }] };
    const e = normalize({ ...body, entity });
    assert.ok(e.kind === 'userMessage' && e.text === 'gift');
  });

  test('numeric ids become strings; unknown fields are ignored', () => {
    const body = webhook('user-chat-opened');
    const entity = { ...(body.entity as object), id: 12345, channelId: 95334, someNewField: { deep: true } };
    const e = normalize({ ...body, entity, brandNewTopLevel: 1 });
    assert.equal(e.chatId, '12345');
    assert.equal(e.channelId, '95334');
  });

  test('a user chat closed or assigned is a takeover', () => {
    const body = webhook('user-chat-opened');
    const closed = normalize({ ...body, entity: { ...(body.entity as object), state: 'closed' } });
    assert.equal(closed.kind, 'chatClosed');
    assert.ok(isTakeover(closed));
    const assigned = normalize({ ...body, entity: { ...(body.entity as object), state: 'assigned', assigneeId: '228036' } });
    assert.equal(assigned.kind, 'chatAssigned');
  });

  test('missing profile gives profile null; the name falls back to refers.user.name', () => {
    const body = webhook('user-chat-opened');
    const refers = body.refers as Record<string, Record<string, unknown>>;
    const noProfile = normalize({ ...body, refers: { ...refers, user: { ...refers.user, profile: undefined } } });
    assert.equal(noProfile.profile, null);
    const { name: _n, ...rest } = refers.user!.profile as Record<string, unknown>;
    const noName = normalize({ ...body, refers: { ...refers, user: { ...refers.user, profile: rest } } });
    assert.equal(noName.profile?.name, '홍길동');
    const noRefers = normalize({ ...body, refers: undefined });
    assert.equal(noRefers.kind, 'chatOpened');
    assert.equal(noRefers.profile, null);
  });

  test('deliveries we do not act on are ignored, with a reason and without the profile', () => {
    const lead = normalize({ event: 'push', type: 'user', entity: { id: 'u1' }, refers: {} });
    assert.equal(lead.kind, 'ignored');
    const team = normalize({ event: 'message.created.teamChat', type: 'Message', entity: { id: 'm1', chatType: 'group' } });
    assert.equal(team.kind, 'ignored');
    const groupMsg = normalize({ ...webhook('user-message-keyword'), entity: { ...(webhook('user-message-keyword').entity as object), chatType: 'group' } });
    assert.equal(groupMsg.kind, 'ignored');
    assert.equal(groupMsg.profile, null);
  });
});

describe('normalize: malformed deliveries', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['not an object', 'hello', /JSON object/],
    ['an array', [1, 2], /JSON object/],
    ['null', null, /JSON object/],
    ['no entity', { event: 'push', type: 'message' }, /entity/],
    ['entity not an object', { event: 'push', type: 'message', entity: 'x' }, /entity/],
    ['no type nor event', { entity: { id: 'x' } }, /neither type nor event/],
    ['message without id', { event: 'push', type: 'message', entity: { chatId: 'c', personType: 'user' } }, /id/],
    ['user chat message without chatId', { event: 'push', type: 'message', entity: { id: 'm', chatType: 'userChat', personType: 'user' } }, /chatId/],
    ['user chat without id', { event: 'push', type: 'userChat', entity: { state: 'opened' } }, /id/],
  ];
  for (const [name, body, reason] of cases) {
    test(name, () => {
      assert.throws(() => normalize(body), (err: unknown) => err instanceof MalformedDeliveryError && reason.test(err.reason));
    });
  }
});
