// Golden tests of the diet pack's numbers (curations/diet-main.yaml). Expected
// values never come from the program: they are worked out by hand below (the
// arithmetic is in the comments), or computed by `reference()`, a separate
// implementation of the original system's formulas in exact decimal arithmetic.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadCurations, plan, type Plan } from '../../src/curation/index.js';
import { chatOpened, PACK_DIR, packCuration, profileFixture, tempDir } from './helpers.js';

// ---------------------------------------------------------------------------
// The reference implementation. Numbers are BigInt millionths, so every
// product of the document's coefficients (at most 3 decimals) with survey
// answers (at most 3 decimals) is exact, and BigInt division truncates.
// ---------------------------------------------------------------------------

const M = 1_000_000n;

function dec(x: number | string): bigint {
  const s = String(x).trim();
  const neg = s.startsWith('-');
  const [int = '0', frac = ''] = s.replace('-', '').split('.');
  const v = BigInt(int + (frac + '000000').slice(0, 6));
  return neg ? -v : v;
}
const times = (a: bigint, b: bigint) => (a * b) / M;

const ACTIVITY = { none: '1.2', moderate: '1.375', high: '1.55', veryHigh: '1.725' } as const;
const GOAL = { lose5plus: '0.8', loseUnder5: '0.9', gain5plus: '1.1', maintain: '1.0' } as const;
const PROGRAM = [
  [23, 30, 33],
  [38, 39, 40],
  [41, 42, 45],
];

interface RefInput {
  weight: number;
  height: number;
  age: number;
  female: boolean;
  activation: keyof typeof ACTIVITY;
  goal: keyof typeof GOAL;
}

/** round(x / d, 1) half up, for positive integers: tenths = floor((20x + d) / 2d) / 10. */
function tenths(numerator: bigint, denominator: bigint): number {
  return Number((20n * numerator + denominator) / (2n * denominator)) / 10;
}

function bandOf(x: number, edges: [number, number, number]): number | null {
  if (x < 0) return null;
  const i = edges.findIndex((e) => x < e);
  return i === -1 ? null : i;
}

function reference(p: RefInput) {
  const w = dec(p.weight);
  const h = dec(p.height);
  const a = dec(p.age);
  const exact = p.female
    ? dec('655.1') + times(dec('9.563'), w) + times(dec('1.85'), h) - times(dec('4.676'), a)
    : dec('66') + times(dec('13.7'), w) + 5n * h - times(dec('6.8'), a);
  const bmr = exact / M;
  const maintenanceKcal = times(bmr, dec(ACTIVITY[p.activation]));
  const goalKcal = times(maintenanceKcal, dec(GOAL[p.goal]));
  const carbsG = (goalKcal * 5n) / 40n; // goal * 0.5 / 4
  const proteinG = (goalKcal * 3n) / 40n; // goal * 0.3 / 4
  const fatG = (goalKcal * 2n) / 90n; // goal * 0.2 / 9
  const c = carbsG / 4n;
  const pr = proteinG / 4n;
  const cb = bandOf(Number(c), [56, 69, 81]);
  const pb = bandOf(Number(pr), [36, 40, 101]);
  return {
    bmr: Number(bmr),
    maintenanceKcal: Number(maintenanceKcal),
    goalKcal: Number(goalKcal),
    carbsG: Number(carbsG),
    proteinG: Number(proteinG),
    fatG: Number(fatG),
    carbsPerMealG: Number(c),
    proteinPerMealG: Number(pr),
    fatPerMealG: Number(fatG / 4n),
    // weight * 0.03 to one decimal = round(weight * 0.3) tenths
    waterL: Number((w * 6n + 10n * M) / (20n * M)) / 10,
    productIndex: cb === null || pb === null ? 45 : (PROGRAM[cb]?.[pb] ?? -1),
    kabochaG: tenths(c * 100n, 18n),
    sweetPotatoG: tenths(c * 100n, 31n),
    brownRiceG: tenths(c * 100n, 33n),
    oatmealG: tenths(c * 100n, 69n),
    bananas: tenths(c, 27n),
    chickenBreastG: tenths(pr * 100n, 22n),
    porkTenderloinG: tenths(pr * 100n, 20n),
    porkNeckG: tenths(pr * 100n, 21n),
    beefRoundG: tenths(pr * 100n, 20n),
    tofuG: tenths(pr * 100n, 8n),
    salmonG: tenths(pr * 100n, 21n),
    tunaG: tenths(pr * 100n, 19n),
    eggs: tenths(pr, 6n),
  };
}

