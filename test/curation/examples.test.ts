// A curation that is not about diets, and the function-module escape hatch.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCurations, matchCurations, plan, type CurationSet } from '../../src/curation/index.js';
import { MessageBodySchema, type MessageBody } from '../../src/channeltalk/wire.js';
import { messageBodyProblems } from '../../src/channeltalk/markup.js';
import { specMessageProblems } from '../../src/fake-channeltalk/message-rules.js';
import { checkCommand } from '../../src/cli/check.js';
import { previewCommand } from '../../src/cli/preview.js';
import { ROOT, captureIO, tempDir, userMessage, chatOpened } from './helpers.js';
import { webUrl } from '../support/bodies.js';

async function load(dir: string): Promise<CurationSet> {
  const r = await loadCurations(path.resolve(ROOT, dir));
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => `${e.file}:${e.line} ${e.path}: ${e.message}`).join('\n'));
  return r.set;
}

describe('examples/curations/refund-estimate.yaml', () => {
  const ask = (profile: Record<string, unknown>, lang = 'ko') => userMessage('환불 받고 싶어요', { profile, chatTags: [], supportBotId: null, language: lang });

  test('it loads and matches refund questions anywhere in a sentence', async () => {
    const set = await load('examples/curations');
    assert.deepEqual(matchCurations(set, ask({})).map((c) => c.id), ['refund-estimate']);
    assert.deepEqual(matchCurations(set, userMessage('배송 언제 와요?', { chatTags: [] })).map((c) => c.id), []);
  });

  const cases: Array<[string, Record<string, unknown>, number, number]> = [
    // 35,000 won, changed mind, day 3: 100 % - 6,000 shipping = 29,000
    ['changed mind within a week', { orderAmount: 35000, daysSinceDelivery: 3, reason: '단순 변심' }, 29000, 3],
    // day 10: 90 % of 35,000 = 31,500 - 6,000 = 25,500
    ['changed mind in week two', { orderAmount: '35,000원', daysSinceDelivery: '10', reason: '단순 변심' }, 25500, 3],
    // opened: also 10 % of 35,000 = 3,500 → 31,500 - 6,000 - 3,500 = 22,000
    ['opened, week two', { orderAmount: 35000, daysSinceDelivery: 10, reason: '단순변심', opened: true }, 22000, 3],
    // a defect is the shop's fault: the full price, at any time, no shipping
    ['defect after 40 days', { orderAmount: 35000, daysSinceDelivery: 40, reason: 'Damaged', opened: true }, 35000, 3],
    // 20 days, other reason: 70 % of 12,345 = 8,641.5 → floor to the 10 won 8,640 - 3,000 = 5,640
    ['other reason, day 20', { orderAmount: 12345, daysSinceDelivery: 20, reason: '그냥요' }, 5640, 3],
    // past 31 days: 0 %, and never negative
    ['too late', { orderAmount: 35000, daysSinceDelivery: 45, reason: '단순 변심' }, 0, 3],
  ];
  for (const [label, profile, refund, count] of cases) {
    test(`plans: ${label}`, async () => {
      const c = (await load('examples/curations')).byId('refund-estimate')!;
      const p = plan(c, ask(profile), profile, { runId: 'rf', now: 0 });
      assert.equal(p.outcome, 'sequence', p.reason ?? '');
      assert.equal(p.values.refund, refund);
      assert.equal(p.messages.length, count);
      for (const m of p.messages) assert.ok(MessageBodySchema.safeParse(m.body).success);
      const buttons = p.messages.flatMap((m) => m.body.buttons ?? []);
      if (refund > 0) assert.equal(webUrl(buttons[0]), `https://shop.example/refund?amount=${refund}`);
      else assert.equal(buttons.length, 0);
    });
  }

  test('typing delays stay within their bounds; a missing answer falls back', async () => {
    const c = (await load('examples/curations')).byId('refund-estimate')!;
    const p = plan(c, null, { orderAmount: 1000, daysSinceDelivery: 1, reason: '불량' }, { runId: 'rf', now: 0, lang: 'en' });
    assert.ok(p.messages.slice(0, 2).every((m) => m.delayMs >= 800 && m.delayMs <= 3000));
    assert.match(JSON.stringify(p.messages[1]?.body), /KRW 1,000/);
    // The missing answers are asked for in the chat (fallback.ask); a run that asked once gets the plain fallback.
    const f = plan(c, null, { orderAmount: 1000 }, { runId: 'rf', now: 0 });
    assert.equal(f.outcome, 'ask');
    assert.deepEqual(f.problems.map((x) => x.field), ['daysSinceDelivery', 'reason']);
    assert.deepEqual(f.messages[0]?.body.form?.inputs.map((i) => i.bindingKey), ['user.profile.daysSinceDelivery', 'user.profile.reason'], 'only the missing answers');
    const again = plan(c, null, { orderAmount: 1000 }, { runId: 'rf', now: 0, ask: false });
    assert.equal(again.outcome, 'fallback');
    assert.deepEqual(again.problems.map((x) => x.field), ['daysSinceDelivery', 'reason']);
  });
});

