// Redaction by the kind of value, not only by key name: free text, form input
// values, log values, member ids and user tags are masked, and so is anything
// that looks like a phone number, e-mail, date or long digit run wherever it
// is; ids, kinds and chat tags stay, so the recording still routes.
// The rec-* fixtures follow the OpenAPI shapes (Message with form and log,
// User, UserChat) with synthetic people.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { valueKind } from '../../src/server/value-kinds.js';
import { MASK, redactDelivery, scrubDelivery } from '../../src/server/redact.js';
import { fileNameFor } from '../../src/server/recorder.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { legacyBody } from '../../src/server/legacy-body.js';
import { webhook } from '../support/fixtures.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => v as Json;
const list = (v: unknown): unknown[] => v as unknown[];

/** The same routing facts before and after redaction. */
function assertRoutesAlike(raw: unknown, red: unknown): void {
  const a = normalize(raw);
  const b = normalize(red);
  for (const k of ['kind', 'dedupeKey', 'chatId', 'userId', 'channelId', 'supportBotId', 'occurredAt'] as const) {
    assert.equal(b[k], a[k], k);
  }
  assert.deepEqual(b.chatTags, a.chatTags);
}

function assertNone(text: string, secrets: string[]): void {
  for (const s of secrets) assert.ok(!text.includes(s), `${s} is masked`);
}

test('a submitted form: every input value is masked, the inputs keep type, label and binding', async () => {
  const raw = webhook('rec-message-form-submitted');
  const red = obj(await redactDelivery(raw));
  assertNone(JSON.stringify(red), ['010-2345-6789', '1987-04-12', '64.2', '제2형 당뇨', '고혈압"', '저녁 7시', '이서연', 'seoyeonlee87', 'seoyeon.lee', '+821023456789', '당뇨 전단계']);
  const inputs = list(obj(obj(red.entity).form).inputs).map(obj);
  const rawInputs = list(obj(obj(raw.entity).form).inputs).map(obj);
  assert.equal(inputs.length, rawInputs.length);
  for (const [i, input] of inputs.entries()) {
    const before = rawInputs[i]!;
    for (const k of ['type', 'dataType', 'label', 'bindingKey', 'readOnly']) assert.deepEqual(input[k], before[k], k);
    assert.ok(input.value === MASK || (Array.isArray(input.value) && input.value.every((v) => v === MASK)), `input ${i} value masked`);
  }
  const user = obj(obj(red.refers).user);
  assert.equal(user.memberId, MASK);
  assert.deepEqual(user.tags, [MASK, MASK], 'user tags (a diagnosis) are masked');
  assert.deepEqual(obj(obj(red.refers).userChat).tags, ['식단큐레이션받기'], 'chat tags are kept');
  // Device facts are no person: kept as they were.
  assert.deepEqual(user.mobile, obj(obj(raw.refers).user).mobile);
  assertRoutesAlike(raw, red);
});

test('a log message: the action is kept, its values (tag names, new names) masked', async () => {
  const raw = webhook('rec-message-log-user-tags');
  const red = obj(await redactDelivery(raw));
  assertNone(JSON.stringify(red), ['갑상선', '임신', '당뇨', '이서연', '김상담', 'counsel.kim', 'seoyeonlee87']);
  const log = obj(obj(red.entity).log);
  assert.equal(log.action, 'addUserTags');
  assert.deepEqual(log.values, [MASK, MASK]);
  assert.equal(log.triggerId, '228036');
  const chat = obj(obj(red.refers).userChat);
  assert.deepEqual(chat.tags, ['식단큐레이션받기', '상담중']);
  assert.deepEqual(chat.managerIds, ['228036']);
  assert.equal(chat.assigneeId, '228036');
  assertRoutesAlike(raw, red);
});

