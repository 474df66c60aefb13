// Message bodies as the page draws them: markup becomes spans, never HTML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMarkup, renderBody } from '../../src/server/console/render-message.js';

test('bold, italic, nesting and links become spans; entities are decoded', () => {
  assert.deepEqual(parseMarkup('Hi <b>Kim</b>, your BMR is <b><i>1751</i></b> kcal &amp; more'), [
    { text: 'Hi ' },
    { text: 'Kim', bold: true },
    { text: ', your BMR is ' },
    { text: '1751', bold: true, italic: true },
    { text: ' kcal & more' },
  ]);
  assert.deepEqual(parseMarkup('see <link type="url" value="https://shop.example/p?a=1&amp;b=2">the plan</link>'), [
    { text: 'see ' },
    { text: 'the plan', href: 'https://shop.example/p?a=1&b=2' },
  ]);
  assert.deepEqual(parseMarkup('<link type="url">https://shop.example/</link>'), [{ text: 'https://shop.example/', href: 'https://shop.example/' }]);
});

test('anything else stays literal text, and only http(s) links are links', () => {
  assert.deepEqual(parseMarkup('<script>x</script> &lt;b&gt;'), [{ text: '<script>x</script> <b>' }]);
  assert.deepEqual(parseMarkup('<link type="url" value="javascript:alert(1)">click</link>'), [{ text: 'click' }]);
});

test('bodies: text, bullets, code, buttons with colours, plainText only', () => {
  const r = renderBody({
    blocks: [
      { type: 'text', value: '<b>Per meal</b>' },
      { type: 'bullets', blocks: [{ type: 'text', value: 'rice <b>120</b> g' }, { type: 'text', value: 'egg 2' }] },
      { type: 'code', value: 'a<b' },
    ],
    buttons: [{ title: 'Order', colorVariant: 'green', action: { type: 'web', attributes: { url: 'https://shop.example/o' } } }],
  });
  assert.deepEqual(r.blocks[0], { kind: 'text', spans: [{ text: 'Per meal', bold: true }] });
  assert.deepEqual(r.blocks[1], { kind: 'bullets', items: [[{ text: 'rice ' }, { text: '120', bold: true }, { text: ' g' }], [{ text: 'egg 2' }]] });
  assert.deepEqual(r.blocks[2], { kind: 'code', text: 'a<b' });
  assert.deepEqual(r.buttons, [{ title: 'Order', url: 'https://shop.example/o', color: 'green' }]);
  assert.deepEqual(renderBody({ plainText: 'hello' }).blocks, [{ kind: 'text', spans: [{ text: 'hello' }] }]);
});