describe('function modules', () => {
  test('a .js module next to the file: its functions are callable, pure, and get the plan clock', async () => {
    const set = await load('test/curation/fixtures/functions-js');
    const c = set.byId('delivery-date')!;
    // Wednesday 2025-01-15 12:00 KST + 3 business days = Monday 2025-01-20
    const now = Date.UTC(2025, 0, 15, 3, 0, 0);
    // The plan's clock is when the customer asked (the message's time), not when it was planned (an hour later here).
    const p = plan(c, userMessage('what is my delivery date?', { occurredAt: now }), { shippingDays: 3 }, { runId: 'd', now: now + 3_600_000 });
    assert.equal(p.values.arrives, '2025-01-20');
    assert.deepEqual(p.messages[0]?.body.blocks, [{ type: 'text', value: 'Your order should arrive on <b>2025-01-20</b>.' }]);
  });

  test('a .ts module is compiled by the project and imported from the build output', async () => {
    const set = await load('test/curation/fixtures/functions-ts');
    const c = set.byId('vat')!;
    const p = plan(c, chatOpened(), { price: '10,000원' }, { runId: 'v', now: 0 });
    assert.equal(p.values.total, 11000);
    assert.deepEqual(p.messages[0]?.body.blocks, [{ type: 'text', value: '부가세 포함 <b>11,000원</b>이에요.' }]);
  });

  test('a failing function falls back with a reason naming the value, not the data', async () => {
    const dir = await tempDir({
      'f.js': 'export default { boom: () => { throw new Error("secret 72.5"); } };\n',
      'f.yaml': 'id: f\ndefaultLanguage: en\ntrigger: { on: chatOpened }\nfunctions: ./f.js\nfields:\n  w: { type: number }\ncompute:\n  x: "w > 1000 ? boom() : 1"\nmessages:\n  - text: "{{ x }}"\nfallback:\n  messages:\n    - text: sorry\n',
    });
    const set = await load(dir);
    const p = plan(set.byId('f')!, null, { w: 5000 }, { runId: 'f', now: 0 });
    assert.equal(p.outcome, 'fallback');
    assert.equal(p.reason, "could not compute 'x': boom() failed");
    assert.deepEqual(p.values, {});
  });

  test('a reload picks up a changed module', async () => {
    const yaml = 'id: f\ndefaultLanguage: en\ntrigger: { on: chatOpened }\nfunctions: ./f.js\ncompute:\n  x: "answer()"\nmessages:\n  - text: "{{ x }}"\n';
    const dir = await tempDir({ 'f.js': 'export default { answer: () => 1 };\n', 'f.yaml': yaml });
    const value = async () => plan((await load(dir)).byId('f')!, null, {}, { runId: 'f', now: 0 }).values.x;
    assert.equal(await value(), 1);
    assert.equal(await value(), 1, 'unchanged: the same module');
    // A different size as well as a later time, so the change shows even on a coarse file clock.
    writeFileSync(path.join(dir, 'f.js'), 'export default { answer: () => 22 };\n');
    utimesSync(path.join(dir, 'f.js'), new Date(Date.now() + 5_000), new Date(Date.now() + 5_000));
    assert.equal(await value(), 22);
  });

  test('module problems are load errors', async () => {
    const missing = await loadCurations(await tempDir({ 'f.yaml': 'id: f\ndefaultLanguage: en\ntrigger: { on: chatOpened }\nfunctions: ./nope.js\nmessages:\n  - text: hi\n' }));
    assert.ok(!missing.ok);
    assert.equal(missing.errors[0]?.path, 'functions');
    const notFns = await loadCurations(await tempDir({ 'm.js': 'export default { x: 1 };\n', 'f.yaml': 'id: f\ndefaultLanguage: en\ntrigger: { on: chatOpened }\nfunctions: ./m.js\nmessages:\n  - text: hi\n' }));
    assert.ok(!notFns.ok);
    assert.match(notFns.errors[0]?.message ?? '', /not a function/);
  });
});

