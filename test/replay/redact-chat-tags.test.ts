// A recorded tag log (issue 19 item 6): the tags a bot or a Workflow added to
// a chat (`log.action: addTags`) are a chat's tags, which route (a chatTagged
// trigger names them), so the masked recording keeps them, scanned like any
// chat tag; a user's tags (`addUserTags`) stay masked (redact-kinds.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK, redactDelivery } from '../../src/server/redact.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { webhook } from '../support/fixtures.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => v as Json;

test('an addTags log: the chat tags it added are kept, so the masked recording starts the same curation', async () => {
  const raw = webhook('bot-message-log-add-tags');
  const red = obj(await redactDelivery(raw));
  assert.deepEqual(obj(obj(red.entity).log).values, ['환불결제조회']);
  const text = JSON.stringify(red);
  for (const secret of ['박지민', '123,000', 'mem-1c40c7bb531000019']) assert.ok(!text.includes(secret), `${secret} is masked`);
  const [a, b] = [normalize(raw), normalize(red)];
  assert.equal(b.kind, 'chatTagged');
  assert.equal(b.dedupeKey, a.dedupeKey);
  if (a.kind === 'chatTagged' && b.kind === 'chatTagged') {
    assert.deepEqual(b.tags, a.tags);
    assert.deepEqual(b.addedBy, a.addedBy);
  }
});

test('a tag that holds a phone number is masked like any chat tag; removeTags keeps its tags too, addUserTags does not', async () => {
  const raw = webhook('bot-message-log-add-tags');
  const withLog = (log: Json) => ({ ...raw, entity: { ...obj(raw.entity), log } });
  const phone = obj(await redactDelivery(withLog({ action: 'addTags', values: ['VIP', '010-2345-6789'], triggerType: 'workflow', triggerId: '58120' })));
  assert.deepEqual(obj(obj(phone.entity).log).values, ['VIP', MASK]);
  const removed = obj(await redactDelivery(withLog({ action: 'removeTags', values: ['VIP'] })));
  assert.deepEqual(obj(obj(removed.entity).log).values, ['VIP']);
  const user = obj(await redactDelivery(withLog({ action: 'addUserTags', values: ['갑상선 기능 저하증'] })));
  assert.deepEqual(obj(obj(user.entity).log).values, [MASK]);
});
