import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { checkTextMarkup, escapeText, messageBodyProblems } from '../../src/channeltalk/markup.js';

void describe('checkTextMarkup', () => {
  const accepted = [
    'plain text',
    '',
    '<b>bold</b> and <i>italic</i>',
    '<b><i>nested</i></b>',
    '<link type="url" value="https://example.com/a?b=1&c=2">label</link>',
    '<link type="url">https://example.com</link>',
    '<b><link type="url" value="https://x.io">bold link</link></b>',
    '1 &lt; 2 &amp;&amp; 3 &gt; 2',
    'AT&T and a bare & sign',
    '🥗 emoji ok',
  ];
  for (const value of accepted) {
    void test(`accepts ${JSON.stringify(value)}`, () => {
      assert.equal(checkTextMarkup(value), null);
    });
  }

  const rejected: Array<[string, RegExp]> = [
    ['1 < 2', /unescaped '<'|unsupported tag/],
    ['2 > 1', /unescaped '>'/],
    ['<script>x</script>', /unsupported tag/],
    ['<B>upper</B>', /unsupported tag/],
    ['<b>unclosed', /unclosed <b>/],
    ['closing only</b>', /does not close/],
    ['<b><i>crossed</b></i>', /does not close/],
    ['<link href="https://x.io">x</link>', /unsupported tag/],
    ['<link type="url" value="https://x.io">a <link type="url">b</link></link>', /nested <link>/],
    ['<link type="url" value="x>y">z</link>', /unsupported tag|unescaped/],
    ['<br>', /unsupported tag/],
  ];
  for (const [value, reason] of rejected) {
    void test(`rejects ${JSON.stringify(value)}`, () => {
      const r = checkTextMarkup(value);
      assert.notEqual(r, null);
      assert.match(r ?? '', reason);
    });
  }

  void test('reasons never echo the text', () => {
    const r = checkTextMarkup('my weight is <80kg> secret');
    assert.ok(r !== null && !r.includes('80kg') && !r.includes('secret'));
  });
});

void describe('escapeText', () => {
  void test('escapes &, <, > and "', () => {
    assert.equal(escapeText('a < b > c & "d"'), 'a &lt; b &gt; c &amp; &quot;d&quot;');
  });
  void test('escaped user text always passes the markup check', () => {
    for (const s of ['<script>', '</b>', '<link type="url">x</link>', '>>> <<<', '&lt;']) {
      assert.equal(checkTextMarkup(escapeText(s)), null, s);
    }
  });
  void test('escaping & first keeps existing entities visible as typed', () => {
    assert.equal(escapeText('&lt;'), '&amp;lt;');
  });
});

void describe('messageBodyProblems', () => {
  void test('valid body has none', () => {
    assert.deepEqual(messageBodyProblems({ blocks: [{ type: 'text', value: '<b>hi</b>' }], requestId: 'r-0' }), []);
  });
  void test('markup inside bullets is checked', () => {
    const problems = messageBodyProblems({
      blocks: [{ type: 'bullets', blocks: [{ type: 'text', value: 'ok' }, { type: 'text', value: 'a < b' }] }],
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^blocks\.0\.blocks\.1\.value/);
  });
  void test('code blocks are not markup-checked', () => {
    assert.deepEqual(messageBodyProblems({ blocks: [{ type: 'code', value: 'if (a < b) {}' }] }), []);
  });
  void test('schema problems name the path', () => {
    const problems = messageBodyProblems({ blocks: [{ type: 'text', value: 'x' }], options: ['loud'] });
    assert.ok(problems.some((p) => p.startsWith('options.0')));
  });
});
