// Which curations an event starts: kind, support bot, chat tags, keywords.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, matchCurations, type CurationSet } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { webhook } from '../support/fixtures.js';
import { chatOpened, loadPack, minimalCuration, otherEvent, tempDir, userMessage } from './helpers.js';

const ids = (set: CurationSet, e: Parameters<typeof matchCurations>[1]) => matchCurations(set, e).map((c) => c.id);

describe('diet pack triggers', () => {
  test('chat opened from a shop bot with the tag starts the main curation only', async () => {
    const set = await loadPack();
    assert.deepEqual(ids(set, chatOpened()), ['diet-main']);
    for (const bot of ['51767', '43684', '47423']) assert.deepEqual(ids(set, chatOpened({ supportBotId: bot })), ['diet-main']);
  });

  test('the real webhook fixtures match as expected', async () => {
    const set = await loadPack();
    assert.deepEqual(ids(set, normalize(webhook('user-chat-opened'))), ['diet-main']);
    assert.deepEqual(ids(set, normalize(webhook('user-chat-opened.scope-shape'))), ['diet-main']);
    assert.deepEqual(ids(set, normalize(webhook('user-message-keyword'))), ['diet-gift']);
    assert.deepEqual(ids(set, normalize(webhook('manager-message'))), []);
    assert.deepEqual(ids(set, normalize(webhook('bot-message'))), []);
  });

  test('another bot, no bot, or a chat without the tag starts nothing', async () => {
    const set = await loadPack();
    assert.deepEqual(ids(set, chatOpened({ supportBotId: '99999' })), []);
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null })), []);
    assert.deepEqual(ids(set, chatOpened({ chatTags: [] })), []);
    assert.deepEqual(ids(set, chatOpened({ chatTags: ['배송문의'] })), []);
    assert.deepEqual(ids(set, chatOpened({ chatTags: ['배송문의', '식단큐레이션받기'] })), ['diet-main'], 'one matching tag among others is enough');
    assert.deepEqual(ids(set, userMessage('선물', { chatTags: [] })), []);
    assert.deepEqual(ids(set, userMessage('선물', { supportBotId: '1' })), []);
  });

  test('the gift keyword in its variants and synonyms', async () => {
    const set = await loadPack();
    for (const text of ['선물', '선물!', '선물!!', ' 선 물 ', '선물?', '선물요', '선물 주세요', 'gift', 'GIFT', 'Gift!', 'ｇｉｆｔ', 'g i f t', '🎁 선물', 'my gift', 'Free-Gift']) {
      assert.deepEqual(ids(set, userMessage(text)), ['diet-gift'], JSON.stringify(text));
    }
  });

  test('the keyword inside a longer unrelated sentence does not match (exact is the default)', async () => {
    const set = await loadPack();
    for (const text of ['어제 받은 선물 포장이 찢어졌어요', '선물용으로 포장 가능한가요?', 'is this a good gift for my mom', 'gifts', '', '!!!']) {
      assert.deepEqual(ids(set, userMessage(text)), [], JSON.stringify(text));
    }
  });

  test('manager and bot messages never match, even saying the keyword', async () => {
    const set = await loadPack();
    assert.deepEqual(ids(set, otherEvent('managerMessage')), []);
    assert.deepEqual(ids(set, otherEvent('botMessage')), []);
    const bot = normalize({ ...webhook('bot-message'), entity: { ...(webhook('bot-message').entity as object), plainText: '선물', blocks: [{ type: 'text', value: '선물' }] } });
    assert.equal(bot.kind, 'botMessage');
    assert.deepEqual(ids(set, bot), []);
  });

  test('a user message never starts a chatOpened curation, nor the reverse', async () => {
    const set = await loadPack();
    assert.deepEqual(ids(set, userMessage('식단큐레이션받기')), []);
    assert.deepEqual(ids(set, chatOpened()).includes('diet-gift'), false);
  });
});

describe('trigger options', () => {
  async function setOf(files: Record<string, string>): Promise<CurationSet> {
    const r = await loadCurations(await tempDir(files));
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
    return r.set;
  }

  test('match: contains accepts the keyword anywhere; synonyms count', async () => {
    const set = await setOf({
      'refund.yaml': minimalCuration('trigger: { on: userMessage, keywords: [환불, refund], match: contains }\nmessages:\n  - text: hi\n', 'refund'),
    });
    for (const text of ['환불 받고 싶어요', '환불해주세요!!', 'How do I get a REFUND?', 'refund']) assert.deepEqual(ids(set, userMessage(text, { chatTags: [], supportBotId: null })), ['refund'], text);
    assert.deepEqual(ids(set, userMessage('배송이 늦어요', { chatTags: [], supportBotId: null })), []);
  });

  test('empty bot and tag lists mean any; several curations match in file order; disabled ones never', async () => {
    const set = await setOf({
      'b.yaml': minimalCuration('messages:\n  - text: b\n', 'b'),
      'a.yaml': minimalCuration('trigger: { on: chatOpened, supportBots: [] , chatTags: [] }\nmessages:\n  - text: a\n', 'a'),
      'c.yaml': minimalCuration('enabled: false\nmessages:\n  - text: c\n', 'c'),
    });
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null, chatTags: [] })), ['a', 'b']);
    assert.equal(set.byId('c')?.enabled, false, 'a disabled curation is still loaded (for preview)');
  });

  test('numeric bot ids in YAML compare equal to the string ids of events', async () => {
    const set = await setOf({ 'n.yaml': minimalCuration('trigger: { on: chatOpened, supportBots: [43684] }\nmessages:\n  - text: n\n', 'n') });
    assert.deepEqual(ids(set, chatOpened({ supportBotId: '43684' })), ['n']);
  });

  test('limits and takeover are exposed as data', async () => {
    const set = await loadPack();
    assert.deepEqual(set.byId('diet-main')?.limits, { oncePerChat: true, cooldownMs: 24 * 3600 * 1000 });
    assert.deepEqual(set.byId('diet-gift')?.limits, { oncePerChat: true, cooldownMs: 3600 * 1000 });
    assert.deepEqual(set.byId('diet-main')?.takeover.cancelOn, ['managerMessage', 'chatClosed', 'chatAssigned']);
    const other = await setOf({ 'x.yaml': minimalCuration('limits: { oncePerChat: false, cooldown: null }\nmessages:\n  - text: x\n', 'x') });
    assert.deepEqual(other.byId('x')?.limits, { oncePerChat: false, cooldownMs: null });
  });
});