test('a chat opened: description, memo, title, medium, member id, user tags and a page URL with contact details are masked', async () => {
  const raw = webhook('rec-user-chat-notes');
  const red = obj(await redactDelivery(raw));
  assertNone(JSON.stringify(red), [
    '박민준',
    '010-9876-5432',
    '1990년',
    '통풍',
    '땅콩',
    '+821098765432',
    'minjun.park',
    '01098765432',
    '02-3456-7890',
    'M-2019-0815-7731',
    '88.1',
    '서울',
    '배송지',
  ]);
  const entity = obj(red.entity);
  for (const k of ['name', 'title', 'description', 'memo', 'mediumId']) assert.equal(entity[k], MASK, k);
  assert.equal(obj(entity.source).page, MASK, 'a URL holding an e-mail and a phone number');
  assert.deepEqual(obj(obj(entity.source).supportBot), obj(obj(obj(raw.entity).source).supportBot), 'the bot and its section path are kept');
  assert.equal(entity.mediumType, 'phone');
  assert.deepEqual(entity.tags, ['식단큐레이션받기']);
  const user = obj(obj(red.refers).user);
  assert.deepEqual(user.tags, [MASK, MASK]);
  assert.equal(user.createdAt, 1700000000000, 'timestamps are kept');
  assert.equal(obj(user.web).browserName, 'Chrome');
  assertRoutesAlike(raw, red);
});

test('anything that looks like a phone number, e-mail, date or long digit run is masked under any key; ordinary values are not', async () => {
  const masked = [
    '010-1234-5678',
    '+82 10 1234 5678',
    '(02) 123-4567',
    '02.123.4567',
    '1588-1234',
    '01012345678',
    '연락처 010 1234 5678 로',
    '０１０－１２３４－５６７８',
    'kim@example.com',
    '1987-04-12',
    '1987.4.12',
    '2024. 3. 15.',
    '04/12/1987',
    '87.04.12',
    '2024-03-15T09:30:00Z',
    '1987년 4월',
    '4월 12일',
    '87년생',
    '1795470390041',
    '900101',
    '900101-1234567',
    'card 4111 1111 1111 1111',
    'ref 6a1b2c3d4e5f60718293',
  ];
  const kept = ['opened', 'Android 14', '3.2.1', '12.4.0', 'iOS 17.4.1', '보통 (주2~4회)', '64.2', '12,000원', 'https://shop.example/', 'A', '3회', '2~4L', 'v27.40.6', '10:30'];
  const input: Json = {};
  masked.forEach((v, i) => (input[`m${i}`] = v));
  kept.forEach((v, i) => (input[`k${i}`] = v));
  const red = obj(await redactDelivery(input));
  masked.forEach((v, i) => assert.equal(red[`m${i}`], MASK, `masked: ${v}`));
  kept.forEach((v, i) => assert.equal(red[`k${i}`], v, `kept: ${v}`));
  // Numbers: a long one under an ordinary key may be a phone number; ids and timestamps are kept.
  const nums = obj(await redactDelivery({ count: 3, version: 2, weightish: 64.2, something: 1012345678, createdAt: 1795470390041, id: 123456789 }));
  assert.deepEqual(nums, { count: 3, version: 2, weightish: 64.2, something: MASK, createdAt: 1795470390041, id: 123456789 });
});

test('the shipped fixtures keep routing after redaction', async () => {
  for (const name of ['user-chat-opened', 'user-chat-opened.scope-shape', 'user-message-keyword', 'manager-message', 'bot-message']) {
    const raw = webhook(name);
    assertRoutesAlike(raw, await redactDelivery(raw));
  }
});

