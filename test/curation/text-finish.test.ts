// What plan() no longer does on every render (issue 21): the tidy step's fast
// path, the markup check decided at compile, numbers grouped by a loop. Each
// short cut is compared with the plain way over generated inputs, and the
// render-time markup check is shown to still refuse what it must.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTextMarkup, escapeText } from '../../src/channeltalk/markup.js';
import { markupValidForAnyValues, tidy, valueKeepsTidy } from '../../src/curation/text-finish.js';
import { formatNumber } from '../../src/curation/format.js';
import { roundDecimal } from '../../src/curation/rounding.js';
import { loadCurations, plan } from '../../src/curation/index.js';
import { minimalCuration, tempDir } from './helpers.js';
import { buildOptionMatcher, matchOption } from '../../src/curation/options.js';
import { normalizeLabel } from '../../src/curation/normalize.js';
import { encodeUrlValue, stripControls } from '../../src/curation/sanitize.js';
import type { FieldSpec } from '../../src/curation/types.js';

/** The tidy step as it was: two multiline replaces on every text. */
function tidyByRegex(s: string): string {
  return s
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A small deterministic generator, so a failure can be replayed. */
function generator(seed: number): { int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let state = seed;
  const int = (n: number) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
  return { int, pick: (xs) => xs[int(xs.length)]! };
}

describe('tidy', () => {
  test('gives what the two replaces give, over generated texts with spaces, tabs and every kind of line end', () => {
    const g = generator(7);
    const pieces = [' ', '\t', '\n', '\n\n\n', '\r', '\r\n', '\u2028', '\u2029', 'a', '가', '<b>x</b>', '  \n', '\t\n\n', '\u00a0', '\v'];
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      for (let k = g.int(12); k > 0; k--) s += g.pick(pieces);
      assert.equal(tidy(s), tidyByRegex(s), JSON.stringify(s));
    }
  });

  test('a value keeps a render tidy unless it holds a space, tab or line end: the loop agrees with the regex for every BMP code unit', () => {
    const TIDY_SPACE = /[ \t\n\r\u2028\u2029]/;
    for (let c = 0; c <= 0xffff; c++) {
      const v = `a${String.fromCharCode(c)}b`;
      assert.equal(valueKeepsTidy(v), !TIDY_SPACE.test(v), `U+${c.toString(16)}`);
    }
    assert.equal(valueKeepsTidy(`${'x'.repeat(100)}\u2028`), false);
    assert.equal(valueKeepsTidy('x'.repeat(100)), true);
  });

  test('a text with nothing to tidy is only trimmed', () => {
    assert.equal(tidy('  a\nb\n\nc \u00a0'), 'a\nb\n\nc');
    assert.equal(tidy('a  \nb\n\n\n\nc\t'), 'a\nb\n\nc');
  });
});