const LABEL = {
  activation: { none: '거의 없다 (주1회이하)', moderate: '보통 (주2~4회)', high: '많다(주5~7회)', veryHigh: '매일 운동합니다' },
  goal: { lose5plus: '5Kg 이상의 감량을 원하세요?', loseUnder5: '5Kg 미만의 감량을 원하세요?', gain5plus: '5Kg 이상의 증량을 원하세요?', maintain: '유지하고 싶어요' },
} as const;

function profileOf(p: RefInput): Record<string, unknown> {
  return {
    name: '테스트',
    weight: p.weight,
    height: p.height,
    age: p.age,
    ...(p.female ? { sex: '여성' } : {}),
    activation: LABEL.activation[p.activation],
    goal: LABEL.goal[p.goal],
    hydrate: '1L 이하',
    number_dining: '3회',
    thirdPartyAgree: true,
  };
}

async function planFor(profile: Record<string, unknown> | null, lang = 'ko'): Promise<Plan> {
  const c = await packCuration('diet-main');
  return plan(c, chatOpened({ profile }), profile, { runId: 'golden', now: 0, lang });
}

const NAMES = ['bmr', 'maintenanceKcal', 'goalKcal', 'carbsG', 'proteinG', 'fatG', 'carbsPerMealG', 'proteinPerMealG', 'fatPerMealG', 'waterL', 'productIndex'] as const;

function assertValues(p: Plan, expected: Record<string, number>, label: string): void {
  assert.equal(p.outcome, 'sequence', `${label}: ${p.reason ?? ''}`);
  for (const [name, want] of Object.entries(expected)) assert.equal(p.values[name], want, `${label}: ${name}`);
}

