// The fake accepts what Channel Talk's OpenAPI document (v27.40.6) accepts,
// no more and no less: every message part the document describes, and the
// limits it states (options non-empty and unique, 1 to 4 form inputs, ...),
// and what the public record shows where the document is loose: a form
// input's options are strings, as Channel Talk's own stored forms carry them.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { api, control, startTestFake } from './helpers.js';

let fake: FakeChannelTalk;
before(async () => {
  fake = await startTestFake();
});
after(async () => {
  await fake.close();
});
beforeEach(async () => {
  await control(fake, 'POST', '/reset');
});

const text = [{ type: 'text', value: 'x' }];
const file = { id: 'f1', name: 'plan.pdf', size: 1024, bucket: 'bin.channel.io', key: 'pub-file/95334/plan.pdf', contentType: 'application/pdf' };
const post = (body: unknown) => api(fake, 'POST', '/open/v5/user-chats/c1/messages', { body });

void describe('message parts the document describes are accepted', () => {
  const good: Array<[string, unknown]> = [
    ['files only', { files: [file] }],
    ['ten files', { files: Array.from({ length: 10 }, (_, i) => ({ ...file, id: `f${i}` })) }],
    ['a web page', { blocks: text, webPage: { id: 'wp1', url: 'https://shop.example/p/1', title: 'Salad box' } }],
    [
      'a custom form with number, date and select inputs, options as strings',
      {
        blocks: text,
        form: {
          type: 'custom',
          inputs: [
            { type: 'number', label: 'Weight (kg)', bindingKey: 'user.profile.weight', dataType: 'number' },
            { type: 'date', label: 'Birthday', bindingKey: 'user.profile.birthday' },
            { type: 'singleSelect', label: 'Goal', bindingKey: 'userChat.profile.goal', options: ['5Kg 이상의 감량을 원하세요?', '유지'] },
            { type: 'multiSelect', label: 'Worries', bindingKey: 'user.profile.worries', dataType: 'list', options: ['빠른 체중 감량 (3개월 이내)'] },
          ],
        },
      },
    ],
    ['a yes/no input', { blocks: text, form: { type: 'custom', inputs: [{ type: 'bool', label: 'Agree', bindingKey: 'user.profile.agree' }] } }],
    ['nested bullets', { blocks: [{ type: 'bullets', blocks: [{ type: 'text', value: 'a' }, { type: 'bullets', blocks: [{ type: 'text', value: 'a.1' }] }] }] }],
    ['a manager mention', { blocks: [{ type: 'text', value: '<link type="manager" value="41">Kim</link>, please look' }] }],
    ['a mention of all', { blocks: [{ type: 'text', value: '<link type="manager" value="all">all</link>' }] }],
    ['a command button', { blocks: text, buttons: [{ title: 'Order', action: { type: 'command', attributes: { appId: 'app1', name: 'order', params: { sku: { v: 1 } } } } }] }],
    ['a wam button', { blocks: text, buttons: [{ title: 'Open', action: { type: 'wam', attributes: { appId: 'app1', name: 'planner', wamArgs: { x: { v: 1 } } } } }] }],
    ['options', { blocks: text, options: ['silent', 'private', 'actAsManager'] }],
    ['plainText only', { plainText: 'hello' }],
  ];
  for (const [name, body] of good) {
    void test(`200 for ${name}`, async () => {
      const r = await post(body);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(fake.state.messages.length, 1);
    });
  }
});

void describe('what the document refuses is refused (422)', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['options: []', { blocks: text, options: [] }, /options/],
    ['a repeated option', { blocks: text, options: ['silent', 'silent'] }, /repeat/],
    ['eleven files', { files: Array.from({ length: 11 }, (_, i) => ({ ...file, id: `f${i}` })) }, /files/],
    ['files: []', { blocks: text, files: [] }, /files/],
    ['a file without bucket', { files: [{ id: 'f', name: 'n', size: 1, key: 'k' }] }, /bucket/],
    ['a web page without url', { blocks: text, webPage: { id: 'wp1' } }, /url/],
    ['a form with no inputs', { blocks: text, form: { type: 'custom', inputs: [] } }, /inputs/],
    ['a form with five inputs', { blocks: text, form: { type: 'custom', inputs: Array.from({ length: 5 }, (_, i) => ({ type: 'text', label: `q${i}` })) } }, /inputs/],
    ['an input bound outside the profile', { blocks: text, form: { type: 'custom', inputs: [{ type: 'text', label: 'q', bindingKey: 'user.name' }] } }, /bindingKey/],
    ['an input without label', { blocks: text, form: { type: 'custom', inputs: [{ type: 'text', bindingKey: 'user.profile.x' }] } }, /label/],
    ['an unknown input type', { blocks: text, form: { type: 'custom', inputs: [{ type: 'slider', label: 'q' }] } }, /type/],
    ['a command without appId', { blocks: text, buttons: [{ title: 't', action: { type: 'command', attributes: { name: 'x' } } }] }, /appId/],
    ['an unknown action type', { blocks: text, buttons: [{ title: 't', action: { type: 'phone', attributes: {} } }] }, /type/],
    ['an unknown mention kind', { blocks: [{ type: 'text', value: '<link type="team" value="1">t</link>' }] }, /unsupported tag/],
    ['raw < in a nested bullet', { blocks: [{ type: 'bullets', blocks: [{ type: 'bullets', blocks: [{ type: 'text', value: '1 < 2' }] }] }] }, /blocks\.0\.blocks\.0\.blocks\.0\.value/],
    ['nothing to show', { options: ['silent'] }, /needs/],
    ['form options as {value, label} objects', { blocks: text, form: { type: 'custom', inputs: [{ type: 'singleSelect', label: 'Goal', bindingKey: 'user.profile.goal', options: [{ value: 'lose', label: '감량' }] }] } }, /form\.inputs\.0\.options\.0.*string/],
    ['a form option that is a number', { blocks: text, form: { type: 'custom', inputs: [{ type: 'radio', label: 'Meals', bindingKey: 'user.profile.meals', options: [3] }] } }, /form\.inputs\.0\.options\.0/],
  ];
  for (const [name, body, why] of bad) {
    void test(`422 for ${name}`, async () => {
      const r = await post(body);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body.errors), why);
      assert.equal(fake.state.messages.length, 0);
    });
  }
});

