// examples/curations/refund-menu.yaml: the refund estimate of the system we
// replace (/work/shared/docs/refund-curation.md), written in the language
// alone. Every expected number below is worked out by hand from that doc's
// rules, not taken from a run:
//   count' = count + (meals a day, when a cut-off row applies)
//   used   = 8,900 × count' + (sum of the options' surcharges) × count' + ceil(count' / (meals a day × 2)) × 2,500
//   refund = max(0, price − used)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadCurations, plan, type Curation, type Plan } from '../../src/curation/index.js';
import { previewCommand } from '../../src/cli/preview.js';
import { checkCommand } from '../../src/cli/check.js';
import { captureIO, chatOpened, ROOT, tempDir } from './helpers.js';

let loaded: Promise<Curation> | null = null;
function refundMenu(): Promise<Curation> {
  loaded ??= loadCurations(path.resolve(ROOT, 'examples/curations')).then((r) => {
    assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => `${e.file}:${e.line} ${e.path}: ${e.message}`).join('\n'));
    const c = r.set.byId('refund-menu');
    assert.ok(c, 'refund-menu is in examples/curations');
    return c;
  });
  return loaded;
}

/** A moment given as its wall-clock time in Seoul (UTC+9, no daylight saving). */
const seoul = (iso: string) => Date.parse(`${iso}+09:00`);

const profile = (over: Record<string, unknown> = {}) => ({
  name: '김하나',
  temp_refund_menu: '샐러드 정기배송 2식 (123,000원)',
  temp_refund_count: 7,
  temp_refund_option: ['단백질 추가 (50g)'],
  temp_refund_delivery: '월요일 / 수요일',
  ...over,
});

async function ask(over: Record<string, unknown>, at: number, lang = 'ko'): Promise<Plan> {
  const p = profile(over);
  // The event says when the customer asked; the job plans it a while later.
  return plan(await refundMenu(), chatOpened({ chatTags: ['환불결제조회'], supportBotId: null, occurredAt: at, profile: p, language: lang }), p, { runId: 'r', now: at + 45 * 60_000 });
}

const pick = (p: Plan) => ({ price: p.values.price, mealsPerDay: p.values.mealsPerDay, countCharged: p.values.countCharged, refund: p.values.refund });
const text = (p: Plan) => p.messages.flatMap((m) => (m.body.blocks ?? []).map((b) => ('value' in b ? String(b.value) : JSON.stringify(b)))).join('\n');

