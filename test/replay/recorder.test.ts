// Recording deliveries: one file each, token never written, and redaction
// that hides the customer but keeps what routing needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { DeliveryRecorder, MASK, type RecordedDelivery } from '../../src/server/recorder.js';
import { maskedText, redactDelivery, REDACTION_LIMITS, scrubDelivery } from '../../src/server/redact.js';
import { containsEmail } from '../../src/server/value-kinds.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { webhook } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

async function readAll(dir: string): Promise<Array<{ name: string; rec: RecordedDelivery }>> {
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map(async (name) => ({ name, rec: JSON.parse(await readFile(path.join(dir, name), 'utf8')) as RecordedDelivery })));
}

test('redaction masks profile values, texts, names, phones and emails, and keeps ids, kinds, tags and bot ids', async () => {
  const raw = webhook('user-chat-opened');
  const red = (await redactDelivery(raw)) as typeof raw;
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

test('redaction reaches message texts, e-mails anywhere, and JSON text of legacy form posts', async () => {
  const msg = webhook('user-message-keyword');
  const red = JSON.stringify(await redactDelivery(msg));
  const entity = msg.entity as { plainText?: string };
  if (entity.plainText) assert.ok(!red.includes(`"${entity.plainText}"`), 'the message text is masked');
  assert.ok(!JSON.stringify(await redactDelivery({ note: 'write to kim@example.com' })).includes('kim@example.com'));
  const legacy = (await redactDelivery({ entity: JSON.stringify({ id: 'c1', name: 'Kim' }), refers: JSON.stringify({ user: { profile: { age: 40 } } }) })) as Record<string, string>;
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
  const other = (await redactDelivery(webhook('user-message-keyword'), { keepTexts: new Set(['gift']) })) as { entity: { plainText: string } };
  assert.equal(other.entity.plainText, MASK);
});

// The old e-mail pattern backtracks quadratically on a long run without '@'.
const OLD_EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;

function chatWithPage(page: unknown): Record<string, unknown> {
  const body = webhook('user-chat-opened');
  ((body.entity as Record<string, unknown>).source as Record<string, unknown>).page = page;
  return body;
}

test('a 1 MB hostile string is masked whole, unscanned, and the recording still routes', async () => {
  const hostile = `https://shop.example/?q=${'a'.repeat(1024 * 1024 - 24)}`;
  assert.equal(hostile.length, 1024 * 1024);
  const dir = path.join(tempDir(), 'rec-hostile');
  const rec = new DeliveryRecorder(dir, true);
  await rec.record('/webhooks/channeltalk', {}, chatWithPage(hostile));
  const [file] = await readAll(dir);
  const entity = (file?.rec.body as { entity: { source: { page: unknown } } }).entity;
  assert.equal(entity.source.page, '[masked: 1048576 chars]');
  assert.equal(maskedText(hostile.length), '[masked: 1048576 chars]');
  assert.equal(normalize(file?.rec.body).kind, 'chatOpened');
});

test('scanning is bounded per string and per delivery, and the loop runs other callbacks while a delivery is redacted', async () => {
  const { maxScanChars, maxScanTotal } = REDACTION_LIMITS;
  // Many strings each just under the per-string cap: together far over the per-delivery budget.
  const size = maxScanChars - 1;
  const count = Math.ceil((4 * maxScanTotal) / size);
  const body = webhook('user-chat-opened');
  const bot = ((body.entity as Record<string, unknown>).source as Record<string, Record<string, unknown>>).supportBot!;
  bot.sectionPath = Array.from({ length: count }, (_, i) => `${i}`.padStart(6, 'x') + 'a'.repeat(size - 6));
  let turns = 0;
  let redacting = true;
  const turn = () => {
    turns++;
    if (redacting) setImmediate(turn);
  };
  setImmediate(turn);
  const red = (await redactDelivery(body)) as { entity: { source: { supportBot: { sectionPath: string[] } } } };
  redacting = false;
  assert.ok(turns > 0, 'setImmediate callbacks ran while redacting: the work is done in chunks');
  const notes = red.entity.source.supportBot.sectionPath;
  assert.equal(notes.length, count);
  const scanned = notes.filter((n) => n.length === size);
  const masked = notes.filter((n) => n === maskedText(size));
  assert.ok(scanned.length * size <= maxScanTotal, `at most the budget is scanned (${scanned.length} strings)`);
  assert.ok(scanned.length > 0, 'strings under the cap are scanned until the budget is spent');
  assert.equal(scanned.length + masked.length, count, 'past the budget a string is masked whole');
  // The per-string cap: one character over it is masked whole, at the cap an e-mail at the very end is still found.
  const over = 'b'.repeat(maxScanChars + 1);
  const atCap = `${'b'.repeat(maxScanChars - 'k@x.io'.length - 1)} k@x.io`;
  assert.equal(atCap.length, maxScanChars);
  const both = (await redactDelivery({ a: over, b: atCap })) as Record<string, string>;
  assert.deepEqual(both, { a: maskedText(maxScanChars + 1), b: MASK });
});

test('the number of values and the depth walked per delivery are bounded', async () => {
  const { maxNodes, maxDepth } = REDACTION_LIMITS;
  const wide = (await redactDelivery({ list: Array.from({ length: maxNodes * 2 }, (_, i) => i % 100) })) as { list: unknown[] };
  assert.equal(wide.list.length, maxNodes * 2);
  const kept = wide.list.filter((v) => typeof v === 'number').length;
  assert.ok(kept > 0 && kept <= maxNodes, `at most ${maxNodes} values walked (kept ${kept})`);
  assert.ok(wide.list.slice(kept).every((v) => typeof v === 'string' && v.startsWith('[masked: ')), 'the rest is masked');
  let deep: unknown = 'bottom';
  for (let i = 0; i < maxDepth * 4; i++) deep = { d: deep };
  const text = JSON.stringify(await redactDelivery(deep));
  assert.ok(!text.includes('bottom'), 'what lies deeper than the limit is masked');
  assert.match(text, /\[masked: nested deeper than \d+\]/);
});

test('the e-mail scanner finds exactly what the old pattern found', () => {
  const alphabet = fc.constantFrom('a', 'b', '@', '.', ' ', '\t', '\u3000', '\u00a0', '-', '가', '\n', '\ufeff');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 24 }), (chars) => {
      const s = chars.join('');
      assert.equal(containsEmail(s), OLD_EMAIL.test(s), JSON.stringify(s));
    }),
    { numRuns: 5000 },
  );
  for (const s of ['kim@example.com', 'a@b.c', 'x a@b.c y', '@b.c', 'a@.c', 'a@b.', 'a@b', 'a@@b.c', 'a@b@c.d']) {
    assert.equal(containsEmail(s), OLD_EMAIL.test(s), s);
  }
});

