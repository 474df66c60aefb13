// Recording deliveries: one file each, token never written, and redaction
// that hides the customer but keeps what routing needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DeliveryRecorder, MASK, redactDelivery, type RecordedDelivery } from '../../src/server/recorder.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { webhook } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

async function readAll(dir: string): Promise<Array<{ name: string; rec: RecordedDelivery }>> {
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map(async (name) => ({ name, rec: JSON.parse(await readFile(path.join(dir, name), 'utf8')) as RecordedDelivery })));
}

test('redaction masks profile values, texts, names, phones and emails, and keeps ids, kinds, tags and bot ids', () => {
  const raw = webhook('user-chat-opened');
  const red = redactDelivery(raw) as typeof raw;
  const text = JSON.stringify(red);
  for (const secret of ['홍길동', '72.5', '+821000000000', '설문이 완료되었습니다', '보통 (주2~4회)', '적당한 체중 감량']) {
    assert.ok(!text.includes(secret), `${secret} is masked`);
  }
  const profile = ((red.refers as Record<string, Record<string, unknown>>).user!.profile ?? {}) as Record<string, unknown>;
  assert.deepEqual(Object.keys(profile).sort(), Object.keys((raw.refers as Record<string, Record<string, Record<string, unknown>>>).user!.profile!).sort(), 'profile keys kept');
  assert.equal(profile.weight, MASK);
  assert.deepEqual(profile.worries, [MASK]);
  // What routing needs survives: the event normalizes to the same kind, chat, user, tags and bot.
  const a = normalize(raw);
  const b = normalize(red);
  assert.equal(b.kind, a.kind);
  assert.equal(b.chatId, a.chatId);
  assert.equal(b.userId, a.userId);
  assert.equal(b.channelId, a.channelId);
  assert.deepEqual(b.chatTags, a.chatTags);
  assert.equal(b.supportBotId, a.supportBotId);
  assert.equal(b.dedupeKey, a.dedupeKey);
});

test('redaction reaches message texts, e-mails anywhere, and JSON text of legacy form posts', () => {
  const msg = webhook('user-message-keyword');
  const red = JSON.stringify(redactDelivery(msg));
  const entity = msg.entity as { plainText?: string };
  if (entity.plainText) assert.ok(!red.includes(`"${entity.plainText}"`), 'the message text is masked');
  assert.ok(!JSON.stringify(redactDelivery({ note: 'write to kim@example.com' })).includes('kim@example.com'));
  const legacy = redactDelivery({ entity: JSON.stringify({ id: 'c1', name: 'Kim' }), refers: JSON.stringify({ user: { profile: { age: 40 } } }) }) as Record<string, string>;
  assert.deepEqual(JSON.parse(legacy.entity!), { id: 'c1', name: MASK });
  assert.deepEqual(JSON.parse(legacy.refers!), { user: { profile: { age: MASK } } });
});

test('the recorder writes one file per delivery, without the token, redacted on request', async () => {
  const dir = path.join(tempDir(), 'rec');
  const redacting = new DeliveryRecorder(dir, true);
  const body = webhook('user-chat-opened');
  await redacting.record('/webhooks/channeltalk', { token: 'the-secret-token', extra: '1' }, body);
  await redacting.record('/webhooks/channeltalk', { token: 'the-secret-token' }, body);
  const plain = new DeliveryRecorder(dir, false);
  await plain.record('/in_userchat', {}, webhook('user-message-keyword'));
  const files = await readAll(dir);
  assert.equal(files.length, 3);
  for (const f of files) {
    assert.match(f.name, /^\d{8}T\d{6}\.\d{3}Z-\d{4}-[A-Za-z_]+(-[A-Za-z0-9_.]+)?-[0-9a-f]{8}\.json$/);
    assert.ok(!JSON.stringify(f.rec).includes('the-secret-token'), 'never the token');
  }
  const [first, second] = files.filter((f) => f.rec.redacted);
  assert.equal(first?.name.split('-').at(-1), second?.name.split('-').at(-1), 'the same delivery gets the same hash suffix');
  assert.deepEqual(first?.rec.query, { extra: '1' });
  assert.ok(!JSON.stringify(first?.rec.body).includes('홍길동'));
  const unredacted = files.find((f) => !f.rec.redacted);
  assert.equal(unredacted?.rec.route, '/in_userchat');
  assert.deepEqual(unredacted?.rec.body, webhook('user-message-keyword'));
});

test('a customer message that is exactly a trigger keyword stays readable, so a redacted replay still triggers', async () => {
  const dir = path.join(tempDir(), 'rec-keep');
  const rec = new DeliveryRecorder(dir, true, { keepTexts: () => ['선물'] });
  await rec.record('/webhooks/channeltalk', {}, webhook('user-message-keyword'));
  const [file] = await readAll(dir);
  const event = normalize(file?.rec.body);
  assert.equal(event.kind, 'userMessage');
  assert.equal(event.kind === 'userMessage' ? event.text : null, '선물');
  assert.ok(!JSON.stringify(file?.rec.body).includes('홍길동'));
  const other = redactDelivery(webhook('user-message-keyword'), new Set(['gift'])) as { entity: { plainText: string } };
  assert.equal(other.entity.plainText, MASK);
});