void describe('PATCH /users/{id}', () => {
  beforeEach(async () => {
    await control(fake, 'POST', '/users', { users: [{ id: 'u1', profile: { name: 'Kim', goal: 'lose' } }] });
  });

  void test('profileOnce sets only empty fields; profile overwrites', async () => {
    const r = await api(fake, 'PATCH', '/open/v5/users/u1', { body: { profile: { weight: 70 }, profileOnce: { goal: 'gain', firstVisit: '2026-12-01' } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const profile = (r.body.user as { profile: Record<string, unknown> }).profile;
    assert.deepEqual(profile, { name: 'Kim', goal: 'lose', weight: 70, firstVisit: '2026-12-01' });
  });

  void test('tags: at most 20, unique', async () => {
    const tags = Array.from({ length: 21 }, (_, i) => `t${i}`);
    assert.equal((await api(fake, 'PATCH', '/open/v5/users/u1', { body: { tags } })).status, 422);
    assert.equal((await api(fake, 'PATCH', '/open/v5/users/u1', { body: { tags: ['a', 'a'] } })).status, 422);
    assert.equal((await api(fake, 'PATCH', '/open/v5/users/u1', { body: { tags: tags.slice(0, 20) } })).status, 200);
  });

  void test('a mobileNumber in profileOnce must be E.164 too', async () => {
    assert.equal((await api(fake, 'PATCH', '/open/v5/users/u1', { body: { profileOnce: { mobileNumber: '010-1234' } } })).status, 422);
  });
});

void describe('POST /users/{id}/events', () => {
  void test('records a named event with its properties', async () => {
    await control(fake, 'POST', '/users', { users: [{ id: 'u1' }] });
    const r = await api(fake, 'POST', '/open/v5/users/u1/events', { body: { name: 'curationCompleted', property: { product: 2 } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((r.body.event as { name: string }).name, 'curationCompleted');
    assert.deepEqual(fake.state.userEvents.map((e) => [e.userId, e.name, e.property]), [['u1', 'curationCompleted', { product: 2 }]]);
    assert.equal((await api(fake, 'POST', '/open/v5/users/u1/events', { body: { property: {} } })).status, 422);
    assert.equal((await api(fake, 'POST', '/open/v5/users/nobody/events', { body: { name: 'x' } })).status, 404);
  });
});

void describe('GET /users/{id}/events', () => {
  void test('lists the user\'s events newest first, in pages with a `next` cursor, within the documented limits', async () => {
    await control(fake, 'POST', '/users', { users: [{ id: 'u1' }, { id: 'u2' }] });
    for (const n of [1, 2, 3]) assert.equal((await api(fake, 'POST', '/open/v5/users/u1/events', { body: { name: `e${n}` } })).status, 200);
    assert.equal((await api(fake, 'POST', '/open/v5/users/u2/events', { body: { name: 'other' } })).status, 200);
    // Same millisecond or not, the order is the recording order.
    for (const [i, e] of fake.state.userEvents.entries()) e.createdAt = 1_000 + i;
    const first = await api(fake, 'GET', '/open/v5/users/u1/events?sortOrder=desc&limit=2');
    assert.equal(first.status, 200);
    assert.deepEqual((first.body.events as Array<{ name: string }>).map((e) => e.name), ['e3', 'e2']);
    assert.equal(typeof first.body.next, 'string');
    const second = await api(fake, 'GET', `/open/v5/users/u1/events?sortOrder=desc&limit=2&since=${String(first.body.next)}`);
    assert.deepEqual((second.body.events as Array<{ name: string }>).map((e) => e.name), ['e1']);
    assert.equal(second.body.next, undefined);
    const asc = await api(fake, 'GET', '/open/v5/users/u1/events?sortOrder=asc');
    assert.deepEqual((asc.body.events as Array<{ name: string }>).map((e) => e.name), ['e1', 'e2', 'e3']);
    for (const bad of ['sortOrder=sideways', 'limit=0', 'limit=501', 'since=nope']) {
      assert.equal((await api(fake, 'GET', `/open/v5/users/u1/events?${bad}`)).status, 422, bad);
    }
    assert.equal((await api(fake, 'GET', '/open/v5/users/nobody/events')).status, 404);
  });
});
