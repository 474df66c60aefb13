// The profile contract: coercion of raw answers, fallback on missing or odd
// answers, consent, and never a profile value in a problem or a reason.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, plan, resolveProfile, type Plan } from '../../src/curation/index.js';
import { parseNumber } from '../../src/curation/profile.js';
import { chatOpened, minimalCuration, packCuration, profileFixture, tempDir, userMessage } from './helpers.js';

async function mainPlan(profile: Record<string, unknown> | null, lang = 'ko'): Promise<Plan> {
  return plan(await packCuration('diet-main'), chatOpened({ profile }), profile, { runId: 'run', now: 0, lang });
}

/** Nothing an operator reads may repeat what the customer answered. */
function assertNoValuesLeak(p: Plan, profile: Record<string, unknown>): void {
  const text = JSON.stringify({ problems: p.problems, reason: p.reason });
  for (const [key, value] of Object.entries(profile)) {
    if (key === 'thirdPartyAgree' || typeof value === 'boolean') continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      const s = String(v).trim();
      if (s.length >= 2) assert.ok(!text.includes(s), `'${key}' value leaked into problems/reason: ${text}`);
    }
  }
}

describe('numbers as people type them', () => {
  test('parseNumber: decimal comma, thousands, width, the field unit', () => {
    assert.equal(parseNumber('72.5', 'kg'), 72.5);
    assert.equal(parseNumber(' 72,5 ', 'kg'), 72.5);
    assert.equal(parseNumber('1,234.5', null), 1234.5);
    assert.equal(parseNumber('1,234', null), 1234); // a comma before exactly three digits groups thousands
    assert.equal(parseNumber('72kg', 'kg'), 72);
    assert.equal(parseNumber('72 KG', 'kg'), 72);
    assert.equal(parseNumber('７２．５', 'kg'), 72.5);
    assert.equal(parseNumber('72lb', 'kg'), null);
    assert.equal(parseNumber('about 70', 'kg'), null);
    assert.equal(parseNumber('72kg', null), null);
    assert.equal(parseNumber('7 2', null), null);
  });

  test('numeric strings give the same numbers as numbers', async () => {
    const p = await mainPlan(profileFixture('numeric-strings'));
    assert.equal(p.outcome, 'sequence', p.reason ?? '');
    assert.equal(p.values.bmr, 1708);
    assert.equal(p.values.waterL, 2.2);
    assert.equal(p.values.productIndex, 39);
  });

  test('label spelling variants (case, width, spacing, missing "?") select the same options', async () => {
    const variants = await mainPlan(profileFixture('label-variants'));
    const original = await mainPlan(profileFixture('hong'));
    assert.equal(variants.outcome, 'sequence', variants.reason ?? '');
    for (const name of ['bmr', 'maintenanceKcal', 'goalKcal', 'waterL', 'productIndex']) assert.equal(variants.values[name], original.values[name], name);
    assert.equal(variants.values.wantsFastLoss, true, '빠른 체중 감량(3개월 이내) without its space still counts');
    // "5kg" and "5Kg" are the same label.
    const lower = await mainPlan({ ...profileFixture('hong'), goal: '5kg 미만의 감량을 원하세요?' });
    assert.equal(lower.values.goalKcal, 2113);
  });

  test('option keys are accepted as answers too', async () => {
    const p = await mainPlan({ ...profileFixture('hong'), activation: 'moderate', goal: 'loseUnder5' });
    assert.equal(p.values.goalKcal, 2113);
  });
});