describe('diet numbers: hand-worked examples', () => {
  test('the fixture customer (72.5 kg, 176 cm, 34 y, moderate, lose < 5 kg)', async () => {
    const p = await planFor(profileFixture('hong'));
    assertValues(p, {
      bmr: 1708, // trunc(66 + 13.7*72.5 + 5*176 - 6.8*34) = trunc(66 + 993.25 + 880 - 231.2) = trunc(1708.05)
      maintenanceKcal: 2348, // trunc(1708 * 1.375) = trunc(2348.5)
      goalKcal: 2113, // trunc(2348 * 0.9) = trunc(2113.2)
      carbsG: 264, // trunc(2113 * 0.5 / 4) = trunc(264.125)
      proteinG: 158, // trunc(2113 * 0.3 / 4) = trunc(158.475)
      fatG: 46, // trunc(2113 * 0.2 / 9) = trunc(46.96)
      carbsPerMealG: 66, // trunc(264 / 4)
      proteinPerMealG: 39, // trunc(158 / 4) = trunc(39.5)
      fatPerMealG: 11, // trunc(46 / 4) = trunc(11.5)
      waterL: 2.2, // round(72.5 * 0.03, 1) = round(2.175, 1)
      productIndex: 39, // c = 66 in [56, 69) -> c2; p = 39 in [36, 40) -> p2; (c2, p2) = 39
      kabochaG: 366.7, // 66 * 100 / 18 = 366.67
      sweetPotatoG: 212.9, // 6600 / 31 = 212.90
      brownRiceG: 200, // 6600 / 33 = 200
      oatmealG: 95.7, // 6600 / 69 = 95.65
      bananas: 2.4, // 66 / 27 = 2.44
      chickenBreastG: 177.3, // 39 * 100 / 22 = 177.27
      porkTenderloinG: 195, // 3900 / 20
      porkNeckG: 185.7, // 3900 / 21 = 185.71
      beefRoundG: 195, // 3900 / 20
      tofuG: 487.5, // 3900 / 8
      salmonG: 185.7, // 3900 / 21
      tunaG: 205.3, // 3900 / 19 = 205.26
      eggs: 6.5, // 39 / 6
    }, 'fixture');
  });

  test('a female profile uses the female coefficients (60 kg, 165 cm, 30 y, almost no exercise, lose >= 5 kg)', async () => {
    const p = await planFor(profileFixture('female-lose'));
    assertValues(p, {
      bmr: 1393, // trunc(655.1 + 9.563*60 + 1.85*165 - 4.676*30) = trunc(655.1 + 573.78 + 305.25 - 140.28) = trunc(1393.85)
      maintenanceKcal: 1671, // trunc(1393 * 1.2) = trunc(1671.6)
      goalKcal: 1336, // trunc(1671 * 0.8) = trunc(1336.8)
      carbsG: 167, // trunc(1336 * 0.5 / 4) = 167
      proteinG: 100, // trunc(1336 * 0.3 / 4) = trunc(100.2)
      fatG: 29, // trunc(1336 * 0.2 / 9) = trunc(29.69)
      carbsPerMealG: 41, // trunc(41.75)
      proteinPerMealG: 25, // trunc(25)
      fatPerMealG: 7, // trunc(7.25)
      waterL: 1.8, // 60 * 0.03
      productIndex: 23, // c 41 -> c1, p 25 -> p1
    }, 'female');
  });

  test('the same answers without a sex field keep the original (male) formula', async () => {
    const profile = profileFixture('female-lose');
    delete profile.sex;
    assertValues(await planFor(profile), {
      bmr: 1509, // trunc(66 + 13.7*60 + 5*165 - 6.8*30) = trunc(66 + 822 + 825 - 204)
      maintenanceKcal: 1810, // trunc(1509 * 1.2) = trunc(1810.8)
      goalKcal: 1448, // trunc(1810 * 0.8)
      carbsG: 181, // 1448 * 0.5 / 4
      proteinG: 108, // trunc(108.6)
      fatG: 32, // trunc(32.18)
      carbsPerMealG: 45, // trunc(45.25)
      proteinPerMealG: 27, // trunc(27)
      fatPerMealG: 8,
      productIndex: 23,
    }, 'no sex field');
    // A sex answer that is not female (or not understood) also keeps the original formula.
    assert.equal((await planFor({ ...profile, sex: '남성' })).values.bmr, 1509);
    assert.equal((await planFor({ ...profile, sex: '말하고 싶지 않음' })).values.bmr, 1509);
    assert.equal((await planFor({ ...profile, sex: 'Female' })).values.bmr, 1393);
  });

  test('"anything else" activation means very active; gain >= 5 kg; outside every band -> 45', async () => {
    assertValues(await planFor(profileFixture('very-active-gain')), {
      bmr: 2054, // 66 + 13.7*90 + 5*185 - 6.8*25 = 66 + 1233 + 925 - 170
      maintenanceKcal: 3543, // trunc(2054 * 1.725) = trunc(3543.15)
      goalKcal: 3897, // trunc(3543 * 1.1) = trunc(3897.3)
      carbsG: 487, // trunc(487.125)
      proteinG: 292, // trunc(292.275)
      fatG: 86, // trunc(86.6)
      carbsPerMealG: 121, // trunc(121.75)
      proteinPerMealG: 73,
      fatPerMealG: 21, // trunc(21.5)
      waterL: 2.7, // 90 * 0.03
      productIndex: 45, // c 121 is outside [0, 81)
    }, 'very active');
  });

  test('water rounds half away from zero on the decimal value', async () => {
    const base = profileFixture('hong');
    assert.equal((await planFor({ ...base, weight: 75 })).values.waterL, 2.3); // 75 * 0.03 = 2.25 -> 2.3
    assert.equal((await planFor({ ...base, weight: 78.5 })).values.waterL, 2.4); // 2.355 -> 2.4
    assert.equal((await planFor({ ...base, weight: 45 })).values.waterL, 1.4); // 1.35 -> 1.4
    assert.equal((await planFor({ ...base, weight: 85 })).values.waterL, 2.6); // 2.55 -> 2.6
    assert.equal((await planFor({ ...base, weight: 71.5 })).values.waterL, 2.1); // 2.145 -> 2.1
  });
});

