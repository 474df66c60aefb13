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
  ];
  for (const [name, body, reason] of cases) {
    test(name, () => {
      assert.throws(() => normalize(body), (err: unknown) => err instanceof MalformedDeliveryError && reason.test(err.reason));
    });
  }
});

// Issue 10, item 16: a delivery shaped like Channel Talk's that we cannot act on
// is ignored (answered 2xx), not refused: Channel Talk blocks a webhook after
// 100 failed deliveries in a row.
describe('normalize: well-formed deliveries we cannot act on are ignored, not refused', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['message without id', { event: 'push', type: 'message', entity: { chatId: 'c', personType: 'user' } }, /entity\.id/],
    ['user chat message without chatId', { event: 'push', type: 'message', entity: { id: 'm', chatType: 'userChat', personType: 'user' } }, /chatId/],
    ['user chat without id', { event: 'push', type: 'userChat', entity: { state: 'opened' } }, /entity\.id/],
  ];
  for (const [name, body, reason] of cases) {
    test(name, () => {
      const e = normalize(body);
      assert.ok(e.kind === 'ignored', e.kind);
      assert.match(e.reason, reason);
      assert.equal(e.unusable, true);
    });
  }

  test('the message without id from the fixture: ignored with its reason, keyed by the body, without the profile', () => {
    const body = webhook('message-without-id');
    const e = normalize(body);
    assert.ok(e.kind === 'ignored');
    assert.match(e.reason, /entity\.id: a message needs an id/);
    assert.equal(e.unusable, true);
    assert.equal(e.profile, null);
    assert.equal(e.chatId, '6a1b2c3d4e5f60718307', 'the valid ids are kept, so an operator can find the chat');
    assert.match(e.dedupeKey, /^ignored:message:unusable:[0-9a-f]{24}$/);
    assert.equal(normalize(webhook('message-without-id')).dedupeKey, e.dedupeKey, 'the same delivery again is a duplicate');
    const other = normalize({ ...body, entity: { ...(body.entity as object), createdAt: 1 } });
    assert.notEqual(other.dedupeKey, e.dedupeKey, 'another delivery without id is another event');
  });
});