describe('fallback on missing or odd answers', () => {
  test('a missing weight: fallback messages, the field named, nothing computed', async () => {
    const profile = profileFixture('missing-weight');
    const p = await mainPlan(profile);
    assert.equal(p.outcome, 'fallback');
    assert.deepEqual(p.problems.map((x) => [x.field, x.problem]), [['weight', 'missing']]);
    assert.deepEqual(p.values, {});
    assert.equal(p.messages.length, 1);
    assert.match(JSON.stringify(p.messages[0]?.body), /Missing Weight님/);
    assert.match(p.reason ?? '', /weight \(missing\)/);
    assertNoValuesLeak(p, profile);
  });

  test('out of range: fallback naming the field and its rule, never the value', async () => {
    const profile = profileFixture('out-of-range');
    const p = await mainPlan(profile, 'en');
    assert.equal(p.outcome, 'fallback');
    // "72kg" for a kg field is a number; height 1760 is out of range.
    assert.deepEqual(p.problems.map((x) => [x.field, x.problem]), [['height', 'out_of_range']]);
    assert.equal(p.problems[0]?.message, 'height must be between 100 and 250 cm');
    assert.match(JSON.stringify(p.messages[0]?.body.blocks), /Out Of Range/);
    assertNoValuesLeak(p, profile);
  });

  test('not a number, wrong type and several problems at once', async () => {
    const profile = { ...profileFixture('hong'), weight: '72lb', age: [34], height: '' };
    const p = await mainPlan(profile);
    assert.equal(p.outcome, 'fallback');
    assert.deepEqual(
      p.problems.map((x) => [x.field, x.problem]),
      [
        ['weight', 'not_a_number'],
        ['height', 'missing'],
        ['age', 'wrong_type'],
      ],
    );
    assertNoValuesLeak(p, profile);
  });

  test('every required diet field, when missing, is named', async () => {
    for (const field of ['weight', 'height', 'age', 'activation', 'goal', 'hydrate', 'number_dining']) {
      const profile = profileFixture('hong');
      delete profile[field];
      const p = await mainPlan(profile);
      assert.equal(p.outcome, 'fallback', field);
      assert.deepEqual(p.problems.map((x) => x.field), [field]);
    }
  });

  test('optional answers may be missing: no name, no worries, no sex', async () => {
    const profile = profileFixture('hong');
    delete profile.name;
    delete profile.worries;
    const p = await mainPlan(profile, 'en');
    assert.equal(p.outcome, 'sequence');
    assert.equal(p.values.customer, 'there');
    assert.equal(p.values.wantsFastLoss, false);
  });

  test('a null profile ("really none") is a fallback with every required field missing', async () => {
    const p = await mainPlan(null);
    assert.equal(p.outcome, 'fallback');
    assert.deepEqual(p.problems.map((x) => x.field).sort(), ['activation', 'age', 'goal', 'height', 'hydrate', 'number_dining', 'thirdPartyAgree', 'weight']);
    assert.ok(p.problems.every((x) => x.problem === 'missing'));
    assert.match(JSON.stringify(p.messages[0]?.body), /고객님/);
  });

  test('the gift falls back without a goal', async () => {
    const profile = profileFixture('hong');
    delete profile.goal;
    const gift = await packCuration('diet-gift');
    const p = plan(gift, userMessage('선물', { profile }), profile, { runId: 'g', now: 0 });
    assert.equal(p.outcome, 'fallback');
    assert.deepEqual(p.problems.map((x) => x.field), ['goal']);
  });
});