// Issue 10, item 15: triggers name workflows (and sections of them) as they name support bots.
describe('workflow triggers', () => {
  async function setOf(files: Record<string, string>): Promise<CurationSet> {
    const r = await loadCurations(await tempDir(files));
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
    return r.set;
  }
  const wf = (id: string, sectionPath: string[] = []) => ({ id, sectionPath });

  test('the workflow-started fixture matches a curation naming its workflow, and not the support-bot-only diet pack', async () => {
    const event = normalize(webhook('user-chat-opened.workflow'));
    const set = await setOf({ 'w.yaml': minimalCuration("trigger: { on: chatOpened, workflows: ['58120'], chatTags: [식단큐레이션받기] }\nmessages:\n  - text: w\n", 'w') });
    assert.deepEqual(ids(set, event), ['w']);
    assert.deepEqual(ids(await loadPack(), event), []);
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null, workflow: wf('99999') })), []);
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null, workflow: null })), []);
  });

  test('sections: the chat must have gone through one of them', async () => {
    const set = await setOf({
      's.yaml': minimalCuration("trigger:\n  on: chatOpened\n  workflows:\n    - { id: '58120', sections: [p9x1Qe, zz9] }\nmessages:\n  - text: s\n", 's'),
    });
    assert.deepEqual(ids(set, normalize(webhook('user-chat-opened.workflow'))), ['s']);
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null, workflow: wf('58120', ['k3n2Ab']) })), []);
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null, workflow: wf('58120', ['k3n2Ab', 'zz9']) })), ['s']);
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null, workflow: wf('77777', ['p9x1Qe']) })), [], 'a section of another workflow');
  });

  test('support bots and workflows together: the chat comes from one of either', async () => {
    const set = await setOf({ 'b.yaml': minimalCuration("trigger: { on: chatOpened, supportBots: ['43684'], workflows: [58120] }\nmessages:\n  - text: b\n", 'b') });
    assert.deepEqual(ids(set, chatOpened({ supportBotId: '43684', workflow: null })), ['b']);
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null, workflow: wf('58120') })), ['b'], 'a numeric id in YAML');
    assert.deepEqual(ids(set, chatOpened({ supportBotId: '1', workflow: wf('2') })), []);
    assert.deepEqual(ids(set, chatOpened({ supportBotId: null, workflow: null })), []);
  });

  test('a userMessage trigger reads the workflow of the chat the message is in', async () => {
    const set = await setOf({ 'm.yaml': minimalCuration("trigger: { on: userMessage, workflows: ['58120'], keywords: [선물] }\nmessages:\n  - text: m\n", 'm') });
    const body = webhook('user-message-keyword');
    const refers = body.refers as Record<string, Record<string, unknown>>;
    const inWorkflow = normalize({ ...body, refers: { ...refers, userChat: { ...refers.userChat, source: { workflow: { id: '58120', sectionPath: ['a'] } } } } });
    assert.deepEqual(ids(set, inWorkflow), ['m']);
    assert.deepEqual(ids(set, normalize(body)), [], 'the same message in a support bot chat');
  });

  test('a workflow or section that is not an id is a load error with its place', async () => {
    for (const [yaml, where] of [
      ["workflows: ['..']", /^trigger\.workflows\[0\]$/],
      ["workflows: [{ id: '58120', sections: ['a/b'] }]", /^trigger\.workflows\[0\]\.sections\[0\]$/],
      ['workflows: [{ sections: [a] }]', /^trigger\.workflows\[0\]/],
    ] as const) {
      const r = await loadCurations(await tempDir({ 'x.yaml': minimalCuration(`trigger: { on: chatOpened, ${yaml} }\nmessages:\n  - text: x\n`, 'x') }));
      assert.ok(!r.ok, yaml);
      assert.ok(r.errors.some((e) => where.test(e.path)), `${yaml}: ${JSON.stringify(r.errors.map((e) => [e.path, e.message]))}`);
    }
  });

  test('the compiled trigger lists workflows as data', async () => {
    const set = await setOf({ 'd.yaml': minimalCuration("trigger: { on: chatOpened, workflows: [58120, { id: w2, sections: [s1] }] }\nmessages:\n  - text: d\n", 'd') });
    assert.deepEqual(set.byId('d')?.trigger.workflows, [
      { id: '58120', sections: [] },
      { id: 'w2', sections: ['s1'] },
    ]);
    assert.deepEqual((await loadPack()).byId('diet-main')?.trigger.workflows, []);
  });
});
