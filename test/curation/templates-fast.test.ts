// Simple templates (text and `{{ name }}` / `{{ name | num: N }}`) skip
// liquidjs's renderer. This checks that the short cut renders exactly what
// liquidjs renders: for every template of the shipped and example curations,
// and for hand-picked edge cases, over odd values as well as ordinary ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { compileTemplate, RenderSession, type TemplateKind } from '../../src/curation/templates.js';
import { RENDER_LIMITS } from '../../src/curation/render-limits.js';
import { tidy } from '../../src/curation/text-finish.js';
import { ROOT } from './helpers.js';

function stringsIn(v: unknown, out: string[]): string[] {
  if (typeof v === 'string') {
    if (v.includes('{{')) out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) stringsIn(x, out);
  } else if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) stringsIn(x, out);
  }
  return out;
}

const files = ['curations', 'examples/curations'].flatMap((d) =>
  readdirSync(path.join(ROOT, d))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => path.join(ROOT, d, f)),
);
const shipped = files.flatMap((f) => stringsIn(parse(readFileSync(f, 'utf8')), []));

const edge = [
  'a {{ x }} b',
  '{{x}}{{ y|num }}{{ z | num:2 }}',
  '{{ x | num: 1 }} kcal',
  '{{ true }} {{ nil }} {{ x }}',
  '{{ toString }} {{ constructor }} {{ lang }} {{ now }}',
  '{{- x }} trimmed',
  '{{ x.length }}',
  '{{ x | upcase }}',
  '{{ x | raw }}',
  'a }} b {{ x }}',
  '{% if x %}{{ x }}{% endif %}',
  '{{ x }}\n\n\n{{ y | num }}',
  ' {{ x }}\t\n{{ y }} \n',
  'a {{ x }}{{ y }}\n{{ z }} ',
  // Values in URLs: encoded after the host, as written in it.
  'https://shop.example/p?n={{ x }}&m={{ y | num: 1 }}#{{ z }}',
  '{{ x }}/p?q={{ y }}',
  'https://{{ x }}.example{{ y }}/{{ z }}',
  '{{ x }}{{ y }}?{{ z | num }}',
  'a <link type="url" value="https://s.example/?a={{ x }}">{{ y }}</link> {{ z }}',
  '<link type="url" value="{{ x }}/{{ y }}">b</link>',
  '<link type="url">{{ x }}/?q={{ y }}</link> {{ z }}',
  '{{ x | url_encode }}/?q={{ y | url_encode }}',
  // A name with "num" in it is a name, not the num filter.
  '{{ numx }} and {{ number }} and {{ x_num | num }}',
  // Conditions beside simple outputs (template-segments.ts): rendered by liquidjs, kept by the values they read.
  "a {{ x }} {% case y %}{% when 'plain' %}P{% when 0, 1234567.891 %}num{% when true %}T{% else %}E{% endcase %} {{ z | num: 1 }}",
  "{% if x == y %}eq{% elsif x %}x<b>{% else %}{% unless z %}nz{% endunless %}{% endif %}\n  \n\n\n{{ y }}",
  "{% if x.size > 2 %}long{% endif %}{{ x }}{% if lang == 'ko' %}ko{% else %}en{% endif %}{% if now > 0 %}later{% endif %}",
  "{% if x contains 'a' %}has a{% endif %}{% if y == empty %}empty{% endif %}{% if z == blank %}blank{% endif %}{% if x == nil %}nil{% endif %}",
  "{% if x %}{{ y }}{% endif %}{% if y %}{{ y | upcase }}{% endif %}",
];

const odd: unknown[] = [
  undefined, null, '', 'plain', ' \n\n\n', '\u2028', '<b>&"x"</b>', '72.5', ' 12 ', 'abc', 0, -3.456, 1234567.891, 1e21, true, false, ['a', '<b>', 3], [], { a: 1 },
  'a&next=https://evil.example#x', 'k\u202eim\u0007\u0085\u200f\n\tx\r', 'half \ud800 pair', ['a\u2066', 'b/c'],
];

const UNHURRIED = { ...RENDER_LIMITS, renderMs: 60_000 };

function scopes(names: string[]): Array<Record<string, unknown>> {
  return odd.map((_, i) => Object.fromEntries(names.map((n, j) => [n, odd[(i + j) % odd.length]])).valueOf() as Record<string, unknown>);
}

/** The text, or that it threw (liquidjs's url_encode throws on half a surrogate pair, on both paths). */
function outcome(render: () => string): string {
  try {
    return render();
  } catch (err) {
    return `throws ${err instanceof Error ? err.constructor.name : typeof err}`;
  }
}

