// A small curation with golden tests, shared by the golden-test tests: a
// water target (which rounds 2.175 up, the trap of binary floating point), a
// price by option, a cut-off on `now`, a consent flag and a fallback.
export const GOLDEN_BASE = `id: mini
defaultLanguage: ko
languages: [ko, en]
trigger: { on: chatOpened }
fields:
  weight: { type: number, unit: kg, min: 20, max: 300 }
  plan:
    type: option
    key: planChoice
    options: { basic: 기본, plus: 플러스 }
  agree: { type: boolean, consent: true }
compute:
  water: round(weight * 0.03, 1)
  price: "plan == 'plus' ? 12000 : 9000"
  # 2026-01-01T00:00:00Z
  late: now >= 1767225600000
messages:
  - text: { ko: "물 <b>{{ water }} L</b> :droplet:", en: "Water <b>{{ water }} L</b> :droplet:" }
  - text: { ko: "가격 {{ price | num }}원", en: "Price KRW {{ price | num }}" }
    buttons:
      - title: { ko: 주문, en: Order }
        url: "https://shop.example/order?price={{ price }}"
  - when: late
    text: 새해 복 많이 받으세요
fallback:
  messages:
    - text: { ko: 설문을 마쳐 주세요, en: Please finish the survey }
`;

/** The base curation with this tests: section (YAML, starting with "tests:"). */
export function withTests(tests: string): string {
  return `${GOLDEN_BASE}${tests}`;
}

/** The 1-based line of the first line of `text` that contains `marker`. */
export function lineOf(text: string, marker: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`no line with ${marker}`);
  return i + 1;
}

/** Cases that pass, each worked out by hand from GOLDEN_BASE. */
export const PASSING_TESTS = `tests:
  - name: plus plan, in the old year
    now: '2025-12-31T23:59:59Z'
    profile: { weight: '72.5', planChoice: 플러스, agree: true }
    expect:
      outcome: sequence
      # 72.5 × 0.03 = 2.175 → 2.2 (half away from zero on the decimal value)
      values: { water: 2.2, price: 12000, late: false }
      messages:
        - "물 **2.2 L** :droplet:"
        - |-
          가격 12,000원
          [ 주문 ] → https://shop.example/order?price=12000
  - name: basic plan, new year in Seoul, in English
    # 09:00 in Seoul is 00:00 UTC: the cut-off
    now: '2026-01-01T09:00:00+09:00'
    lang: en
    profile: { weight: 60, planChoice: 기본, agree: true }
    expect:
      # 60 × 0.03 = 1.8
      values: { water: 1.8, price: 9000, late: true }
      messages:
        - "Water **1.8 L** 💧"
        - |-
          Price KRW 9,000
          [ Order ] → https://shop.example/order?price=9000
        - 새해 복 많이 받으세요
  - name: a missing weight falls back
    profile: { planChoice: 기본, agree: true }
    expect:
      outcome: fallback
      problems: { weight: missing }
      messages: [설문을 마쳐 주세요]
  - name: no consent, no fallback for it, skipped
    profile: { weight: 60, planChoice: 기본, agree: false }
    expect:
      outcome: skipped
      problems: { agree: no_consent }
      messages: []
`;
