// Trigger kinds are one registry (src/curation/triggers/): each kind's
// schema keys, matching, webhook scopes and description in one entry.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, type CurationSet } from '../../src/curation/index.js';
import { TRIGGER_KINDS, describeTrigger, startsCuration, triggerWords } from '../../src/curation/triggers/registry.js';
import { loadCatalogue, renderWords } from '../../src/server/console/messages.js';
import { scopesNeeded } from '../../src/webhook/scopes.js';
import type { Curation } from '../../src/curation/types.js';

import { curationJsonSchema } from '../../src/curation/schema.js';
import { curationView } from '../../src/server/console/curations-api.js';
import { chatOpened, loadPack, minimalCuration, otherEvent, tempDir, userMessage } from './helpers.js';

/** The scopes `curation setup` and the webhook's health check ask for (webhook/scopes.ts). */
const neededScopes = (curations: readonly Curation[]) => scopesNeeded(curations).scopes;

async function setOf(files: Record<string, string>): Promise<CurationSet> {
  const r = await loadCurations(await tempDir(files));
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  return r.set;
}

async function errorsOf(yaml: string): Promise<Array<{ path: string; message: string }>> {
  const r = await loadCurations(await tempDir({ 'x.yaml': yaml }));
  assert.ok(!r.ok, 'refused');
  return r.errors.map((e) => ({ path: e.path, message: e.message }));
}

describe('the trigger kind registry', () => {
  test('the schema offers exactly the registered kinds', () => {
    const schema = curationJsonSchema() as { properties: { trigger: { properties: { on: { enum: string[] } } } } };
    assert.deepEqual(schema.properties.trigger.properties.on.enum.toSorted(), Object.keys(TRIGGER_KINDS).toSorted());
    for (const [kind, entry] of Object.entries(TRIGGER_KINDS)) {
      assert.equal(entry.kind, kind);
      assert.ok(entry.scopes.length > 0, `${kind} names the webhook scope it needs`);
      assert.ok(entry.description.length > 0);
    }
  });

  test('only events of a registered kind start a curation', () => {
    assert.equal(startsCuration(chatOpened()), true);
    assert.equal(startsCuration(userMessage('선물')), true);
    assert.equal(startsCuration(otherEvent('managerMessage')), false);
    assert.equal(startsCuration(otherEvent('botMessage')), false);
  });

  test('an unknown kind is refused with the kinds there are', async () => {
    const errors = await errorsOf(minimalCuration('trigger: { on: chatClosed }\nmessages:\n  - text: x\n'));
    assert.equal(errors[0]?.path, 'trigger.on');
    assert.match(errors[0]?.message ?? '', /chatOpened/);
    assert.match(errors[0]?.message ?? '', /userMessage/);
  });

  test("a key of another kind is refused, naming the kinds it belongs to", async () => {
    const errors = await errorsOf(minimalCuration('trigger: { on: chatOpened, keywords: [hi] }\nmessages:\n  - text: x\n'));
    assert.deepEqual(errors, [{ path: 'trigger.keywords', message: "'keywords' is not for chatOpened triggers: keywords and match only apply to userMessage triggers" }]);
    const match = await errorsOf(minimalCuration('trigger: { on: chatOpened, match: contains }\nmessages:\n  - text: x\n'));
    assert.deepEqual(match, [{ path: 'trigger.match', message: "'match' is not for chatOpened triggers: keywords and match only apply to userMessage triggers" }]);
  });
});