test('the short cut renders exactly what liquidjs renders', () => {
  assert.ok(shipped.length > 40, `found ${shipped.length} templates in ${files.length} files`);
  let fastOnes = 0;
  for (const source of [...shipped, ...edge]) {
    for (const kind of ['text', 'code', 'title', 'url'] satisfies TemplateKind[]) {
      // Every name counts as fixed by the file here, so that kept renders of conditions are compared too.
      const fast = compileTemplate(source, kind, { keepFor: new Set(['x', 'y', 'z', 'lang', 'now']) });
      const slow = compileTemplate(source, kind, { fast: false });
      const names = [...new Set([...fast.names.map((n) => n.name), 'x', 'y', 'z'])];
      for (const scope of scopes(names)) {
        for (const lang of ['ko', 'en']) {
          const globals = { lang, now: Date.UTC(2026, 10, 24, 9, 30) };
          // What is compared is the text: a deadline the machine's load can hit (a descheduled process) is left out.
          const a = outcome(() => fast.render(new RenderSession({ ...scope, lang, now: globals.now }, globals, UNHURRIED)));
          const b = outcome(() => slow.render(new RenderSession({ ...scope, lang, now: globals.now }, globals, UNHURRIED)));
          assert.equal(a, b, `${JSON.stringify(source)} kind=${kind} lang=${lang} scope=${JSON.stringify(scope)}`);
          // Tidied as a text block's text: the short cut may know at compile that only trim is needed (text-finish.ts).
          const tidiedA = outcome(() => fast.renderTidied(new RenderSession({ ...scope, lang, now: globals.now }, globals, UNHURRIED)));
          const tidiedB = outcome(() => tidy(slow.render(new RenderSession({ ...scope, lang, now: globals.now }, globals, UNHURRIED))));
          assert.equal(tidiedA, tidiedB, `tidied: ${JSON.stringify(source)} kind=${kind} lang=${lang} scope=${JSON.stringify(scope)}`);
        }
      }
      if (fast.render !== slow.render) fastOnes++;
    }
  }
  assert.ok(fastOnes > 0);
});

test('most shipped templates take the short cut; tags and other filters do not', () => {
  const isFast = (source: string) => {
    const t = compileTemplate(source, 'text');
    const probe = new RenderSession({}, { lang: 'ko', now: 0 });
    // The liquidjs path needs a Context; the short cut never builds one.
    t.render(probe);
    return (probe as unknown as { ctx: unknown }).ctx === null;
  };
  const outputs = (s: string) => s.match(/\{\{[^}]*\}\}/g) ?? [];
  const simple = shipped.filter((s) => !s.includes('{%') && outputs(s).every((o) => /^\{\{\s*\w+\s*(\|\s*num\s*(:\s*\d+\s*)?)?\}\}$/.test(o)));
  assert.ok(simple.length >= shipped.length * 0.7, `${simple.length} of ${shipped.length} shipped templates are simple`);
  assert.deepEqual(simple.filter((s) => !isFast(s)), [], 'every simple template takes the short cut');
  for (const s of ['{% if x %}a{% endif %}', '{{ x | upcase }}', '{{ x.y }}', '{{- x }}', '{{ true }}']) assert.equal(isFast(s), false, s);
});

test('both ways encode a value after the host, keep one in it, and drop controls', () => {
  const globals = { lang: 'ko', now: 0 };
  for (const fast of [true, false]) {
    const url = compileTemplate('{{ base }}/p?n={{ x }}', 'url', { fast });
    assert.equal(url.render(new RenderSession({ base: 'https://shop.example', x: 'a&b=c#d\u202e' }, globals)), 'https://shop.example/p?n=a%26b%3Dc%23d', `fast=${fast}`);
    const text = compileTemplate('{{ x }} <link type="url" value="https://s.example/?q={{ x }}">go</link>', 'text', { fast });
    assert.equal(text.render(new RenderSession({ x: '<a&b>\u2066' }, globals)), '&lt;a&amp;b&gt; <link type="url" value="https://s.example/?q=%3Ca%26b%3E">go</link>', `fast=${fast}`);
  }
});

test('a condition keeps its renders only for names the file fixes: an answer of its own is rendered each time', () => {
  const source = "Hi {{ x }}. {% case y %}{% when 'a' %}A{% else %}other{% endcase %}";
  /** Whether the render built a liquidjs Context (liquidjs rendered something) and what it wrote. */
  const renderOnce = (t: ReturnType<typeof compileTemplate>, scope: Record<string, unknown>) => {
    const session = new RenderSession(scope, { lang: 'ko', now: 0 });
    const text = t.render(session);
    return { text, liquid: (session as unknown as { ctx: unknown }).ctx !== null };
  };
  const fixed = compileTemplate(source, 'text', { keepFor: new Set(['y']) });
  assert.deepEqual(renderOnce(fixed, { x: 'Kim', y: 'a' }), { text: 'Hi Kim. A', liquid: true });
  assert.deepEqual(renderOnce(fixed, { x: 'Lee', y: 'a' }), { text: 'Hi Lee. A', liquid: false }, 'kept for y = a');
  assert.deepEqual(renderOnce(fixed, { x: 'Lee', y: 'b' }), { text: 'Hi Lee. other', liquid: true });
  const answer = compileTemplate(source, 'text', { keepFor: new Set() });
  assert.deepEqual(renderOnce(answer, { x: 'Kim', y: 'a' }), { text: 'Hi Kim. A', liquid: true });
  assert.deepEqual(renderOnce(answer, { x: 'Kim', y: 'a' }), { text: 'Hi Kim. A', liquid: true }, 'y is not fixed by the file: nothing kept');
});
