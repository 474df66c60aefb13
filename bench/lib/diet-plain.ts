// The calculation baseline: the diet curations' numbers written by hand in
// plain TypeScript, with no expression engine, no tables-as-data and no
// templates. It must compute exactly what plan() computes for diet-main and
// diet-gift (the smoke test checks it), so the ratio is the engine's overhead.

const EPS = 1e-12;
const nearInt = (x: number): number | null => {
  const r = Math.round(x);
  return Math.abs(x - r) <= EPS * Math.max(1, Math.abs(x)) ? r : null;
};
/** Truncates the decimal value (72.5 * 0.03 counts as 2.175, not 2.1749…). */
const trunc = (x: number): number => (nearInt(x) ?? Math.trunc(x)) + 0;
/** Rounds half away from zero at one decimal. */
const round1 = (x: number): number => {
  const s = Math.abs(x) * 10;
  const f = Math.floor(s);
  const half = Math.abs(s - f - 0.5) <= EPS * Math.max(1, s);
  const n = nearInt(s) ?? (half || s - f > 0.5 ? f + 1 : f);
  return (x < 0 ? -1 : 1) * (n / 10) + 0;
};

/** Survey labels as a person reads them: width, case, spacing and a trailing '?' do not matter. */
const norm = (label: string): string =>
  label.normalize('NFKC').replace(/[\u301C\uFF5E\u223C]/g, '~').toLowerCase().replace(/\s+/gu, '').replace(/\?+$/u, '');
/** label (and the key itself) → key, normalized once. */
const options = (byKey: Record<string, string[]>): Map<string, string> =>
  new Map(Object.entries(byKey).flatMap(([key, labels]) => [[norm(key), key] as const, ...labels.map((l) => [norm(l), key] as const)]));

const ACTIVITY_KEY = options({ none: ['거의 없다 (주1회이하)'], moderate: ['보통 (주2~4회)'], high: ['많다(주5~7회)'] });
const ACTIVITY: Record<string, number> = { none: 1.2, moderate: 1.375, high: 1.55, veryHigh: 1.725 };
const GOAL_KEY = options({
  lose5plus: ['5Kg 이상의 감량을 원하세요?'],
  loseUnder5: ['5Kg 미만의 감량을 원하세요?'],
  gain5plus: ['5Kg 이상의 증량을 원하세요?'],
});
const SEX_KEY = options({ female: ['여성', '여자', '여', 'female', 'woman', 'f'], male: ['남성', '남자', '남', 'male', 'man', 'm'] });
const FAST_LOSS = norm('빠른 체중 감량 (3개월 이내)');
const GOAL_FACTOR: Record<string, number> = { lose5plus: 0.8, loseUnder5: 0.9, gain5plus: 1.1, maintain: 1.0 };
const GOAL_TEXT: Record<string, { ko: string; en: string }> = {
  lose5plus: { ko: '5kg 이상 감량', en: 'losing 5 kg or more' },
  loseUnder5: { ko: '5kg 미만 감량', en: 'losing up to 5 kg' },
  gain5plus: { ko: '5kg 이상 증량', en: 'gaining 5 kg or more' },
  maintain: { ko: '지금 체중 유지', en: 'keeping your current weight' },
};
const DIET_TABLE: Record<string, string> = {
  lose5plus: 'https://salad.example/diet-tables/lose-5kg-plus',
  loseUnder5: 'https://salad.example/diet-tables/lose-under-5kg',
  gain5plus: 'https://salad.example/diet-tables/gain-5kg-plus',
  maintain: 'https://salad.example/diet-tables/maintain',
};
const PROGRAM: Record<string, Record<string, number>> = {
  c1: { p1: 23, p2: 30, p3: 33 },
  c2: { p1: 38, p2: 39, p3: 40 },
  c3: { p1: 41, p2: 42, p3: 45 },
};

const carbBand = (g: number) => (g >= 0 && g < 56 ? 'c1' : g >= 56 && g < 69 ? 'c2' : g >= 69 && g < 81 ? 'c3' : 'outside');
const proteinBand = (g: number) => (g >= 0 && g < 36 ? 'p1' : g >= 36 && g < 40 ? 'p2' : g >= 40 && g < 101 ? 'p3' : 'outside');

