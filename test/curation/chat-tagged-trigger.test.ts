// Issue 19 item 6: `on: chatTagged`, a curation started by a tag that a
// support bot or a Workflow adds to an open chat (the addTags log message,
// normalized in channeltalk/tags.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, matchCurations, type CurationSet } from '../../src/curation/index.js';
import { curationJsonSchema } from '../../src/curation/schema.js';
import { describeTrigger, startsCuration } from '../../src/curation/triggers/registry.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import type { ChatTaggedEvent } from '../../src/channeltalk/event.js';
import { scopesNeeded } from '../../src/webhook/scopes.js';
import { checkCommand } from '../../src/cli/check.js';
import { webhook } from '../support/fixtures.js';
import { captureIO, chatOpened, minimalCuration, tempDir } from './helpers.js';

const REFUND = minimalCuration("trigger: { on: chatTagged, tags: ['환불결제조회'] }\nmessages:\n  - text: 환불 예상 금액\n", 'refund');

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

const ids = (set: CurationSet, e: Parameters<typeof matchCurations>[1]) => matchCurations(set, e).map((c) => c.id);

function taggedEvent(over: Partial<ChatTaggedEvent> = {}): ChatTaggedEvent {
  const e = normalize(webhook('bot-message-log-add-tags'));
  if (e.kind !== 'chatTagged') return assert.fail(`the fixture reads as ${e.kind}`);
  return { ...e, ...over };
}