describe('diet numbers: band boundaries through whole profiles', () => {
  // Each profile was chosen to land exactly on a band edge; the comment shows the chain.
  const cases: Array<[string, RefInput, { c?: number; p?: number; index: number }]> = [
    // 66 + 616.5 + 750 - 170 = 1262.5 -> 1262; *1.55 = 1956.1 -> 1956; *0.9 = 1760.4 -> 1760; c = 220/4 = 55, p = 132/4 = 33
    ['c = 55 (last of c1)', { weight: 45, height: 150, age: 25, female: false, activation: 'high', goal: 'loseUnder5' }, { c: 55, p: 33, index: 23 }],
    // 66 + 616.5 + 750 - 238 = 1194.5 -> 1194; *1.375 = 1641.75 -> 1641; *1.1 = 1805.1 -> 1805; c = trunc(225.6)/4 -> 56, p = trunc(135.4)/4 -> 33
    ['c = 56 (first of c2)', { weight: 45, height: 150, age: 35, female: false, activation: 'moderate', goal: 'gain5plus' }, { c: 56, p: 33, index: 38 }],
    ['c = 68 (last of c2)', { weight: 45, height: 150, age: 25, female: false, activation: 'veryHigh', goal: 'maintain' }, { c: 68, p: 40, index: 40 }],
    ['c = 69 (first of c3)', { weight: 45, height: 155, age: 25, female: false, activation: 'veryHigh', goal: 'maintain' }, { c: 69, p: 41, index: 45 }],
    ['c = 80 (last of c3)', { weight: 45, height: 170, age: 25, female: false, activation: 'veryHigh', goal: 'gain5plus' }, { c: 80, p: 48, index: 45 }],
    ['c = 81 (outside)', { weight: 45, height: 180, age: 30, female: false, activation: 'veryHigh', goal: 'gain5plus' }, { c: 81, p: 49, index: 45 }],
    ['p = 35 (last of p1)', { weight: 45, height: 150, age: 25, female: false, activation: 'moderate', goal: 'gain5plus' }, { c: 59, p: 35, index: 38 }],
    ['p = 36 (first of p2)', { weight: 45, height: 150, age: 25, female: false, activation: 'high', goal: 'maintain' }, { c: 61, p: 36, index: 39 }],
    ['p = 39 (last of p2)', { weight: 45, height: 150, age: 30, female: false, activation: 'high', goal: 'gain5plus' }, { c: 65, p: 39, index: 39 }],
    ['p = 40 (first of p3)', { weight: 45, height: 150, age: 25, female: false, activation: 'high', goal: 'gain5plus' }, { c: 67, p: 40, index: 40 }],
    ['p = 100 (last of p3, c outside)', { weight: 142, height: 195, age: 25, female: false, activation: 'veryHigh', goal: 'gain5plus' }, { p: 100, index: 45 }],
    ['p = 101 (outside)', { weight: 144, height: 195, age: 25, female: false, activation: 'veryHigh', goal: 'gain5plus' }, { p: 101, index: 45 }],
  ];
  for (const [label, input, want] of cases) {
    test(label, async () => {
      const ref = reference(input);
      if (want.c !== undefined) assert.equal(ref.carbsPerMealG, want.c, 'the reference agrees with the hand chain');
      if (want.p !== undefined) assert.equal(ref.proteinPerMealG, want.p, 'the reference agrees with the hand chain');
      assert.equal(ref.productIndex, want.index);
      const p = await planFor(profileOf(input));
      assert.equal(p.outcome, 'sequence');
      if (want.c !== undefined) assert.equal(p.values.carbsPerMealG, want.c);
      if (want.p !== undefined) assert.equal(p.values.proteinPerMealG, want.p);
      assert.equal(p.values.productIndex, want.index);
    });
  }
});