describe('markup decided at compile', () => {
  test('a value between tags or beside them: any escaped value keeps the markup valid', () => {
    assert.equal(markupValidForAnyValues(['<b>', '</b> kcal']), true);
    assert.equal(markupValidForAnyValues(['', ' and ', '']), true);
    assert.equal(markupValidForAnyValues(['<link type="url">', '</link>']), true);
    assert.equal(markupValidForAnyValues(['static only, <i>styled</i>']), true);
  });

  test('a value inside a tag, or literals that are not markup: each render is checked', () => {
    // A mention's id allows no & (an escaped value can hold &amp;).
    assert.equal(markupValidForAnyValues(['<link type="manager" value="', '">x</link>']), false);
    assert.equal(markupValidForAnyValues(['<link type="url" value="', '">x</link>']), false);
    assert.equal(markupValidForAnyValues(['<b>', '']), false);
    assert.equal(markupValidForAnyValues(['a > ', '']), false);
    assert.equal(markupValidForAnyValues(['<', 'b>']), false);
  });

  test('never says valid when a render with some value is not (generated literals and values)', () => {
    const g = generator(11);
    const fragments = ['<b>', '</b>', '<i>', '</i>', '<link type="url">', '<link type="url" value="https://a.example/?q=', '">', '</link>', '<link type="manager" value="', '<link type="manager" value="all">', 'text ', '가', '&amp;', '<', '>', '"', ' \n', '\n\n\n'];
    const values = ['', 'x', '<b>', 'a & b', '"', '>', 'm1', ' \n\n\n', '</link>', '<link type="url">'];
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const literals: string[] = [];
      for (let n = 1 + g.int(4); n > 0; n--) {
        let l = '';
        for (let k = g.int(4); k > 0; k--) l += g.pick(fragments);
        literals.push(l);
      }
      if (!markupValidForAnyValues(literals)) continue;
      valid++;
      for (const v of values) {
        const rendered = literals.reduce((out, l, j) => (j === 0 ? l : out + escapeText(v) + l), '');
        assert.equal(checkTextMarkup(tidy(rendered)), null, JSON.stringify({ literals, v }));
      }
    }
    assert.ok(valid > 1000, `enough valid cases generated (${valid})`);
  });

  test('a render that breaks the markup is still refused at render, with the same words', async () => {
    const dir = await tempDir({
      // The dry run's samples (1, 5, 9; 'Sample' and 'A & <b>') all render valid markup: the load passes, some answers do not.
      'm.yaml': minimalCuration(`fields:
  desk: { type: number, min: 1, max: 9 }
  who: { type: text }
messages:
  - text: '<link type="manager" value="{{ desk }}">담당자</link>에게 연결해 드릴게요.'
  - text: '{% if who == "m1" %}<b>{% endif %}굵게'
`),
    });
    const loaded = await loadCurations(dir);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.map((e) => e.message).join('; '));
    const c = loaded.set.byId('mini');
    assert.ok(c);
    const mention = plan(c, null, { desk: 2.5, who: 'm2' }, { runId: 'r', now: 0 });
    assert.equal(mention.outcome, 'skipped', 'no fallback messages: nothing is sent');
    assert.match(mention.reason ?? '', /messages\[0\]\.text.*is not valid Channel Talk markup once rendered: unsupported tag or unescaped '<' \(only <b>, <i> and <link>/);
    const unclosed = plan(c, null, { desk: 2, who: 'm1' }, { runId: 'r', now: 0 });
    assert.equal(unclosed.outcome, 'skipped');
    assert.match(unclosed.reason ?? '', /messages\[1\]\.text.*is not valid Channel Talk markup once rendered: unclosed <b>/);
    const fine = plan(c, null, { desk: 2, who: 'm2' }, { runId: 'r', now: 0 });
    assert.equal(fine.outcome, 'sequence', fine.reason ?? '');
    assert.deepEqual(fine.messages.map((m) => m.body.blocks?.[0]), [
      { type: 'text', value: '<link type="manager" value="2">담당자</link>에게 연결해 드릴게요.' },
      { type: 'text', value: '굵게' },
    ]);
  });
});