// Issue 10, item 11: every id that enters from a delivery must look like an id.
describe('normalize: ids are validated where they enter', () => {
  test('chat ids "." and ".." are ignored with a reason (they would climb out of /user-chats/ in a URL)', () => {
    const dotdot = normalize(webhook('user-chat-opened.dotdot-id'));
    assert.ok(dotdot.kind === 'ignored', dotdot.kind);
    assert.match(dotdot.reason, /entity\.id: must be an id/);
    assert.equal(dotdot.unusable, true);
    assert.equal(dotdot.chatId, null);
    const dot = normalize(webhook('user-message.dot-chat-id'));
    assert.ok(dot.kind === 'ignored', dot.kind);
    assert.match(dot.reason, /entity\.chatId: must be an id/);
    assert.equal(dot.chatId, null);
    for (const bad of ['.', '..', '../bots', 'a/b', 'a?b', 'a b', '', 'x'.repeat(65), '%2e%2e', '１２３', 1.5, true, { id: 'x' }]) {
      const body = webhook('user-chat-opened');
      const e = normalize({ ...body, entity: { ...(body.entity as object), id: bad } });
      assert.equal(e.kind, 'ignored', JSON.stringify(bad));
    }
  });

  test('real id shapes pass: hex strings, numeric strings and numbers, message ids, ids with - and _', () => {
    for (const good of ['6a1b2c3d4e5f60718293', '95334', 95334, 'msg1a20a5ff318000001', 'bot-1', 'a_b', 'x'.repeat(64)]) {
      const body = webhook('user-chat-opened');
      const e = normalize({ ...body, entity: { ...(body.entity as object), id: good } });
      assert.equal(e.kind, 'chatOpened', JSON.stringify(good));
      assert.equal(e.chatId, String(good));
    }
  });

  /** Sets `value` at `path` inside a fixture (a deep copy), creating objects on the way. */
  const setAt = (body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> => {
    let o = body;
    for (const k of path.slice(0, -1)) {
      const next = o[k];
      o = (o[k] = next !== null && typeof next === 'object' ? next : {}) as Record<string, unknown>;
    }
    o[path[path.length - 1]!] = value;
    return body;
  };
  const entryPoints: Array<[string, string, string, unknown, RegExp]> = [
    ['chat channel id', 'user-chat-opened', 'entity.channelId', '..', /entity\.channelId/],
    ['chat user id', 'user-chat-opened', 'entity.userId', '..', /entity\.userId/],
    ['chat assignee (a manager id)', 'user-chat-updated.assigned', 'entity.assigneeId', '../..', /entity\.assigneeId/],
    ['support bot id', 'user-chat-opened', 'entity.source.supportBot.id', '.', /entity\.source\.supportBot\.id/],
    ['legacy support bot id', 'user-chat-opened.legacy', 'entity.supportBot.id', '..', /entity\.supportBot\.id/],
    ['workflow id', 'user-chat-opened.workflow', 'entity.source.workflow.id', '..', /entity\.source\.workflow\.id/],
    ['workflow section id', 'user-chat-opened.workflow', 'entity.source.workflow.sectionPath', ['k3n2Ab', '..'], /entity\.source\.workflow\.sectionPath\.1/],
    ['refers.user id', 'user-chat-opened', 'refers.user.id', '.', /refers\.user\.id/],
    ['message id', 'user-message-keyword', 'entity.id', '..', /entity\.id/],
    ['message channel id', 'user-message-keyword', 'entity.channelId', '..', /entity\.channelId/],
    ['message person id (a user)', 'user-message-keyword', 'entity.personId', '..', /entity\.personId/],
    ['message person id (a manager)', 'manager-message', 'entity.personId', '..', /entity\.personId/],
    ['message person id (a bot)', 'bot-message', 'entity.personId', 'a.b', /entity\.personId/],
    ['refers.userChat user id', 'user-message-keyword', 'refers.userChat.userId', '..', /refers\.userChat\.userId/],
    ['refers.userChat channel id', 'user-message-keyword', 'refers.userChat.channelId', '..', /refers\.userChat\.channelId/],
    ['refers.userChat support bot id', 'user-message-keyword', 'refers.userChat.source.supportBot.id', '..', /refers\.userChat\.source\.supportBot\.id/],
    ['refers.userChat workflow id', 'user-message-keyword', 'refers.userChat.source.workflow', { id: '..' }, /refers\.userChat\.source\.workflow\.id/],
  ];
  for (const [name, fixture, path, value, where] of entryPoints) {
    test(`${name}: not an id, so the delivery is ignored with a reason that names the field (not the value)`, () => {
      const body = webhook(fixture);
      assert.notEqual(normalize(body).kind, 'ignored', 'the fixture itself is acted on');
      const e = normalize(setAt(body, path.split('.'), value));
      assert.ok(e.kind === 'ignored', `${name}: ${e.kind}`);
      assert.match(e.reason, where);
      assert.equal(e.unusable, true);
      assert.ok(!e.reason.includes('..'), 'the reason does not repeat the value');
      assert.equal(e.profile, null);
      for (const id of [e.chatId, e.userId, e.channelId, e.supportBotId, e.workflow?.id ?? null]) assert.ok(id === null || /^[A-Za-z0-9_-]{1,64}$/.test(id), `kept ${id}`);
    });
  }

  test('ids of deliveries we ignore anyway are checked too: a bad one is never stored', () => {
    const lead = normalize({ ...webhook('lead-upserted-contact'), entity: { ...(webhook('lead-upserted-contact').entity as object), id: '..', channelId: '../x' } });
    assert.equal(lead.kind, 'ignored');
    assert.equal(lead.userId, null);
    assert.equal(lead.channelId, null);
    assert.doesNotMatch(lead.dedupeKey, /\.\./);
  });
});

// Issue 10, item 14: an update of a chat is not a new chat; an assignment is a takeover.
describe('normalize: updates and assignments of a chat', () => {
  test('an update of an opened chat with an assignee is chatAssigned (a takeover), never chatOpened', () => {
    const e = normalize(webhook('user-chat-updated.assigned'));
    assert.equal(e.kind, 'chatAssigned');
    assert.ok(e.kind === 'chatAssigned' && e.assigneeId === '228036');
    assert.ok(isTakeover(e));
    assert.equal(e.chatId, '6a1b2c3d4e5f60718302');
    assert.equal(e.dedupeKey, 'chatAssigned:6a1b2c3d4e5f60718302:228036');
  });

  test('an update (or upsert) of an opened chat without an assignee starts nothing: it is ignored', () => {
    for (const event of ['update', 'upsert']) {
      const body = webhook('user-chat-updated.assigned');
      const { assigneeId: _a, managerIds: _m, ...entity } = body.entity as Record<string, unknown>;
      const e = normalize({ ...body, event, entity });
      assert.ok(e.kind === 'ignored', `${event}: ${e.kind}`);
      assert.match(e.reason, /not a new chat/);
      assert.equal(e.unusable, undefined, 'an update is a normal delivery, not a broken one');
    }
  });

  test('a chat already assigned in the delivery that opens it is still a new chat (desks that auto-assign at opening), in either envelope reading', () => {
    for (const name of ['user-chat-opened', 'user-chat-opened.scope-shape']) {
      const body = webhook(name);
      const e = normalize({ ...body, entity: { ...(body.entity as object), assigneeId: '228036' } });
      assert.equal(e.kind, 'chatOpened', name);
      const updated = normalize({ ...body, event: 'update', entity: { ...(body.entity as object), assigneeId: '228036' } });
      assert.equal(updated.kind, 'chatAssigned', `${name} as an update`);
    }
  });

  test('an assignee of null or "" is no assignee, not a bad id', () => {
    for (const assigneeId of [null, '']) {
      const body = webhook('user-chat-opened');
      assert.equal(normalize({ ...body, entity: { ...(body.entity as object), assigneeId } }).kind, 'chatOpened', JSON.stringify(assigneeId));
    }
  });

  test('managed alone (no assignee) is not an assignment: the opened fixture stays chatOpened', () => {
    const body = webhook('user-chat-opened');
    assert.equal((body.entity as Record<string, unknown>).managed, true);
    assert.equal(normalize(body).kind, 'chatOpened');
  });

  test('an update that closes the chat is still a takeover; a deleted chat counts as closed', () => {
    const body = webhook('user-chat-updated.assigned');
    const closed = normalize({ ...body, entity: { ...(body.entity as object), state: 'closed' } });
    assert.equal(closed.kind, 'chatClosed');
    const deleted = normalize({ ...body, event: 'delete' });
    assert.equal(deleted.kind, 'chatClosed');
    assert.ok(isTakeover(deleted));
  });

  test('an envelope event we do not know never opens a chat', () => {
    const body = webhook('user-chat-opened');
    const e = normalize({ ...body, event: 'somethingNew' });
    assert.equal(e.kind, 'ignored');
  });

  test('v5 states other than opened do not open a chat on push (snoozed, queued, initial, missed)', () => {
    for (const state of ['snoozed', 'queued', 'initial', 'missed']) {
      const body = webhook('user-chat-opened');
      assert.equal(normalize({ ...body, entity: { ...(body.entity as object), state } }).kind, 'ignored', state);
    }
  });
});

// Issue 10, item 15: chats started by a Workflow.
describe('normalize: workflows', () => {
  test('a chat started by a workflow carries the workflow id and the sections it went through', () => {
    const e = normalize(webhook('user-chat-opened.workflow'));
    assert.equal(e.kind, 'chatOpened');
    assert.equal(e.supportBotId, null);
    assert.deepEqual(e.workflow, { id: '58120', sectionPath: ['k3n2Ab', 'p9x1Qe'] });
  });

  test("a customer message reads the workflow from refers.userChat.source; the bot's message.workflow is not the chat's origin", () => {
    const body = webhook('user-message-keyword');
    const refers = body.refers as Record<string, Record<string, unknown>>;
    const userChat = { ...refers.userChat, source: { workflow: { id: '58120', revisionId: '204411', sectionPath: ['k3n2Ab'], traceId: 'ab12' } } };
    const e = normalize({ ...body, refers: { ...refers, userChat } });
    assert.equal(e.kind, 'userMessage');
    assert.deepEqual(e.workflow, { id: '58120', sectionPath: ['k3n2Ab'] });
    assert.equal(e.supportBotId, null);
    const plain = normalize(webhook('user-message-keyword'));
    assert.equal(plain.workflow, null);
  });

  test('numeric workflow and section ids become strings; a workflow without id is no workflow', () => {
    const body = webhook('user-chat-opened.workflow');
    const entity = body.entity as Record<string, Record<string, unknown>>;
    const numeric = normalize({ ...body, entity: { ...entity, source: { workflow: { id: 58120, sectionPath: [7, 'b'] } } } });
    assert.deepEqual(numeric.workflow, { id: '58120', sectionPath: ['7', 'b'] });
    const noId = normalize({ ...body, entity: { ...entity, source: { workflow: { sectionPath: ['a'] } } } });
    assert.equal(noId.kind, 'chatOpened');
    assert.equal(noId.workflow, null);
  });
});

// Issue 10, item 17: the older vocabulary, fully.
describe('normalize: the older vocabulary', () => {
  test('a legacy new chat (type "UserChat", state "unassigned", supportBot on the chat) is a chat opened', () => {
    const e = normalize(webhook('user-chat-opened.legacy'));
    assert.equal(e.kind, 'chatOpened');
    assert.equal(e.chatId, '6a1b2c3d4e5f60718303');
    assert.equal(e.supportBotId, '43684');
    assert.deepEqual(e.chatTags, ['식단큐레이션받기']);
    assert.equal(e.profile?.weight, 55);
  });

  test('state "open" is opened (also with an assignee when it opens); "assigned" is an assignment; "solved" is closed', () => {
    const body = webhook('user-chat-opened.legacy');
    const withState = (state: string, extra: Record<string, unknown> = {}) => normalize({ ...body, entity: { ...(body.entity as object), state, ...extra } });
    assert.equal(withState('open').kind, 'chatOpened');
    assert.equal(withState('OPEN').kind, 'chatOpened');
    assert.equal(withState('open', { assigneeId: '228036' }).kind, 'chatOpened');
    assert.equal(withState('unassigned', { assigneeId: '228036' }).kind, 'chatOpened');
    assert.equal(withState('assigned', { assigneeId: '228036' }).kind, 'chatAssigned');
    assert.equal(withState('solved').kind, 'chatClosed');
  });

  test('an update of a legacy chat is not a new chat either', () => {
    const e = normalize({ ...webhook('user-chat-opened.legacy'), event: 'update' });
    assert.equal(e.kind, 'ignored');
  });

  test('a legacy customer message (chatType "UserChat", personType "Veil") is a user message', () => {
    const e = normalize(webhook('user-message.legacy'));
    assert.equal(e.kind, 'userMessage');
    assert.ok(e.kind === 'userMessage' && e.text === '선물');
    assert.equal(e.chatId, '6a1b2c3d4e5f60718304');
    assert.equal(e.userId, '5f0e1d2c3b4a59687714');
    assert.equal(e.supportBotId, '43684', 'supportBot on the legacy refers.userChat');
    assert.deepEqual(e.chatTags, ['식단큐레이션받기']);
  });

  test('personType and chatType are read case-insensitively (User, Manager, Bot, userchat)', () => {
    const body = webhook('user-message-keyword');
    const entity = body.entity as Record<string, unknown>;
    assert.equal(normalize({ ...body, entity: { ...entity, personType: 'User', chatType: 'userchat' } }).kind, 'userMessage');
    assert.equal(normalize({ ...body, entity: { ...entity, personType: 'Manager' } }).kind, 'managerMessage');
    assert.equal(normalize({ ...body, entity: { ...entity, personType: 'Bot' } }).kind, 'botMessage');
    assert.equal(normalize({ ...body, entity: { ...entity, chatType: 'Group' } }).kind, 'ignored');
  });
});

// Every fixture, one line each: what it becomes.
describe('normalize: every webhook fixture', () => {
  const expected: Array<[string, string, RegExp?]> = [
    ['user-chat-opened', 'chatOpened'],
    ['user-chat-opened.scope-shape', 'chatOpened'],
    ['user-chat-opened.workflow', 'chatOpened'],
    ['user-chat-opened.legacy', 'chatOpened'],
    ['user-chat-updated.assigned', 'chatAssigned'],
    ['user-message-keyword', 'userMessage'],
    ['user-message.scope-shape', 'userMessage'],
    ['user-message.legacy', 'userMessage'],
    ['manager-message', 'managerMessage'],
    ['bot-message', 'botMessage'],
    ['bot-message-log-add-tags', 'chatTagged'],
    ['team-chat-message', 'ignored', /message\.created\.teamChat.*not acted on/],
    ['lead-upserted-contact', 'profileChanged'],
    ['lead-upserted-subscription', 'ignored', /lead\.upserted\.subscription.*not acted on/],
    ['lead-deleted', 'ignored', /lead\.deleted.*not acted on/],
    ['member-upserted-contact', 'profileChanged'],
    ['rec-message-form-submitted', 'profileChanged'],
    ['member-upserted-subscription', 'ignored', /member\.upserted\.subscription.*not acted on/],
    ['member-deleted', 'ignored', /member\.deleted.*not acted on/],
    ['message-without-id', 'ignored', /entity\.id/],
    ['user-chat-opened.dotdot-id', 'ignored', /entity\.id/],
    ['user-message.dot-chat-id', 'ignored', /entity\.chatId/],
  ];
  for (const [name, kind, reason] of expected) {
    test(`${name} → ${kind}`, () => {
      const e = normalize(webhook(name));
      assert.equal(e.kind, kind);
      if (e.kind === 'ignored') {
        assert.ok(reason?.test(e.reason), e.reason);
        assert.equal(e.profile, null);
      }
    });
  }

  test('lead and member deliveries keep the user id of the entity', () => {
    assert.equal(normalize(webhook('member-upserted-contact')).userId, '5f0e1d2c3b4a59687724');
    assert.equal(normalize(webhook('lead-deleted')).userId, '5f0e1d2c3b4a59687723');
  });
});

// Issue 12 item 4: which delivery says the customer answered a form. The form's
// inputs are bound to user.profile.*, so Channel Talk writes the answers into
// the profile and announces the user's upsert (lead or member .upserted.contact,
// the entity being the User with its whole profile): that is the dependable one.
// The update of the form's message (form.submittedAt) has been recorded too,
// though no documented scope promises it; it is accepted as well.
describe('normalize: an answer to a form (profileChanged)', () => {
  test('member.upserted.contact: the user, the whole profile, no chat', () => {
    const e = normalize(webhook('member-upserted-contact'));
    assert.equal(e.kind, 'profileChanged');
    if (e.kind !== 'profileChanged') return;
    assert.equal(e.via, 'userUpsert');
    assert.equal(e.userId, '5f0e1d2c3b4a59687724');
    assert.equal(e.channelId, '95334');
    assert.equal(e.chatId, null);
    assert.deepEqual(e.keys, []);
    assert.equal(e.profile?.email, '687724@example.com');
    assert.equal(e.language, 'ko');
    assert.equal(e.dedupeKey, 'profileChanged:user:5f0e1d2c3b4a59687724:1795470390110', "the user's updatedAt tells two upserts apart");
    assert.equal(isTakeover(e), false);
  });

  test('lead.upserted.contact reads the same: a customer who is not signed in answers too', () => {
    const e = normalize(webhook('lead-upserted-contact'));
    assert.equal(e.kind, 'profileChanged');
    assert.equal(e.userId, '5f0e1d2c3b4a59687721');
    assert.equal(e.profile?.name, '한소리');
  });

  test("the other reading (type User, event upsert or update), as the fake sends it; without updatedAt its content keys it", () => {
    const entity = { id: 'u-1', channelId: '95334', type: 'member', name: '김하나', profile: { weight: 70 } };
    const a = normalize({ event: 'upsert', type: 'user', entity, refers: {} });
    assert.equal(a.kind, 'profileChanged');
    assert.equal(a.profile?.name, '김하나', 'the name joins the profile, as for a chat');
    assert.equal(normalize({ event: 'update', type: 'User', entity }).kind, 'profileChanged');
    assert.equal(normalize({ event: 'upsert', type: 'user', entity, refers: {} }).dedupeKey, a.dedupeKey, 'the same delivery again is a duplicate');
    assert.notEqual(normalize({ event: 'upsert', type: 'user', entity: { ...entity, profile: { weight: 71 } } }).dedupeKey, a.dedupeKey, 'another change is not');
    assert.doesNotMatch(a.dedupeKey, /70/);
    const v = normalize({ event: 'member.upserted.contact', type: 'User', entity: { ...entity, version: 4 } });
    assert.equal(v.dedupeKey, 'profileChanged:user:u-1:v4');
    // A push of a user, a subscription change and a deletion are no profile change.
    assert.equal(normalize({ event: 'push', type: 'user', entity }).kind, 'ignored');
    assert.equal(normalize(webhook('member-upserted-subscription')).kind, 'ignored');
    assert.equal(normalize(webhook('member-deleted')).kind, 'ignored');
  });

  test('an upsert without a usable user id is ignored (200), never acted on', () => {
    const body = webhook('member-upserted-contact');
    const noId = normalize({ ...body, entity: { ...(body.entity as object), id: undefined } });
    assert.equal(noId.kind, 'ignored');
    if (noId.kind === 'ignored') assert.equal(noId.unusable, true);
    assert.equal(normalize({ ...body, entity: { ...(body.entity as object), id: 'a/b' } }).kind, 'ignored');
  });

  test("the form's message update: the chat, the user, the keys its inputs write, never the values", () => {
    const e = normalize(webhook('rec-message-form-submitted'));
    assert.equal(e.kind, 'profileChanged');
    if (e.kind !== 'profileChanged') return;
    assert.equal(e.via, 'formSubmitted');
    assert.equal(e.chatId, '6b2c3d4e5f607182930a');
    assert.equal(e.userId, '5f1e2d3c4b5a69788817');
    assert.deepEqual(e.keys, ['mobileNumber', 'birthDate', 'weight', 'conditions'], 'user.profile.* only (userChat.profile.request is the chat\'s)');
    assert.equal(e.dedupeKey, 'profileChanged:form:msg1b30b6aa420000001:1795470450100');
    assert.equal(e.profile?.weight, 64.2, 'the profile as refers.user has it');
    const { profile: _p, ...rest } = e;
    const text = JSON.stringify(rest);
    for (const value of ['010-2345-6789', '64.2', '1987-04-12', '고혈압', '저녁 7시']) assert.ok(!text.includes(value), `${value} stays out of the event`);
  });

  test('a bot message whose form is not submitted is still a bot message; a submitted form without its user is ignored', () => {
    const body = webhook('rec-message-form-submitted');
    const entity = body.entity as Record<string, unknown>;
    const form = entity.form as Record<string, unknown>;
    const { submittedAt: _s, ...unsubmitted } = form;
    assert.equal(normalize({ ...body, entity: { ...entity, form: unsubmitted } }).kind, 'botMessage');
    const orphan = normalize({ ...body, refers: {} });
    assert.equal(orphan.kind, 'ignored');
    if (orphan.kind === 'ignored') assert.match(orphan.reason, /without the user/);
  });
});
