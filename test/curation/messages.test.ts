// What the diet pack sends: valid v5 bodies, in order, with ≤2 buttons,
// paced, in the customer's language, with profile text escaped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageBodySchema } from '../../src/channeltalk/wire.js';
import { messageBodyProblems } from '../../src/channeltalk/markup.js';
import { loadCurations, plan, type Plan } from '../../src/curation/index.js';
import { chatOpened, minimalCuration, packCuration, profileFixture, tempDir, userMessage } from './helpers.js';
import { valuesOf, webUrl } from '../support/bodies.js';

const PROFILES = ['hong', 'numeric-strings', 'label-variants', 'female-lose', 'very-active-gain', 'markup-name'];

function assertValidBodies(p: Plan, runId: string): void {
  p.messages.forEach((m, i) => {
    assert.equal(m.seq, i);
    assert.equal(m.body.requestId, `${runId}-${i}`);
    assert.ok(MessageBodySchema.safeParse(m.body).success, `message ${i} passes MessageBodySchema`);
    assert.deepEqual(messageBodyProblems(m.body), [], `message ${i} has valid markup`);
    assert.ok((m.body.buttons?.length ?? 0) <= 2);
    assert.ok(Number.isInteger(m.delayMs) && m.delayMs >= 0);
  });
}

const text = (p: Plan) => p.messages.map((m) => JSON.stringify(m.body)).join('\n');

describe('every diet message is a body Channel Talk accepts', () => {
  for (const name of PROFILES) {
    for (const lang of ['ko', 'en']) {
      test(`${name} in ${lang}`, async () => {
        const profile = profileFixture(name);
        for (const id of ['diet-main', 'diet-gift']) {
          const c = await packCuration(id);
          const runId = `r_${name}`;
          const p = plan(c, id === 'diet-main' ? chatOpened({ profile }) : userMessage('선물', { profile }), profile, { runId, now: 1_700_000_000_000, lang });
          assert.equal(p.outcome, 'sequence', p.reason ?? '');
          assert.equal(p.lang, lang);
          assertValidBodies(p, runId);
        }
      });
    }
  }

  test('fallback bodies are valid too', async () => {
    const p = plan(await packCuration('diet-main'), null, { name: '<b>x</b> & y', thirdPartyAgree: true }, { runId: 'f', now: 0 });
    assert.equal(p.outcome, 'fallback');
    assertValidBodies(p, 'f');
    assert.match(text(p), /&lt;b&gt;x&lt;\/b&gt; &amp; y님/);
  });
});