describe('consent', () => {
  test('thirdPartyAgree false: skipped, with the reason and no messages', async () => {
    const profile = profileFixture('no-consent');
    const p = await mainPlan(profile);
    assert.equal(p.outcome, 'skipped');
    assert.deepEqual(p.messages, []);
    assert.deepEqual(p.problems.map((x) => [x.field, x.problem]), [['thirdPartyAgree', 'no_consent']]);
    assert.match(p.reason ?? '', /not consented/);
  });

  test('consent missing or odd counts as not given; "true" and "동의" count as given', async () => {
    const profile = profileFixture('hong');
    delete profile.thirdPartyAgree;
    assert.equal((await mainPlan(profile)).outcome, 'skipped');
    assert.equal((await mainPlan({ ...profile, thirdPartyAgree: 'maybe' })).outcome, 'skipped');
    assert.equal((await mainPlan({ ...profile, thirdPartyAgree: 'true' })).outcome, 'sequence');
    assert.equal((await mainPlan({ ...profile, thirdPartyAgree: '동의' })).outcome, 'sequence');
  });

  test('consent is checked before anything else: no fallback, no computation on refused data', async () => {
    const p = await mainPlan({ thirdPartyAgree: false, weight: 'x' });
    assert.equal(p.outcome, 'skipped');
    assert.deepEqual(p.values, {});
  });

  test('a curation with a consent fallback sends it instead of skipping', async () => {
    const dir = await tempDir({
      'c.yaml': minimalCuration(`fields:
  agree: { type: boolean, consent: true }
  amount: { type: number }
compute:
  double: amount * 2
messages:
  - text: "{{ double }}"
consentFallback:
  messages:
    - text: "동의해 주시면 계산해 드릴게요.{{ amount }}"
`),
    });
    const loaded = await loadCurations(dir);
    assert.ok(loaded.ok);
    const c = loaded.set.curations[0]!;
    const p = plan(c, null, { agree: false, amount: 2 }, { runId: 'r', now: 0 });
    assert.equal(p.outcome, 'fallback');
    assert.equal(p.problems[0]?.problem, 'no_consent');
    assert.deepEqual(p.messages[0]?.body.blocks, [{ type: 'text', value: '동의해 주시면 계산해 드릴게요.' }], 'no answer is used without consent');
    assert.deepEqual(plan(c, null, { agree: true, amount: 2 }, { runId: 'r', now: 0 }).messages[0]?.body.blocks, [{ type: 'text', value: '4' }]);
  });
});

describe('resolveProfile', () => {
  test('typed answers or problems', async () => {
    const c = await packCuration('diet-main');
    const ok = resolveProfile(c, profileFixture('numeric-strings'));
    assert.ok(ok.ok);
    assert.equal(ok.profile.weight, 72.5);
    assert.equal(ok.profile.height, 176);
    assert.equal(ok.profile.activation, 'moderate');
    assert.equal(ok.profile.sex, null);
    assert.deepEqual(ok.profile.worries, []);
    const bad = resolveProfile(c, profileFixture('missing-weight'));
    assert.ok(!bad.ok);
    assert.deepEqual(bad.problems.map((p) => p.field), ['weight']);
  });

  test('an option field without otherwise reports an unknown answer', async () => {
    const dir = await tempDir({
      'c.yaml': minimalCuration(`fields:
  size: { type: option, options: { small: S, large: L } }
messages:
  - text: "{{ size }}"
`),
    });
    const loaded = await loadCurations(dir);
    assert.ok(loaded.ok);
    const c = loaded.set.curations[0]!;
    const r = resolveProfile(c, { size: 'XXL' });
    assert.ok(!r.ok);
    assert.deepEqual(r.problems, [{ field: 'size', problem: 'unknown_option', message: "size is not one of the survey's options" }]);
    assert.equal(plan(c, null, { size: ' l ' }, { runId: 'r', now: 0 }).values.size, undefined);
    assert.equal(JSON.stringify(plan(c, null, { size: ' l ' }, { runId: 'r', now: 0 }).messages[0]?.body.blocks), '[{"type":"text","value":"large"}]');
  });

  test('fields are listed for a console simulator: type, unit, range, options', async () => {
    const c = await packCuration('diet-main');
    const weight = c.fields.find((f) => f.name === 'weight');
    assert.deepEqual([weight?.type, weight?.unit, weight?.min, weight?.max, weight?.required], ['number', 'kg', 20, 300, true]);
    const goal = c.fields.find((f) => f.name === 'goal');
    assert.deepEqual(goal?.options.map((o) => o.key), ['lose5plus', 'loseUnder5', 'gain5plus']);
    assert.equal(goal?.otherwise, 'maintain');
    assert.equal(c.fields.find((f) => f.consent)?.key, 'thirdPartyAgree');
    assert.equal(c.needsProfile, true);
    assert.doesNotThrow(() => JSON.stringify(c), 'a Curation is plain data');
  });
});
