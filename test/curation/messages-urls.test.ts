// Values placed into a URL are percent-encoded, so an answer cannot add query
// parameters, a fragment or a path to a link; the curation's own text of the
// URL stays as written. A value in the scheme or host cannot be protected that
// way: `curation check` warns about it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCommand } from '../../src/cli/check.js';
import { loadCurations, plan, type Curation } from '../../src/curation/index.js';
import { isBareLookup } from '../../src/curation/url-values.js';
import { captureIO, minimalCuration, tempDir } from './helpers.js';
import { webUrl } from '../support/bodies.js';

const EVIL = 'a&next=https://evil.example#x';

async function load(yaml: string): Promise<Curation> {
  const r = await loadCurations(await tempDir({ 'u.yaml': minimalCuration(yaml) }));
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.errors));
  return r.set.curations[0]!;
}

describe('values in URLs are encoded', () => {
  test('a button URL: the name cannot inject a parameter or a fragment', async () => {
    const c = await load(`fields:
  name: { type: text }
  n: { type: number }
settings:
  base: https://shop.example/catalog
messages:
  - text: "{{ name }}"
    buttons:
      - { title: "{{ name }}", url: "https://shop.example/p?n={{ name }}&qty={{ n }}" }
      - { title: go, url: "{{ base }}/item?n={{ name }}#top" }
`);
    const p = plan(c, null, { name: EVIL, n: 2 }, { runId: 'u', now: 0 });
    assert.equal(p.outcome, 'sequence', p.reason ?? '');
    const urls = p.messages[0]!.body.buttons!.map((b) => webUrl(b));
    assert.deepEqual(urls, [
      'https://shop.example/p?n=a%26next%3Dhttps%3A%2F%2Fevil.example%23x&qty=2',
      // The setting that starts the URL is its scheme and host: inserted as written.
      'https://shop.example/catalog/item?n=a%26next%3Dhttps%3A%2F%2Fevil.example%23x#top',
    ]);
    const u = new URL(urls[0]!);
    assert.deepEqual([...u.searchParams.keys()], ['n', 'qty']);
    assert.equal(u.searchParams.get('n'), EVIL);
    assert.equal(u.hash, '');
    // The title is not a URL: written as given.
    assert.equal(p.messages[0]!.body.buttons![0]!.title, EVIL);
  });

  test('a link in a text block: the value attribute is encoded, the text around it only escaped', async () => {
    const c = await load(`fields:
  name: { type: text }
messages:
  - text: 'Hi {{ name }}: <link type="url" value="https://shop.example/p?n={{ name }}&ref=chat">your page</link>'
  - text: '<link type="url">https://shop.example/p?n={{ name }}</link> ({{ name }})'
`);
    const p = plan(c, null, { name: EVIL }, { runId: 'l', now: 0 });
    assert.equal(p.outcome, 'sequence', p.reason ?? '');
    assert.deepEqual(p.messages[0]!.body.blocks, [
      {
        type: 'text',
        value: 'Hi a&amp;next=https://evil.example#x: <link type="url" value="https://shop.example/p?n=a%26next%3Dhttps%3A%2F%2Fevil.example%23x&ref=chat">your page</link>',
      },
    ]);
    // A link without value="…" is its own text: that text is the address.
    assert.deepEqual(p.messages[1]!.body.blocks, [
      { type: 'text', value: '<link type="url">https://shop.example/p?n=a%26next%3Dhttps%3A%2F%2Fevil.example%23x</link> (a&amp;next=https://evil.example#x)' },
    ]);
  });

  test('a tag that writes a value without {{ }} is refused inside a URL', async () => {
    const r = await loadCurations(
      await tempDir({
        'w.yaml': minimalCuration(`fields:
  name: { type: text }
messages:
  - text: '{% echo name %} <link type="url" value="https://shop.example/?n={% echo name %}">x</link>'
    buttons:
      - { title: t, url: "https://shop.example/?n={% cycle name, 'b' %}" }
`),
      }),
    );
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => `${e.line} ${e.path}: ${e.message}`),
      [
        '7 messages[0].text: template error: {% echo %} cannot write inside a URL, where values are encoded: use {{ … }}',
        '9 messages[0].buttons[0].url: template error: {% cycle %} cannot write inside a URL, where values are encoded: use {{ … }}',
      ],
    );
  });

  test('| url_encode is not encoded twice; numbers and plain words are unchanged', async () => {
    const c = await load(`fields:
  name: { type: text }
  n: { type: number }
messages:
  - text: x
    buttons:
      - { title: t, url: "https://shop.example/?q={{ name | url_encode }}&w={{ n | num: 1 }}&plain={{ 'abc' }}" }
`);
    const p = plan(c, null, { name: 'A&B <i>', n: 1234.5 }, { runId: 'e', now: 0 });
    assert.equal(webUrl(p.messages[0]!.body.buttons![0]!), 'https://shop.example/?q=A%26B+%3Ci%3E&w=1%2C234.5&plain=abc');
  });
});

