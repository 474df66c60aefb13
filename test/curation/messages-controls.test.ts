// Control and bidirectional-override characters in a customer's answers never
// reach a message: a right-to-left override in a name would flip the text
// after it, a bell or a C1 control has no business in a chat. Newlines and tabs
// stay where the text can hold them (text and code blocks), not in a button.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, plan, type Plan } from '../../src/curation/index.js';
import { chatOpened, minimalCuration, packCuration, profileFixture, tempDir } from './helpers.js';
import { valuesOf, webUrl } from '../support/bodies.js';

// Controls (C0, DEL, C1; in text but \t and \n), and the bidi marks, embeddings, overrides and isolates.
const FORBIDDEN_ONE_LINE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const FORBIDDEN = /(?![\t\n])[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function strings(p: Plan): { texts: string[]; lines: string[] } {
  const texts: string[] = [];
  const lines: string[] = [];
  for (const m of p.messages) {
    for (const b of m.body.blocks ?? []) {
      texts.push(...valuesOf(b));
    }
    for (const b of m.body.buttons ?? []) lines.push(b.title, webUrl(b));
  }
  return { texts, lines };
}

describe('control and bidi characters in answers', () => {
  test('the shipped pack: a pasted name with an RTL override, a bell and marks is sent clean', async () => {
    const profile = profileFixture('bidi-name');
    for (const lang of ['ko', 'en']) {
      const p = plan(await packCuration('diet-main'), chatOpened({ profile }), profile, { runId: 'b', now: 0, lang });
      assert.equal(p.outcome, 'sequence', p.reason ?? '');
      const { texts, lines } = strings(p);
      for (const t of texts) assert.doesNotMatch(t, FORBIDDEN, JSON.stringify(t));
      for (const l of lines) assert.doesNotMatch(l, FORBIDDEN_ONE_LINE, JSON.stringify(l));
      assert.ok(texts.some((t) => t.includes('홍길동')), 'the name itself is kept, only the controls go');
    }
    const fb = plan(await packCuration('diet-main'), null, { name: profile.name, thirdPartyAgree: true }, { runId: 'f', now: 0 });
    assert.equal(fb.outcome, 'fallback');
    assert.match(strings(fb).texts.join('\n'), /^홍길동님/);
  });

  test('every place a value lands: text, bullets, code, button title and URL; filters and tags too', async () => {
    const r = await loadCurations(
      await tempDir({
        'c.yaml': minimalCuration(`fields:
  name: { type: text }
  note: { type: text, required: false }
messages:
  - text: "hi {{ name }} / {{ name | upcase }} / {% if name %}{{ name | append: '!' }}{% endif %} / {{ note }}"
    blocks:
      - bullets: ["{{ name }}"]
      - { code: "{{ note }}" }
    buttons:
      - { title: "{{ name }} {{ note }}", url: "https://shop.example/p?n={{ name }}" }
`),
      }),
    );
    assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
    const name = 'K\u202eim\u0000\u001b[31m\u0085\u061c\u2066\u2069\u200f';
    const note = 'one\ttwo\nthree\r\n\u0007four';
    const p = plan(r.set.curations[0]!, null, { name, note }, { runId: 'c', now: 0 });
    assert.equal(p.outcome, 'sequence', p.reason ?? '');
    const body = p.messages[0]!.body;
    assert.deepEqual(body.blocks, [
      { type: 'text', value: 'hi Kim[31m / KIM[31M / Kim[31m! / one\ttwo\nthree\nfour' },
      { type: 'bullets', blocks: [{ type: 'text', value: 'Kim[31m' }] },
      { type: 'code', value: 'one\ttwo\nthree\nfour' },
    ]);
    // A button is one line: newlines and tabs go too.
    assert.equal(body.buttons?.[0]?.title, 'Kim[31m onetwothreefour');
    assert.equal(webUrl(body.buttons?.[0]), 'https://shop.example/p?n=Kim%5B31m');
  });
});
