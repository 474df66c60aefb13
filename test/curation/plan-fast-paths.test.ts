// plan()'s faster paths (issue 21) give exactly what the general ones give:
// each is compared with the code it stands in for over many inputs, errors
// included. (plan-equivalence.ts compares whole plans against an older build.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arithmetic, BUILTIN_NAMES, builtinOf } from '../../src/curation/expr/builtins.js';
import { compileExpression, type ExpressionContext } from '../../src/curation/expressions.js';
import { isHttpUrl, UrlChecker } from '../../src/curation/http-url.js';
import { HttpUrlSchema } from '../../src/channeltalk/wire.js';
import { formatNumber, formatNumberAsWritten } from '../../src/curation/format.js';
import { roundDecimal } from '../../src/curation/rounding.js';
import { stripControls } from '../../src/curation/sanitize.js';
import { checkTextMarkup, escapeText } from '../../src/channeltalk/markup.js';
import { compileTemplate, RenderSession } from '../../src/curation/templates.js';
import { isTrimmedAway, tidy } from '../../src/curation/text-finish.js';

const INPUTS: unknown[] = [0, -0, 1, -1, 2.175, 1.005, -2.25, 1e21, 0.1 + 0.2, NaN, Infinity, -Infinity, 12345.6789, '3', '', 'a', null, undefined, true, false, [1], ['a'], {}];

/** What a call gives: its value, or its error's class and message. */
function outcome(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (err) {
    return { error: err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err) };
  }
}

test('a built-in called with one or two arguments gives what it gives with an array of them', () => {
  let compared = 0;
  for (const name of BUILTIN_NAMES) {
    const b = builtinOf(name)!;
    const { fn1, fn2 } = b;
    for (const x of INPUTS) {
      if (fn1) {
        assert.deepEqual(outcome(() => fn1(x)), outcome(() => b.fn([x])), `${name}(${String(x)})`);
        compared++;
      }
      for (const y of INPUTS) {
        if (!fn2) continue;
        assert.deepEqual(outcome(() => fn2(x, y)), outcome(() => b.fn([x, y])), `${name}(${String(x)}, ${String(y)})`);
        compared++;
      }
    }
  }
  // trunc, fix, round, floor, ceil, abs, sqrt, exp, log10 at least.
  assert.ok(compared > 9 * INPUTS.length, `only ${compared} calls compared`);
});

const ctx = (): ExpressionContext => ({ names: new Set(['x', 'y']), later: new Map(), self: null, tables: new Map(), functions: new Map(), optionKeys: new Map() });

test('arithmetic on two numbers in place gives what the operators give on any operands', () => {
  for (const op of ['+', '-', '*', '/', '^', 'mod'] as const) {
    const compiled = compileExpression(`x ${op} y`, ctx());
    const general = arithmetic(op);
    for (const x of INPUTS) {
      for (const y of INPUTS) {
        assert.deepEqual(outcome(() => compiled({ x, y })), outcome(() => general(x, y)), `${String(x)} ${op} ${String(y)}`);
      }
    }
  }
});

test('isHttpUrl decides what HttpUrlSchema decides, for rendered and odd texts', () => {
  const hosts = ['salad.example', 'exa mple.com', 'xn--bcher-kva.example', '127.0.0.1', '[::1]', '', 'a..b', '하나.예시', 'user:pw@host', 'host:99999', 'host:80'];
  const tails = ['', '/', '/p?index=39', '/a b', '?q=%E2%9C%93', '#x', '/%zz', '/\u0000', '/\t/x', '?a=<b>', '/캠페인'];
  const heads = ['http://', 'https://', 'HTTPS://', 'ftp://', 'http:', 'https:/', 'http:\\\\', ' https://', 'https://\n', 'javascript:', 'mailto:', '//', 'http:///'];
  const texts: string[] = ['', ' ', 'https://', 'http://a', 'https://salad.example/curation-program?index=39  ', '\thttps://a.example', 'https://a.example\u0001'];
  for (const head of heads) for (const host of hosts) for (const tail of tails) texts.push(`${head}${host}${tail}`);
  let accepted = 0;
  for (const t of texts) {
    const expected = HttpUrlSchema.safeParse(t).success;
    assert.equal(isHttpUrl(t), expected, JSON.stringify(t));
    if (expected) accepted++;
  }
  // Both answers are well represented.
  assert.ok(accepted > 100 && accepted < texts.length - 100, `${accepted} of ${texts.length} accepted`);
  // A checker that keeps its answers gives the same ones, the first time and again (also past the texts it keeps).
  for (const fixed of [true, false]) {
    const checker = new UrlChecker(fixed);
    for (const round of [1, 2]) for (const t of texts) assert.equal(checker.check(t), isHttpUrl(t), `${JSON.stringify(t)}, round ${round}`);
  }
});