describe('the shipped program table, cell by cell', () => {
  // The diet formulas tie protein to carbohydrates (p ≈ 0.6 c), so some cells
  // cannot be reached through a profile. The shipped tables and expression are
  // therefore also planned on their own, with the per-meal numbers as inputs.
  test('every cell, every band edge, and outside', async () => {
    const pack = parse(readFileSync(path.join(PACK_DIR, 'diet-main.yaml'), 'utf8')) as { tables: Record<string, unknown>; compute: Record<string, string> };
    const file = {
      id: 'program-table',
      defaultLanguage: 'ko',
      trigger: { on: 'chatOpened' },
      fields: { carbsPerMealG: { type: 'number' }, proteinPerMealG: { type: 'number' } },
      tables: { carbBand: pack.tables.carbBand, proteinBand: pack.tables.proteinBand, programIndex: pack.tables.programIndex },
      compute: { productIndex: pack.compute.productIndex },
      messages: [{ text: '{{ productIndex }}' }],
    };
    const r = await loadCurations(await tempDir({ 'p.yaml': stringify(file) }));
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
    const c = r.set.curations[0]!;
    const index = (carbs: number, protein: number) => plan(c, null, { carbsPerMealG: carbs, proteinPerMealG: protein }, { runId: 't', now: 0 }).values.productIndex;
    const carbs = [[0, 55], [56, 68], [69, 80]]; // first and last value of c1, c2, c3
    const protein = [[0, 35], [36, 39], [40, 100]]; // p1, p2, p3
    carbs.forEach((cs, ci) => protein.forEach((ps, pi) => {
      for (const cv of cs) for (const pv of ps) assert.equal(index(cv, pv), PROGRAM[ci]?.[pi], `c=${cv}, p=${pv}`);
    }));
    assert.equal(index(81, 30), 45);
    assert.equal(index(30, 101), 45);
    assert.equal(index(81, 101), 45);
    assert.equal(index(-1, 30), 45);
  });
});

describe('diet numbers: 40 profiles against the reference implementation', () => {
  const activations = Object.keys(ACTIVITY) as Array<keyof typeof ACTIVITY>;
  const goals = Object.keys(GOAL) as Array<keyof typeof GOAL>;
  const profiles: RefInput[] = [];
  for (let i = 0; i < 40; i++) {
    profiles.push({
      // Spread over the ranges, with one- and two-decimal weights and heights.
      weight: Math.round((42 + ((i * 7.37) % 90)) * 100) / 100,
      height: Math.round((148 + ((i * 3.3) % 47)) * 10) / 10,
      age: 18 + ((i * 11) % 60),
      female: i % 3 === 0,
      activation: activations[i % 4] ?? 'none',
      goal: goals[Math.floor(i / 4) % 4] ?? 'maintain',
    });
  }
  for (const [i, input] of profiles.entries()) {
    test(`profile ${i + 1}: ${input.weight} kg, ${input.height} cm, ${input.age} y, ${input.female ? 'female' : 'no sex field'}, ${input.activation}, ${input.goal}`, async () => {
      const want = reference(input);
      const p = await planFor(profileOf(input));
      assert.equal(p.outcome, 'sequence', p.reason ?? '');
      for (const [name, value] of Object.entries(want)) assert.equal(p.values[name], value, name);
      for (const name of NAMES) assert.equal(typeof p.values[name], 'number', `${name} is computed`);
    });
  }
});

describe('diet numbers: every option and "anything else"', () => {
  const base: RefInput = { weight: 70, height: 170, age: 30, female: false, activation: 'none', goal: 'maintain' };
  for (const activation of Object.keys(ACTIVITY) as Array<keyof typeof ACTIVITY>) {
    test(`activation ${activation}`, async () => {
      const p = await planFor(profileOf({ ...base, activation }));
      assert.equal(p.values.maintenanceKcal, reference({ ...base, activation }).maintenanceKcal);
    });
  }
  for (const goal of Object.keys(GOAL) as Array<keyof typeof GOAL>) {
    test(`goal ${goal}`, async () => {
      const p = await planFor(profileOf({ ...base, goal }));
      assert.equal(p.values.goalKcal, reference({ ...base, goal }).goalKcal);
    });
  }
  test('70 kg / 170 cm / 30 y by hand: 1671 kcal at rest (no float surprises)', async () => {
    // 66 + 13.7*70 + 5*170 - 6.8*30 = 66 + 959 + 850 - 204 = 1671 exactly: trunc must not give 1670.
    assert.equal((await planFor(profileOf(base))).values.bmr, 1671);
  });
});