describe('numbers', () => {
  test('grouped by the loop exactly as Intl groups them, in ko, en and de', () => {
    const g = generator(3);
    for (const lang of ['ko', 'en', 'de']) {
      for (let i = 0; i < 3000; i++) {
        const digits = g.int(4);
        const magnitude = 10 ** g.int(13);
        const value = (g.int(2_000_001) - 1_000_000) / 1_000_000 * magnitude;
        const intl = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: true }).format(roundDecimal(value, digits));
        assert.equal(formatNumber(value, lang, digits), intl, `${value} ${lang} ${digits}`);
      }
    }
  });

  test('written from the scaled integer exactly as toFixed writes the rounded value, for every number of decimals', () => {
    // The formatter as it was: toFixed, then a regex for the groups (en: , and .).
    const byToFixed = (value: number, digits: number): string => {
      const [int = '0', frac] = Math.abs(value).toFixed(digits).split('.');
      const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
      const sign = value < 0 && Number(Math.abs(value).toFixed(digits)) !== 0 ? '-' : '';
      return frac === undefined ? `${sign}${grouped}` : `${sign}${grouped}.${frac}`;
    };
    const g = generator(5);
    for (let i = 0; i < 50_000; i++) {
      const digits = g.int(11);
      const value = (g.int(2_000_001) - 1_000_000) / 1_000_000 * 10 ** g.int(17) + (g.int(2) === 0 ? 0.5 / 10 ** digits : 0);
      assert.equal(formatNumber(value, 'en', digits), byToFixed(roundDecimal(value, digits), digits), `${value} ${digits}`);
    }
    for (const [v, d] of [[0.05, 1], [-0.04, 1], [-0.05, 1], [2.675, 2], [1.005, 2], [999999999999999.9, 0], [123456789.0000005, 6]] as const) {
      assert.equal(formatNumber(v, 'en', d), byToFixed(roundDecimal(v, d), d), `${v} ${d}`);
    }
  });

  test('past 1e21 toFixed writes an exponent, left as it is', () => {
    assert.equal(formatNumber(1e21, 'en', 0), '1e+21');
    assert.equal(formatNumber(-2.5e22, 'en', 1), '-2.5e+22');
  });
});

describe('option answers', () => {
  test('a label or key as written is matched from the table built at load, exactly as by normalizing it', () => {
    const field: FieldSpec = {
      name: 'goal', key: 'goal', type: 'option', label: null, unit: null, min: null, max: null, required: true, consent: false, maxLength: null, pattern: null,
      // 'b' is also a label of option a: a label wins over another option's key.
      options: [{ key: 'a', labels: ['5Kg 이상?', 'b', '보통 (주2~4회)'] }, { key: 'b', labels: ['１ｋｇ'] }],
      otherwise: 'other',
    };
    const m = buildOptionMatcher(field);
    const slow = (answer: string) => m.byLabel.get(normalizeLabel(answer)) ?? m.otherwise;
    const answers = ['5Kg 이상?', '5kg이상', 'b', 'B', '보통 (주2~4회)', '보통(주2〜4회)', '１ｋｇ', '1kg', 'a', 'other', 'unknown', '', ' '];
    for (const a of answers) assert.equal(matchOption(m, a), slow(a), JSON.stringify(a));
    assert.equal(matchOption(m, 'b'), 'a');
    assert.equal(matchOption({ ...m, otherwise: null, asWritten: new Map() }, 'unknown'), null);
  });
});

describe('controls in values', () => {
  // The rule as sanitize.ts states it: Cc, ALM, LRM/RLM, LRE..RLO, LRI..PDI; in text, tab and line feed stay.
  const IN_LINE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
  const IN_TEXT = /(?![\t\n])[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

  test('the loop for short values removes exactly what the regex removes, for every BMP code unit', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const s = `a${String.fromCharCode(c)}b`;
      assert.equal(stripControls(s, false), s.replace(IN_LINE, ''), `U+${c.toString(16)} in a line`);
      assert.equal(stripControls(s, true), s.replace(IN_TEXT, ''), `U+${c.toString(16)} in a text`);
    }
  });

  test('a long value takes the regex, with the same result', () => {
    const s = `${'x'.repeat(100)}\u202e\u0007\n\t${'y'.repeat(100)}`;
    assert.equal(stripControls(s, true), s.replace(IN_TEXT, ''));
    assert.equal(stripControls(s, false), s.replace(IN_LINE, ''));
  });
});

describe('values in URLs', () => {
  test('half a surrogate pair still becomes U+FFFD; whole pairs and plain text are encoded as they are', () => {
    assert.equal(encodeUrlValue('a\ud800b'), encodeURIComponent('a\ufffdb'));
    assert.equal(encodeUrlValue('\udc00x\ud83d'), encodeURIComponent('\ufffdx\ufffd'));
    assert.equal(encodeUrlValue('😀 홍 a&b'), encodeURIComponent('😀 홍 a&b'));
    assert.equal(encodeUrlValue('plain'), 'plain');
  });
});