test('a number written as it is by num is the text formatNumber gives and the write steps keep', () => {
  const values = [0, -0, 1, -1, 0.05, 2.175, 1.005, -2.25, 999.95, 1234.5, -1234567.891, 12345678, 1e14, 1e15, 1e21, 123.456789];
  let plain = 0;
  for (const lang of ['ko', 'en', 'de', 'fr', 'ar', 'hi', 'ja']) {
    for (const v of values) {
      for (let d = -1; d <= 12; d++) {
        const written = formatNumberAsWritten(v, lang, d);
        if (written === null) continue;
        plain++;
        const text = formatNumber(v, lang, d);
        assert.equal(written, text, `${v} in ${lang} with ${d} decimals`);
        assert.equal(escapeText(stripControls(text, true)), text);
      }
    }
  }
  assert.ok(plain > 100, `only ${plain} numbers were written as they are`);
});

test('the powers of ten rounding uses are the ones ** computes', () => {
  for (let d = 0; d <= 22; d++) assert.equal(Number(`1e${d}`), 10 ** d, `10 ** ${d}`);
  // And rounding agrees with the decimal value at every table entry.
  for (let d = 0; d <= 10; d++) assert.equal(roundDecimal(2.5 / 10 ** d, d), 3 / 10 ** d, `2.5e-${d} at ${d} decimals`);
});

test("a text with conditions is spared the markup check only when the conditions' texts make it valid whatever the values", () => {
  const sources = [
    '{% if open %}<b>{% endif %}{{ name }}{% if close %}</b>{% endif %}',
    '{% if open %}<i>{% endif %}<link type="url" value="https://a.example/{{ name }}">l</link>{% if close %}</i>{% endif %}',
    '<link type="url" value="https://a.example/?{% if open %}x{% endif %}">{{ name }}</link>{% unless close %} & {% endunless %}',
  ];
  const seen = { holds: 0, checked: 0 };
  for (const source of sources) {
    const tpl = compileTemplate(source, 'text', { keepFor: new Set(['open', 'close']) });
    assert.ok(tpl.renderTidiedKnowingMarkup, source);
    for (const open of [true, false]) {
      for (const close of [true, false]) {
        for (const name of ['Kim', '<b>', 'a"b', '']) {
          const session = new RenderSession({ open, close, name }, { lang: 'en', now: 0 });
          const known = tpl.renderTidiedKnowingMarkup(session);
          assert.equal(known.text, tpl.renderTidied(session));
          // Held means valid; not held means plan() checks this render as before.
          if (known.markupHolds) assert.equal(checkTextMarkup(known.text), null, `${source} with ${JSON.stringify({ open, close, name })}`);
          seen[known.markupHolds ? 'holds' : 'checked']++;
        }
      }
    }
  }
  assert.ok(seen.holds > 0 && seen.checked > 0, JSON.stringify(seen));
});

test('isTrimmedAway is what trim removes, for every code unit', () => {
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    assert.equal(isTrimmedAway(c), `${ch}x`.trim() === 'x', `U+${c.toString(16)}`);
  }
});

test('a text rendered without trim, its ends being words, is the text liquidjs renders and tidy tidies', () => {
  const sources = ['{{ a }}', '{{ a }} and {{ b }}', 'x{{ a }}', '{{ a }}y', ' {{ a }} ', '\u3000{{ a }}x', 'x{{ a }}\u00a0', '{{ a }}{{ b }}'];
  const values = ['Kim', '', ' lead', 'trail ', '\u3000wide', 'nb\u00a0', '\u000bv', 'f\u000c', 'x\u1680', '\ufeffbom', '\u001cfs', '홍'];
  for (const source of sources) {
    const fast = compileTemplate(source, 'text');
    const slow = compileTemplate(source, 'text', { fast: false });
    for (const a of values) {
      for (const b of values) {
        const session = new RenderSession({ a, b }, { lang: 'en', now: 0 });
        assert.equal(fast.renderTidied(session), tidy(slow.render(session)), `${JSON.stringify(source)} with ${JSON.stringify([a, b])}`);
      }
    }
  }
});

test('a simple output reads a name as liquidjs does: own names, then lang and now, never what objects inherit', () => {
  const scopes: Array<Record<string, unknown>> = [{ a: 1 }, { toString: 'own', a: null }, { valueOf: 0, hasOwnProperty: false }, { lang: 'scope-lang', a: undefined }];
  for (const name of ['a', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'lang', 'now', 'missing']) {
    const fast = compileTemplate(`[{{ ${name} }}|{{ ${name} | num: 1 }}]`, 'text');
    const slow = compileTemplate(`[{{ ${name} }}|{{ ${name} | num: 1 }}]`, 'text', { fast: false });
    for (const scope of scopes) {
      const session = new RenderSession(scope, { lang: 'ko', now: 1234.5 });
      assert.equal(fast.render(session), slow.render(session), `${name} in ${JSON.stringify(scope)}`);
    }
  }
});