describe('examples/curations/delivery-booking.yaml: every message type', () => {
  const PROFILE = 'test/fixtures/profiles/delivery-booking.json';

  test('it loads, starts on a chat tagged 배송예약, and sends every part as the API takes it', async () => {
    const set = await load('examples/curations');
    assert.deepEqual(matchCurations(set, chatOpened({ chatTags: ['배송예약'], supportBotId: null })).map((c) => c.id), ['delivery-booking']);
    const profile = JSON.parse(readFileSync(path.resolve(ROOT, PROFILE), 'utf8')) as Record<string, unknown>;
    const p = plan(set.byId('delivery-booking')!, null, profile, { runId: 'db', now: Date.UTC(2026, 2, 1), lang: 'en' });
    assert.equal(p.outcome, 'sequence', p.reason ?? '');
    const bodies = p.messages.map((m) => m.body);
    for (const b of bodies) {
      assert.deepEqual(messageBodyProblems(b), [], 'the client sends it');
      assert.deepEqual(specMessageProblems(b), [], 'the API takes it');
    }
    const has = (pred: (b: MessageBody) => boolean) => bodies.some(pred);
    assert.ok(has((b) => b.form?.inputs.length === 4 && b.form.inputs.every((i) => i.bindingKey?.startsWith('user.profile.'))), 'a form bound to the profile');
    assert.ok(has((b) => (b.files?.length ?? 0) > 0), 'a file');
    assert.ok(has((b) => b.webPage?.url === 'https://shop.example/delivery/faq?lang=en'), 'a link preview');
    assert.ok(has((b) => (b.blocks ?? []).some((x) => x.type === 'bullets' && x.blocks.some((y) => y.type === 'bullets'))), 'nested bullets');
    assert.ok(has((b) => (b.blocks ?? []).some((x) => x.type === 'code' && x.value === 'DLV-20260301')), 'a code block');
    assert.ok(has((b) => (b.blocks ?? []).some((x) => x.type === 'text' && x.value.startsWith('<link type="manager" value="all">'))), 'a mention');
    const actions = bodies.flatMap((b) => b.buttons ?? []).map((b) => b.action.type);
    assert.deepEqual(actions.toSorted(), ['command', 'wam', 'web']);
    assert.ok(has((b) => JSON.stringify(b.options) === '["private","silent"]'), 'options');
  });

  test('curation check passes it and curation preview shows it', async () => {
    const io = captureIO();
    assert.equal(await checkCommand(['--dir', 'examples/curations'], io), 0, io.err.join('\n'));
    assert.ok(io.out.some((l) => /^ok {2}delivery-booking .*\(on chatOpened · chat tags 배송예약; 4 messages; ko\/en\)$/.test(l)), io.out.join('\n'));
    assert.deepEqual(io.err, [], 'no warning');
    const pv = captureIO();
    assert.equal(await previewCommand(['delivery-booking', '--dir', 'examples/curations', '--profile', PROFILE, '--lang', 'en'], pv), 0, pv.err.join('\n'));
    const out = pv.out.join('\n');
    for (const part of [
      /\[form\] Preferred date \(date, required\) → user\.profile\.deliveryDate/,
      /\[form\] Items \(checkbox: 소파 \| 침대 \| 식탁\) → user\.profile\.items/,
      /• The width of the door and the hallway\n {6}• Sofa: at least 90 cm/,
      /\[file\] delivery-guide\.pdf \(470\.8 KB\)/,
      /\[link preview\] Delivery FAQ: https:\/\/shop\.example\/delivery\/faq\?lang=en/,
      /\[ Reschedule \] → WAM reschedule of app 64f0c2a1e4b0a1b2c3d4e5f6/,
      /\[ Dispatch \] → command dispatch of app 64f0c2a1e4b0a1b2c3d4e5f6/,
      /@Delivery team new booking: 2026-03-14, floor 12/,
      /options: private, silent/,
    ]) {
      assert.match(out, part);
    }
  });
});