test('a legacy form post: its JSON text parts are masked by the same rules and still route', async () => {
  for (const name of ['rec-user-chat-notes', 'rec-message-log-user-tags']) {
    const raw = webhook(name);
    const form = { event: String(raw.event), type: String(raw.type), entity: JSON.stringify(raw.entity), refers: JSON.stringify(raw.refers) };
    const red = obj(await redactDelivery(form));
    assertNone(JSON.stringify(red), ['박민준', '이서연', '갑상선', 'minjun.park', '010-9876-5432']);
    assertRoutesAlike(legacyBody(form), legacyBody(red));
    const whole = obj(await redactDelivery({ payload: JSON.stringify(raw) }));
    assertRoutesAlike(raw, legacyBody(whole));
  }
  assert.deepEqual(await redactDelivery({ message: '제 번호는 공일공 이삼사오에요', entity: 'not json: 이서연' }), { message: MASK, entity: MASK });
});

test('a phone number, e-mail or date is found whatever text surrounds it', () => {
  const text = fc.string({ maxLength: 40, unit: fc.constantFrom('a', '가', ' ', '.', '-', '/', '(', ')', '+', '@', '1', '9', '년', '월', '일', '\n') });
  for (const needle of ['010-2345-6789', '+82 10 2345 6789', 'seoyeon.lee@example.org', '1987-04-12', '1987년 4월 12일', '8704121234567']) {
    fc.assert(
      fc.property(text, text, (before, after) => {
        assert.notEqual(valueKind(`${before} ${needle} ${after}`), null, JSON.stringify(`${before} ${needle} ${after}`));
      }),
      { numRuns: 2000 },
    );
  }
});

test('keys are field names or masked, with their values; ids and kinds are kept only in their shape', async () => {
  const red = obj(
    await redactDelivery({
      entity: { id: 'kim@example.com', chatId: '6a1b2c3d4e5f60718293', userId: '010-2345-6789', personId: '1987.04.12', requestId: 'req-1b30b6aa420000002', managerIds: ['228036', '+82 10 2345 6789'] },
      event: 'userChat.opened',
      type: 'a b c',
      refers: { user: { profile: { number_dining: '3회', '010-2345-6789': 'x', 'kim@example.com': 'y', '체중 64.2kg': 1 } } },
      '{"weight":64.2,"mobileNumber":"+821023456789"}': '',
    }),
  );
  const entity = obj(red.entity);
  assert.deepEqual(entity, { id: MASK, chatId: '6a1b2c3d4e5f60718293', userId: MASK, personId: MASK, requestId: 'req-1b30b6aa420000002', managerIds: ['228036', MASK] });
  assert.equal(red.event, 'userChat.opened');
  assert.equal(red.type, MASK, 'a kind is one word');
  assert.deepEqual(Object.keys(obj(obj(obj(red.refers).user).profile)), ['number_dining', '[masked key 2: 13 chars]', '[masked key 3: 15 chars]', '[masked key 4: 9 chars]']);
  assertNone(JSON.stringify(red), ['64.2', '821023456789', 'kim@example.com', '2345']);
  // A raw recording keeps keys, except one holding the token.
  const raw = obj(await scrubDelivery({ 'a{"token":"tok-123456"}': 1, plain: 2 }, ['tok-123456']));
  assert.deepEqual(raw, { '[masked key 1: 23 chars]': MASK, plain: 2 });
});

test('a recording file name uses only ids: the type and entity id when they are ids, else the route', () => {
  const at = { recordedAt: '2026-01-02T03:04:05.678Z', route: '/webhooks/channeltalk' };
  assert.match(fileNameFor({ ...at, body: { type: 'userChat', entity: { id: '6a1b2c3d4e5f60718293' } } }, {}, 1), /^20260102T030405\.678Z-0001-userChat-6a1b2c3d4e5f60718293-[0-9a-f]{8}\.json$/);
  assert.match(fileNameFor({ ...at, body: { type: 'kim@example.com', entity: { id: '010-2345-6789' } } }, {}, 2), /^20260102T030405\.678Z-0002-channeltalk-[0-9a-f]{8}\.json$/);
  assert.match(fileNameFor({ ...at, route: '/a/b@c.d', body: { entity: { id: '../x' } } }, {}, 3), /^20260102T030405\.678Z-0003-delivery-[0-9a-f]{8}\.json$/);
});