describe('curation check warns about a value in the scheme or host', () => {
  async function check(yaml: string): Promise<{ code: number; out: string; err: string }> {
    const dir = await tempDir({ 'h.yaml': minimalCuration(yaml) });
    const io = captureIO();
    const code = await checkCommand(['--dir', dir], io);
    return { code, out: io.out.join('\n'), err: io.err.join('\n') };
  }

  test('an answer in the host of a button URL or of a link: a warning with its line, and the file still loads', async () => {
    const { code, out, err } = await check(`fields:
  branch: { type: number, min: 1, max: 9 }
  site: { type: text }
messages:
  - text: 'see <link type="url" value="{{ site }}/p">here</link>'
    buttons:
      - title: go
        url: "https://shop{{ branch }}.example/p?x=1"
`);
    assert.equal(code, 0, err);
    assert.match(out, /1 curation valid/);
    const lines = err.split('\n');
    assert.ok(lines.some((l) => /h\.yaml:11 messages\[0\]\.buttons\[0\]\.url: warning: 'branch' is placed in the URL's scheme or host/.test(l)), err);
    assert.ok(lines.some((l) => /h\.yaml:8 messages\[0\]\.text: warning: 'site' is placed in the URL's scheme or host/.test(l)), err);
  });

  test('a setting, an option, or a value taken from a table of the file may start a URL: no warning', async () => {
    const { code, err } = await check(`fields:
  goal: { type: option, options: { lose: lose, keep: keep } }
  name: { type: text }
settings:
  base: https://shop.example
tables:
  pages:
    lookup: { lose: https://shop.example/lose, keep: https://shop.example/keep }
compute:
  page: lookup(pages, goal)
messages:
  - text: 'x <link type="url" value="{{ base }}/p?n={{ name }}">y</link>'
    buttons:
      - { title: a, url: "{{ page }}" }
      - { title: b, url: "{{ base }}/p?n={{ name }}" }
  - text: z
    buttons:
      - { title: c, url: "https://{{ goal }}.shop.example/?l={{ lang }}" }
`);
    assert.equal(code, 0, err);
    assert.equal(err, '');
  });

  test('the shipped pack checks without warnings', async () => {
    const io = captureIO();
    assert.equal(await checkCommand([], io), 0);
    assert.equal(io.err.join('\n'), '');
  });
});

test('a computed value counts as fixed by the file only when it is one table lookup', () => {
  for (const e of ['lookup(pages, goal)', ' lookup( pages , lookup(keys, goal) ) ', "lookup(pages, 'a)b')"]) assert.equal(isBareLookup(e), true, e);
  for (const e of ['lookup(pages, goal) + name', 'coalesce(name, lookup(pages, goal))', 'lookup(pages, goal)(x)', 'lookup(pages', "lookup(pages, ')')x"]) assert.equal(isBareLookup(e), false, e);
});