describe('examples/curations/refund-menu.yaml', () => {
  test("the doc's worked example: 2식 (123,000원), 7 meals, +50 g protein, Mon/Wed, Tuesday 10:00 in Seoul", async () => {
    // count' = 7 + 2 = 9; used = 80,100 + 6,300 + ceil(9/4)=3 × 2,500 = 93,900; refund = 29,100
    const p = await ask({}, seoul('2026-12-08T10:00'));
    assert.equal(p.outcome, 'sequence', p.reason ?? '');
    assert.deepEqual(pick(p), { price: 123000, mealsPerDay: 2, countCharged: 9, refund: 29100 });
    assert.match(text(p), /29,100원/);
    assert.match(text(p), /수요일/, 'says until which delivery meals are sent');
  });

  test('Mon/Wed, Monday 15:59: before the cut-off, nothing is added', async () => {
    // count' = 7; used = 62,300 + 4,900 + ceil(7/4)=2 × 2,500 = 72,200; refund = 50,800
    const p = await ask({}, seoul('2026-12-07T15:59'));
    assert.deepEqual(pick(p), { price: 123000, mealsPerDay: 2, countCharged: 7, refund: 50800 });
    assert.doesNotMatch(text(p), /배송분까지/);
  });

  test('Mon/Wed, Monday 16:00: the cut-off adds one day of meals', async () => {
    assert.deepEqual(pick(await ask({}, seoul('2026-12-07T16:00'))), { price: 123000, mealsPerDay: 2, countCharged: 9, refund: 29100 });
  });

  test('the weekday and hour are Seoul\'s: Monday 05:00 in Seoul is still Sunday in UTC, and no cut-off applies', async () => {
    const at = seoul('2026-12-07T05:00');
    assert.equal(new Date(at).getUTCDay(), 0, 'Sunday in UTC');
    assert.deepEqual(pick(await ask({}, at)), { price: 123000, mealsPerDay: 2, countCharged: 7, refund: 50800 });
  });

  test('Tue/Thu, Sunday 16:00, 1식 (89,000원), 4 meals, two options: meals until next Tuesday', async () => {
    // count' = 4 + 1 = 5; used = 44,500 + (1,000 + 1,400) × 5 = 12,000 + ceil(5/2)=3 × 2,500 = 7,500 → 64,000; refund = 25,000
    const p = await ask(
      { temp_refund_menu: '샐러드 정기배송 1식 (89,000원)', temp_refund_count: '4', temp_refund_option: ['탄수화물 추가 (100g)', '단백질 추가 (100g)'], temp_refund_delivery: '화요일/목요일' },
      seoul('2026-12-13T16:00'),
    );
    assert.deepEqual(pick(p), { price: 89000, mealsPerDay: 1, countCharged: 5, refund: 25000 });
    assert.match(text(p), /다음 주 화요일/);
  });

  test('Tue/Thu, Monday at any hour (03:00) adds a day; Tue/Thu, Tuesday 15:00 does not', async () => {
    const tueThu = { temp_refund_delivery: '화요일 / 목요일', temp_refund_option: '없음' };
    // Monday 03:00: count' = 9, options 0: used = 80,100 + 0 + 7,500 = 87,600; refund = 35,400
    assert.deepEqual(pick(await ask(tueThu, seoul('2026-12-07T03:00'))), { price: 123000, mealsPerDay: 2, countCharged: 9, refund: 35400 });
    // Tuesday 15:00: count' = 7: used = 62,300 + 0 + 5,000 = 67,300; refund = 55,700
    assert.deepEqual(pick(await ask(tueThu, seoul('2026-12-08T15:00'))), { price: 123000, mealsPerDay: 2, countCharged: 7, refund: 55700 });
  });

  test('Mon/Wed, Saturday 16:00, 3식 (150,000원), nothing received yet, no options (an empty list)', async () => {
    // count' = 0 + 3 = 3; used = 26,700 + 0 + ceil(3/6)=1 × 2,500 = 29,200; refund = 120,800
    const p = await ask({ temp_refund_menu: '프리미엄 3식 (150,000원)', temp_refund_count: 0, temp_refund_option: [] }, seoul('2026-12-12T16:00'));
    assert.deepEqual(pick(p), { price: 150000, mealsPerDay: 3, countCharged: 3, refund: 120800 });
    assert.match(text(p), /다음 주 월요일/);
  });

  test('more used than paid: the refund is 0, never negative, and the reply says nothing is refundable', async () => {
    // Tue/Thu, Wednesday 09:00: count' = 10 + 2 = 12; used = 106,800 + 0 + 3 × 2,500 = 114,300 > 60,000
    const p = await ask({ temp_refund_menu: '2식 (60,000원)', temp_refund_count: 10, temp_refund_option: ['없음'], temp_refund_delivery: '화요일 / 목요일' }, seoul('2026-12-09T09:00'));
    assert.deepEqual(pick(p), { price: 60000, mealsPerDay: 2, countCharged: 12, refund: 0 });
    assert.match(text(p), /환불 가능한 금액이 없/);
  });

  test('an option not in the surcharge table is never dropped: the customer gets the fallback', async () => {
    // The old system dropped such entries without a word and so overstated refunds.
    const p = await ask({ temp_refund_option: ['단백질 추가 (50g)', '단백질 추가 (70g)'] }, seoul('2026-12-08T10:00'));
    assert.equal(p.outcome, 'fallback');
    assert.match(p.reason ?? '', /temp_refund_option/);
    assert.doesNotMatch(JSON.stringify(p), /70g/, 'the answer is never quoted');
    assert.match(text(p), /안내된 목록에 없는 옵션이 있어요/);
  });

  test('a menu text without a price, or without the meals a day: the fallback, which names the menu', async () => {
    for (const menu of ['샐러드 정기배송 2식', '샐러드 정기배송 (123,000원)', '샐러드 2식 (가격 문의)']) {
      const p = await ask({ temp_refund_menu: menu }, seoul('2026-12-08T10:00'));
      assert.equal(p.outcome, 'fallback', menu);
      assert.deepEqual(p.problems.map((x) => [x.field, x.problem]), [['temp_refund_menu', 'not_matching']], menu);
      assert.match(text(p), /구독 메뉴에 하루 식사 수와 가격이 보이지 않아요/, menu);
    }
  });

  test('a count that is not a whole number from 0 up, or an unknown delivery text: the fallback', async () => {
    for (const over of [{ temp_refund_count: 7.5 }, { temp_refund_count: -1 }, { temp_refund_count: '일곱' }, { temp_refund_delivery: '금요일' }]) {
      const p = await ask(over, seoul('2026-12-08T10:00'));
      assert.equal(p.outcome, 'fallback', JSON.stringify(over));
    }
  });

  test('in English too', async () => {
    const p = await ask({}, seoul('2026-12-08T10:00'), 'en');
    assert.equal(p.lang, 'en');
    assert.match(text(p), /KRW 29,100/);
    assert.match(text(p), /Wednesday/);
  });

  test('curation preview --now --json shows the computed values at that moment', async () => {
    const dir = await tempDir({ 'answers.json': JSON.stringify(profile()) });
    const io = captureIO();
    const code = await previewCommand(['refund-menu', '--dir', 'examples/curations', '--profile', path.join(dir, 'answers.json'), '--now', '2026-12-08T10:00:00+09:00', '--json'], io);
    assert.equal(code, 0, io.err.join('\n'));
    const out = JSON.parse(io.out.join('\n')) as { now: string; values: Record<string, unknown>; messages: unknown[] };
    assert.equal(out.now, '2026-12-08T01:00:00.000Z');
    assert.equal(out.values.countCharged, 9);
    assert.equal(out.values.refund, 29100);
    assert.ok(out.messages.length > 0);
  });

  test('every file in examples/curations, and the shipped pack, loads and checks clean: no problem, no warning', async () => {
    for (const dir of ['examples/curations', 'curations']) {
      const io = captureIO();
      assert.equal(await checkCommand(['--dir', dir], io), 0, io.err.join('\n'));
      assert.deepEqual(io.err, [], `${dir}: no warning`);
    }
  });
});