describe('escaping', () => {
  test('a name like <script>& stays text: escaped, never raw markup', async () => {
    const profile = profileFixture('markup-name');
    const p = plan(await packCuration('diet-main'), chatOpened({ profile }), profile, { runId: 'esc', now: 0 });
    assertValidBodies(p, 'esc');
    const all = text(p);
    assert.ok(all.includes('&lt;script&gt;&amp;&quot;x&quot; &lt;b&gt;님'), 'escaped in full');
    for (const m of p.messages) {
      for (const b of m.body.blocks ?? []) {
        const values = valuesOf(b);
        for (const v of values) {
          const stripped = v.replace(/<\/?b>|<\/?i>|<link type="url"(?: value="[^"<>]*")?>|<\/link>/g, '');
          assert.ok(!stripped.includes('<') && !stripped.includes('>'), `no raw < or > outside allowed tags: ${v}`);
        }
      }
    }
  });
});

describe('template features', () => {
  test('| raw does not bypass escaping; "now" is the plan clock; lists and emoji', async () => {
    const r = await loadCurations(
      await tempDir({
        'f.yaml': minimalCuration(`fields:
  name: { type: text }
  tags: { type: list, required: false, options: { a: A, b: B } }
messages:
  - text: "{{ name | raw }} {{ 'now' | date: '%Y-%m-%d' }} {{ tags }} :tada:"
    buttons:
      - { title: "{{ name }}", url: "https://x.example/?q={{ name | url_encode }}" }
`),
      }),
    );
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
    const p = plan(r.set.curations[0]!, null, { name: 'A&B <i>', tags: ['B', 'A'] }, { runId: 't', now: Date.UTC(2031, 4, 6, 23, 0) });
    assert.deepEqual(p.messages[0]?.body.blocks, [{ type: 'text', value: 'A&amp;B &lt;i&gt; 2031-05-06 b, a 🎉' }]);
    assert.deepEqual(p.messages[0]?.body.buttons?.[0], { title: 'A&B <i>', action: { type: 'web', attributes: { url: 'https://x.example/?q=A%26B+%3Ci%3E' } } });
  });
});

describe('dates in the message language', () => {
  test("a date's day and month names are in the plan's language, never the machine's", async () => {
    const r = await loadCurations(
      await tempDir({
        'f.yaml': minimalCuration(`languages: [ko, en]
messages:
  - text: "{{ 'now' | date: '%A %B %d' }}"
`),
      }),
    );
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
    const at = (lang: string) => plan(r.set.curations[0]!, null, {}, { runId: 't', now: Date.UTC(2031, 4, 6, 23, 0), lang }).messages[0]?.body.blocks;
    assert.deepEqual(at('ko'), [{ type: 'text', value: '화요일 5월 06' }]);
    assert.deepEqual(at('en'), [{ type: 'text', value: 'Tuesday May 06' }]);
  });
});

describe('the main sequence', () => {
  async function main(profile: Record<string, unknown>, lang = 'ko') {
    return plan(await packCuration('diet-main'), chatOpened({ profile }), profile, { runId: 'm', now: 0, lang });
  }

  test('all the listed messages, in order, ~2 s apart, numbers in bold', async () => {
    const p = await main(profileFixture('hong'));
    assert.equal(p.messages.length, 12);
    assert.deepEqual(p.messages.map((m) => m.delayMs), [1000, ...Array<number>(11).fill(2000)]);
    const t = p.messages.map((m) => JSON.stringify(m.body));
    assert.match(t[0]!, /홍길동님, 안녕하세요! 😊/, 'greeting by name, :blush: became an emoji');
    assert.match(t[1]!, /트레이너/);
    assert.match(t[5]!, /<b>1,708 kcal<\/b>/);
    assert.match(t[5]!, /<b>2,113 kcal<\/b>/);
    assert.match(t[6]!, /"type":"bullets"/);
    assert.match(t[6]!, /<b>66 g<\/b>/);
    const foods = p.messages[7]!.body.blocks!.filter((b) => b.type === 'bullets');
    assert.deepEqual(foods.map((b) => (b.type === 'bullets' ? b.blocks.length : 0)), [5, 8], '5 carbohydrate and 8 protein sources');
    assert.match(t[7]!, /단호박 <b>366.7 g<\/b>/);
    assert.match(t[7]!, /현미밥 <b>200.0 g<\/b>/, 'fixed decimals');
    assert.match(t[8]!, /<b>2.2 L<\/b>/);
    assert.match(t[9]!, /07:00 \/ 12:00 \/ 16:00 \/ 19:00/);
    const button = p.messages[10]!.body.buttons;
    assert.equal(button?.length, 1);
    assert.equal(webUrl(button?.[0]), 'https://salad.example/curation-program?index=39');
    assert.match(t[11]!, /<b>선물<\/b>/);
  });

  test('"fast loss within 3 months" shows the extra program first, then the standard one', async () => {
    const p = await main(profileFixture('female-lose'));
    assert.equal(p.messages.length, 13);
    const urls = p.messages.flatMap((m) => m.body.buttons?.map((b) => webUrl(b)) ?? []);
    assert.deepEqual(urls, ['https://salad.example/programs/fast-start', 'https://salad.example/curation-program?index=23']);
  });

  test('water advice follows the current intake', async () => {
    const base = profileFixture('hong');
    const advice = async (hydrate: string, lang: string) => JSON.stringify((await main({ ...base, hydrate }, lang)).messages[8]?.body);
    assert.match(await advice('500ml 이하', 'ko'), /<b>1 L<\/b>부터/);
    assert.match(await advice('1L 이하', 'ko'), /<b>1.5 L<\/b>부터/);
    assert.match(await advice('1.5L 이하', 'ko'), /조금만 더/);
    assert.match(await advice('2L 이상', 'ko'), /유지/);
    assert.match(await advice('500ml 이하', 'en'), /serious shortage/);
    assert.match(await advice('2L 이상', 'en'), /Keep it up/);
    assert.match(await advice('1L 이하', 'en'), /coffee, tea and soft drinks/);
  });

  test('meals-per-day advice follows the current habit', async () => {
    const base = profileFixture('hong');
    const advice = async (n: string) => JSON.stringify((await main({ ...base, number_dining: n }, 'en')).messages[9]?.body);
    assert.match(await advice('1회'), /one meal a day now.*needs managing/);
    assert.match(await advice('2회'), /two meals a day now.*needs managing/);
    assert.match(await advice('3회'), /three meals a day: you're doing really well/);
    assert.match(await advice('4회'), /four meals a day: you're doing really well/);
    assert.match(await advice('하루 종일'), /five or more.*overeat/);
  });

  test('English texts, and the language taken from the event', async () => {
    const c = await packCuration('diet-main');
    const profile = profileFixture('hong');
    const en = plan(c, chatOpened({ profile, language: 'en' }), profile, { runId: 'l', now: 0 });
    assert.equal(en.lang, 'en');
    assert.match(JSON.stringify(en.messages[0]?.body), /Hi 홍길동!/);
    assert.equal(plan(c, chatOpened({ profile, language: 'ko-KR' }), profile, { runId: 'l', now: 0 }).lang, 'ko');
    assert.equal(plan(c, chatOpened({ profile, language: 'ja' }), profile, { runId: 'l', now: 0 }).lang, 'ko', 'unknown language → the default');
    assert.equal(plan(c, chatOpened({ profile, language: null }), profile, { runId: 'l', now: 0 }).lang, 'ko');
    assert.equal(plan(c, chatOpened({ profile, language: 'ko' }), profile, { runId: 'l', now: 0, lang: 'en' }).lang, 'en', 'an explicit language wins');
  });

  test('plan is pure: same inputs, same plan; the clock does not change the diet', async () => {
    const c = await packCuration('diet-main');
    const profile = profileFixture('label-variants');
    const a = plan(c, chatOpened({ profile }), profile, { runId: 'p', now: 0 });
    const b = plan(c, chatOpened({ profile }), structuredClone(profile), { runId: 'p', now: 1_900_000_000_000 });
    assert.deepEqual(a, b);
    assert.deepEqual(profile, profileFixture('label-variants'), 'the raw profile is not modified');
  });

  test('plan never throws, whatever the profile holds', async () => {
    const c = await packCuration('diet-main');
    const weird: Array<Record<string, unknown>> = [
      {},
      { weight: { v: 1 }, height: Symbol.iterator, age: () => 1 },
      { ...profileFixture('hong'), weight: Number.NaN },
      { ...profileFixture('hong'), weight: Infinity },
      { ...profileFixture('hong'), weight: '1e400' },
      { ...profileFixture('hong'), worries: [null, 3, { a: 1 }] },
      { ...profileFixture('hong'), name: 'x'.repeat(100_000) },
      { ...profileFixture('hong'), goal: ['5Kg 이상의 감량을 원하세요?'] },
      Object.create(null) as Record<string, unknown>,
    ];
    for (const profile of weird) {
      const p = plan(c, null, profile, { runId: 'w', now: 0 });
      assert.ok(['sequence', 'fallback', 'skipped'].includes(p.outcome));
      if (p.outcome !== 'sequence') assert.deepEqual(p.values, {}, 'never half-computed');
      assertValidBodies(p, 'w');
    }
  });
});

describe('the gift sequence', () => {
  test('nine messages, the diet table chosen by goal, the order link', async () => {
    const c = await packCuration('diet-gift');
    const base = profileFixture('hong');
    const tables: Array<[string, string]> = [
      ['5Kg 이상의 감량을 원하세요?', 'https://salad.example/diet-tables/lose-5kg-plus'],
      ['5Kg 미만의 감량을 원하세요?', 'https://salad.example/diet-tables/lose-under-5kg'],
      ['5Kg 이상의 증량을 원하세요?', 'https://salad.example/diet-tables/gain-5kg-plus'],
      ['그대로 유지', 'https://salad.example/diet-tables/maintain'],
    ];
    for (const [goal, url] of tables) {
      const profile = { ...base, goal };
      const p = plan(c, userMessage('선물', { profile }), profile, { runId: 'g', now: 0 });
      assert.equal(p.messages.length, 9);
      assert.deepEqual(p.messages.map((m) => m.delayMs), [1000, ...Array<number>(8).fill(2000)]);
      const urls = p.messages.flatMap((m) => m.body.buttons?.map((b) => webUrl(b)) ?? []);
      assert.deepEqual(urls, [url, 'https://salad.example/order']);
    }
    const en = plan(c, userMessage('gift', { profile: base, language: 'en' }), base, { runId: 'g', now: 0 });
    assert.match(JSON.stringify(en.messages[4]?.body), /<b>Losing up to 5 kg<\/b>: you can absolutely do this! 💪/);
  });
});

describe('delays', () => {
  test('typing delay: per character, within min and max; markup does not count', async () => {
    const r = await loadCurations(
      await tempDir({
        't.yaml': minimalCuration(`fields:
  n: { type: number }
messages:
  - delay: { typing: { perChar: 40ms, min: 1s, max: 4s } }
    text: "hi"
  - delay: { typing: { perChar: 40ms, min: 1s, max: 4s } }
    text: "<b>{{ n }}</b>{% for i in (1..49) %}x{% endfor %}"
  - delay: { typing: { perChar: 40ms, min: 1s, max: 4s } }
    text: "{% for i in (1..500) %}x{% endfor %}"
  - delay: 0
    text: now
  - text: default
`),
      }),
    );
    assert.ok(r.ok);
    const p = plan(r.set.curations[0]!, null, { n: 7 }, { runId: 't', now: 0 });
    assert.deepEqual(p.messages.map((m) => m.delayMs), [1000, 2000, 4000, 0, 2000]);
  });

  test('a message whose condition is false, or whose text renders empty, is not sent; seq stays dense', async () => {
    const r = await loadCurations(
      await tempDir({
        'w.yaml': minimalCuration(`fields:
  n: { type: number }
messages:
  - text: one
  - when: n > 5
    text: big
  - text: "{% if n > 5 %}also big{% endif %}"
  - text: last
`),
      }),
    );
    assert.ok(r.ok);
    const small = plan(r.set.curations[0]!, null, { n: 1 }, { runId: 's', now: 0 });
    assert.deepEqual(small.messages.map((m) => [m.seq, m.body.requestId]), [[0, 's-0'], [1, 's-1']]);
    const big = plan(r.set.curations[0]!, null, { n: 9 }, { runId: 's', now: 0 });
    assert.equal(big.messages.length, 4);
  });
});