test('recording work is queued one delivery at a time, and a full queue refuses with a clear message instead of piling up', async () => {
  const dir = path.join(tempDir(), 'rec-queue');
  const rec = new DeliveryRecorder(dir, true, { maxPending: 2 });
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => rec.record('/webhooks/channeltalk', {}, webhook('user-chat-opened'))));
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(refused.length, 3);
  for (const r of refused) assert.match(String(r.reason), /recorder busy: 2 deliveries waiting; this one was not recorded/);
  assert.equal((await readAll(dir)).length, 2);
});

test('a raw recording keeps the delivery as received, minus the token wherever it hides', async () => {
  const secret = 'raw-secret-token-77';
  const delivery = webhook('user-chat-opened');
  const form = { payload: JSON.stringify({ ...delivery, token: secret }), note: `see ?token=${secret}`, token: secret };
  const out = (await scrubDelivery(form, [secret])) as Record<string, string>;
  assert.ok(!JSON.stringify(out).includes(secret));
  assert.deepEqual(JSON.parse(out.payload!), delivery, 'the JSON text part is the delivery again, without its token field');
  assert.equal(out.note, MASK);
  assert.equal(out.token, MASK);
  assert.deepEqual(await scrubDelivery(delivery, [secret]), delivery, 'nothing else changes');
});