const customerOf = (p: Record<string, unknown>, lang: 'ko' | 'en') =>
  typeof p.name === 'string' && p.name.trim() !== '' && p.name.length <= 40 ? p.name.trim() : lang === 'ko' ? '고객' : 'there';
const goalOf = (p: Record<string, unknown>) => (typeof p.goal === 'string' ? (GOAL_KEY.get(norm(p.goal)) ?? 'maintain') : 'maintain');

export type PlainValues = Record<string, number | string | boolean>;

/** diet-main's values from a raw profile with plain numeric answers; null where plan() would fall back or skip. */
export function plainDiet(p: Record<string, unknown>, lang: 'ko' | 'en'): PlainValues | null {
  const { weight, height, age } = p;
  if (p.thirdPartyAgree !== true) return null;
  if (typeof weight !== 'number' || typeof height !== 'number' || typeof age !== 'number') return null;
  if (weight < 20 || weight > 300 || height < 100 || height > 250 || age < 10 || age > 120) return null;
  const female = typeof p.sex === 'string' && SEX_KEY.get(norm(p.sex)) === 'female';
  const goal = goalOf(p);
  const bmr = female ? trunc(655.1 + 9.563 * weight + 1.85 * height - 4.676 * age) : trunc(66 + 13.7 * weight + 5 * height - 6.8 * age);
  const activity = typeof p.activation === 'string' ? (ACTIVITY_KEY.get(norm(p.activation)) ?? 'veryHigh') : 'veryHigh';
  const maintenanceKcal = trunc(bmr * ACTIVITY[activity]!);
  const goalKcal = trunc(maintenanceKcal * GOAL_FACTOR[goal]!);
  const carbsG = trunc((goalKcal * 0.5) / 4);
  const proteinG = trunc((goalKcal * 0.3) / 4);
  const fatG = trunc((goalKcal * 0.2) / 9);
  const carbsPerMealG = trunc(carbsG / 4);
  const proteinPerMealG = trunc(proteinG / 4);
  const fatPerMealG = trunc(fatG / 4);
  const worries = Array.isArray(p.worries) ? p.worries : [];
  return {
    customer: customerOf(p, lang),
    bmr,
    maintenanceKcal,
    goalKcal,
    carbsG,
    proteinG,
    fatG,
    carbsPerMealG,
    proteinPerMealG,
    fatPerMealG,
    kabochaG: round1((carbsPerMealG * 100) / 18),
    sweetPotatoG: round1((carbsPerMealG * 100) / 31),
    brownRiceG: round1((carbsPerMealG * 100) / 33),
    oatmealG: round1((carbsPerMealG * 100) / 69),
    bananas: round1(carbsPerMealG / 27),
    chickenBreastG: round1((proteinPerMealG * 100) / 22),
    porkTenderloinG: round1((proteinPerMealG * 100) / 20),
    porkNeckG: round1((proteinPerMealG * 100) / 21),
    beefRoundG: round1((proteinPerMealG * 100) / 20),
    tofuG: round1((proteinPerMealG * 100) / 8),
    salmonG: round1((proteinPerMealG * 100) / 21),
    tunaG: round1((proteinPerMealG * 100) / 19),
    eggs: round1(proteinPerMealG / 6),
    waterL: round1(weight * 0.03),
    productIndex: PROGRAM[carbBand(carbsPerMealG)]?.[proteinBand(proteinPerMealG)] ?? 45,
    wantsFastLoss: worries.some((w) => typeof w === 'string' && norm(w) === FAST_LOSS),
    goalLabel: GOAL_TEXT[goal]![lang],
  };
}

/** diet-gift's values. */
export function plainGift(p: Record<string, unknown>, lang: 'ko' | 'en'): PlainValues | null {
  if (p.thirdPartyAgree !== true) return null;
  const goal = goalOf(p);
  return { customer: customerOf(p, lang), dietTableUrl: DIET_TABLE[goal]!, goalLabel: GOAL_TEXT[goal]![lang] };
}
