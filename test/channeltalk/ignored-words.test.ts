// An ignored delivery's reason in the console's words: the normalizer gives
// each reason it writes also as catalogue words (`ignored.*`), whose English
// is exactly the sentence the logs and the API keep, and whose Korean fills
// every placeholder. Read from realistic deliveries (test/fixtures/webhooks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { normalize } from '../../src/channeltalk/normalize.js';
import type { Event } from '../../src/channeltalk/event.js';
import { loadCatalogue, renderWords } from '../../src/server/console/messages.js';
import { ROOT } from '../support/fixtures.js';

const en = loadCatalogue('en');
const ko = loadCatalogue('ko');
const DIR = path.join(ROOT, 'test/fixtures/webhooks');
const fixture = (name: string) => JSON.parse(readFileSync(path.join(DIR, name), 'utf8')) as Record<string, unknown>;

/** Every shipped delivery, and variants that reach the reasons no fixture reaches as it is. */
function deliveries(): [string, unknown][] {
  const all: [string, unknown][] = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => [f, fixture(f)]);
  const opened = fixture('user-chat-opened.json');
  const entity = opened.entity as Record<string, unknown>;
  all.push(['a chat opened snoozed', { ...opened, entity: { ...entity, state: 'snoozed' } }]);
  all.push(['an update of a chat', { ...opened, event: 'update' }]);
  all.push(['an event of another kind', { ...opened, event: 'somethingNew' }]);
  const message = fixture('user-message-keyword.json');
  const m = message.entity as Record<string, unknown>;
  all.push(['a message of no person type', { ...message, entity: { ...m, personType: undefined } }]);
  all.push(['a message in a group chat', { ...message, entity: { ...m, chatType: 'group' } }]);
  return all;
}

test("each ignored delivery's words read, in English, as its reason; in Korean, with every placeholder filled", () => {
  const seen = new Set<string>();
  for (const [name, body] of deliveries()) {
    const e: Event = normalize(body);
    if (e.kind !== 'ignored' || e.words === undefined) continue;
    seen.add(e.words.code);
    assert.equal(renderWords(en, e.words), e.reason, name);
    assert.doesNotMatch(renderWords(ko, e.words), /\{\w+/, name);
  }
  // The reasons the fixtures reach: tags by a manager, our own echo, a team chat, a log message, a call, a sticker, models not acted on, a closed chat, an update, an unknown event, no person type.
  for (const code of ['ignored.chatState', 'ignored.chatUpdate', 'ignored.chatEvent', 'ignored.ownEcho', 'ignored.chatType', 'ignored.notCustomer', 'ignored.notActedOn', 'ignored.personType']) {
    assert.ok(seen.has(code), `${code} is reached by a fixture (seen: ${[...seen].join(', ')})`);
  }
});