describe('scopesNeeded: the webhook scopes a set of curations needs', () => {
  test('chat opened needs userChat.opened; a customer message needs message.created.userChat', async () => {
    const opened = await setOf({ 'o.yaml': minimalCuration('takeover: { cancelOn: [] }\nmessages:\n  - text: o\n', 'o') });
    assert.deepEqual(neededScopes(opened.curations), ['userChat.opened']);
    const keyword = await setOf({ 'k.yaml': minimalCuration('trigger: { on: userMessage, keywords: [선물] }\ntakeover: { cancelOn: [] }\nmessages:\n  - text: k\n', 'k') });
    assert.deepEqual(neededScopes(keyword.curations), ['message.created.userChat']);
  });

  test('takeovers: a manager message comes as message.created.userChat; a close or an assignment with the user chat', async () => {
    const manager = await setOf({ 'o.yaml': minimalCuration('takeover: { cancelOn: [managerMessage] }\nmessages:\n  - text: o\n', 'o') });
    assert.deepEqual(neededScopes(manager.curations), ['userChat.opened', 'message.created.userChat']);
    const closed = await setOf({ 'k.yaml': minimalCuration('trigger: { on: userMessage, keywords: [선물] }\ntakeover: { cancelOn: [chatClosed] }\nmessages:\n  - text: k\n', 'k') });
    assert.deepEqual(neededScopes(closed.curations), ['userChat.opened', 'message.created.userChat']);
  });

  test('the shipped pack needs both; no curation needs none; each scope once', async () => {
    assert.deepEqual(neededScopes((await loadPack()).curations), ['userChat.opened', 'message.created.userChat']);
    assert.deepEqual(neededScopes([]), []);
  });
});

describe('describeTrigger: the trigger as the console and `curation check` show it', () => {
  test('kind, sources, tags and keywords', async () => {
    const set = await setOf({
      'a.yaml': minimalCuration("trigger: { on: chatOpened, supportBots: [43684], workflows: [58120, { id: w2, sections: [s1, s2] }], chatTags: [VIP] }\nmessages:\n  - text: a\n", 'a'),
      'b.yaml': minimalCuration('trigger: { on: userMessage, keywords: [선물, gift], match: contains }\nmessages:\n  - text: b\n', 'b'),
    });
    assert.equal(describeTrigger(set.byId('a')!.trigger), 'on chatOpened · support bots 43684 · workflows 58120, w2 (sections s1, s2) · chat tags VIP');
    assert.equal(describeTrigger(set.byId('b')!.trigger), 'on userMessage · keywords 선물, gift (contains)');
  });

  test('the console lists it with each curation', async () => {
    const view = curationView((await loadPack()).byId('diet-gift')!);
    assert.match(view.triggerText, /^on userMessage · support bots 51767, 43684, 47423 · chat tags 식단큐레이션받기 · keywords 선물, 선물요, .*, free gift \(exact\)$/);
  });

  test("the console's words for it: catalogue keys whose English is `curation check`'s line, and Korean without English words", async () => {
    const set = await setOf({
      'a.yaml': minimalCuration("trigger: { on: chatOpened, supportBots: [43684], workflows: [58120, { id: w2, sections: [s1, s2] }], chatTags: [VIP] }\nmessages:\n  - text: a\n", 'a'),
      'b.yaml': minimalCuration('trigger: { on: userMessage, keywords: [선물, gift], match: contains }\nmessages:\n  - text: b\n', 'b'),
      'c.yaml': minimalCuration("trigger: { on: chatTagged, tags: ['환불결제조회'] }\ntakeover: { cancelOn: [] }\nmessages:\n  - text: c\n", 'c'),
    });
    const [en, ko] = [loadCatalogue('en'), loadCatalogue('ko')];
    const line = (words: ReturnType<typeof triggerWords>, c: typeof en) => words.map((w) => renderWords(c, w)).join(' · ');
    for (const c of [...set.curations, (await loadPack()).byId('diet-gift')!]) {
      const view = curationView(c);
      assert.deepEqual(view.triggerWords, triggerWords(c.trigger));
      assert.equal(line(view.triggerWords, en), describeTrigger(c.trigger), `${c.id}: the English is the CLI's`);
      // Left: ids, keywords and tags are the shop's own.
      const data = [...c.trigger.supportBots, ...c.trigger.workflows.flatMap((w) => [w.id, ...w.sections]), ...c.trigger.chatTags, ...c.trigger.keywords, ...c.trigger.tags];
      let korean = line(view.triggerWords, ko);
      for (const d of data.sort((a, b) => b.length - a.length)) korean = korean.split(d).join('');
      assert.doesNotMatch(korean, /[A-Za-z]/, `${c.id}: ${korean}`);
    }
    assert.deepEqual(triggerWords(set.byId('b')!.trigger)[1], { code: 'trigger.keywords.contains', params: { keywords: '선물, gift' } });
  });
});