describe('on: chatTagged', () => {
  test('the delivery of a Workflow adding the tag starts the curation; the event is a trigger event', async () => {
    const set = await setOf({ 'r.yaml': REFUND });
    const e = taggedEvent();
    assert.equal(startsCuration(e), true);
    assert.deepEqual(ids(set, e), ['refund']);
  });

  test('tags are compared ignoring case, width and spacing, like chatTags; one of several added is enough', async () => {
    const set = await setOf({ 'r.yaml': minimalCuration('trigger: { on: chatTagged, tags: [VIP Refund, 환불결제조회] }\nmessages:\n  - text: r\n', 'r') });
    for (const tag of ['vip refund', 'ＶＩＰ  Refund', '환불결제조회']) assert.deepEqual(ids(set, taggedEvent({ tags: ['상담중', tag] })), ['r'], tag);
    assert.deepEqual(ids(set, taggedEvent({ tags: ['상담중'] })), []);
  });

  test('only the tags added count: the chat carrying the tag already (chatTags) is not a tag added', async () => {
    const set = await setOf({ 'r.yaml': REFUND });
    assert.deepEqual(ids(set, taggedEvent({ tags: ['상담중'], chatTags: ['환불결제조회', '상담중'] })), []);
    assert.deepEqual(ids(set, chatOpened({ chatTags: ['환불결제조회'] })), [], 'a chat opened with the tag is not a chatTagged event');
  });

  test("the chat's other conditions apply as for every kind: workflows, support bots, chat tags", async () => {
    const set = await setOf({
      'wf.yaml': minimalCuration("trigger: { on: chatTagged, tags: ['환불결제조회'], workflows: [{ id: '58120', sections: [r2Tk7w] }] }\nmessages:\n  - text: a\n", 'wf'),
      'other-wf.yaml': minimalCuration("trigger: { on: chatTagged, tags: ['환불결제조회'], workflows: ['60311'] }\nmessages:\n  - text: b\n", 'other-wf'),
      'bot.yaml': minimalCuration("trigger: { on: chatTagged, tags: ['환불결제조회'], supportBots: [43684] }\nmessages:\n  - text: c\n", 'bot'),
      'vip.yaml': minimalCuration("trigger: { on: chatTagged, tags: ['환불결제조회'], chatTags: [VIP] }\nmessages:\n  - text: d\n", 'vip'),
    });
    assert.deepEqual(ids(set, taggedEvent()), ['wf']);
    assert.deepEqual(ids(set, taggedEvent({ workflow: null, supportBotId: '43684', chatTags: ['VIP', '환불결제조회'] })), ['bot', 'vip']);
  });

  test('a chatTagged curation is not started by other kinds, and other kinds are not started by it', async () => {
    const set = await setOf({ 'r.yaml': REFUND, 'o.yaml': minimalCuration('trigger: { on: chatOpened, chatTags: [환불결제조회] }\nmessages:\n  - text: o\n', 'o') });
    assert.deepEqual(ids(set, taggedEvent()), ['refund']);
    assert.deepEqual(ids(set, chatOpened({ chatTags: ['환불결제조회'] })), ['o']);
  });

  test("'tags' is required, each tag named, at most 100 characters", async () => {
    assert.deepEqual(await errorsOf(minimalCuration('trigger: { on: chatTagged }\nmessages:\n  - text: x\n')), [
      { path: 'trigger', message: "a chatTagged trigger needs 'tags' (otherwise any tag a bot or a Workflow adds would start it)" },
    ]);
    assert.deepEqual(await errorsOf(minimalCuration("trigger: { on: chatTagged, tags: ['  '] }\nmessages:\n  - text: x\n")), [{ path: 'trigger.tags[0]', message: 'is empty' }]);
    const long = await errorsOf(minimalCuration(`trigger: { on: chatTagged, tags: ['${'가'.repeat(101)}'] }\nmessages:\n  - text: x\n`));
    assert.equal(long[0]?.path, 'trigger.tags[0]');
    assert.match(long[0]?.message ?? '', /at most 100 characters/);
  });

  test("'tags' belongs to chatTagged only, and the refusal says so", async () => {
    assert.deepEqual(await errorsOf(minimalCuration('trigger: { on: chatOpened, tags: [VIP] }\nmessages:\n  - text: x\n')), [
      { path: 'trigger.tags', message: "'tags' is not for chatOpened triggers: tags only applies to chatTagged triggers" },
    ]);
    assert.deepEqual(await errorsOf(minimalCuration('trigger: { on: chatTagged, tags: [VIP], keywords: [hi] }\nmessages:\n  - text: x\n')), [
      { path: 'trigger.keywords', message: "'keywords' is not for chatTagged triggers: keywords and match only apply to userMessage triggers" },
    ]);
  });

  test('the JSON Schema offers it and its key', () => {
    const schema = curationJsonSchema() as { properties: { trigger: { properties: Record<string, { enum?: string[]; description?: string }> } } };
    const trigger = schema.properties.trigger.properties;
    assert.ok(trigger.on?.enum?.includes('chatTagged'));
    assert.match(trigger.on?.description ?? '', /chatTagged: a support bot or a Workflow adds a tag to an open chat/);
    assert.match(trigger.tags?.description ?? '', /chatTagged/);
  });

  test('described for the console and `curation check`; its scope is message.created.userChat', async () => {
    const set = await setOf({ 'r.yaml': minimalCuration("trigger: { on: chatTagged, tags: ['환불결제조회', VIP], workflows: ['58120'] }\ntakeover: { cancelOn: [] }\nmessages:\n  - text: r\n", 'r') });
    const c = set.byId('r')!;
    assert.equal(describeTrigger(c.trigger), 'on chatTagged · workflows 58120 · tags 환불결제조회, VIP');
    assert.deepEqual(c.trigger.tags, ['환불결제조회', 'VIP']);
    assert.deepEqual(scopesNeeded(set.curations).scopes, ['message.created.userChat']);
  });

  test('`curation check` loads and dry-runs it', async () => {
    const dir = await tempDir({ 'r.yaml': REFUND });
    const io = captureIO();
    const code = await checkCommand(['--dir', dir], io);
    assert.equal(code, 0, io.err.join('\n'));
    assert.match(io.out.join('\n'), /ok {2}refund .*\(on chatTagged · tags 환불결제조회; 1 messages/);
  });
});
