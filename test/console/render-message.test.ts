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
  assert.deepEqual(r.buttons, [{ title: 'Order', url: 'https://shop.example/o', color: 'green', action: 'web' }]);
  assert.deepEqual(renderBody({ plainText: 'hello' }).blocks, [{ kind: 'text', spans: [{ text: 'hello' }] }]);
});

test('every message part as the customer sees it: files, a link preview, a form, nested bullets, mentions, app buttons', () => {
  const r = renderBody({
    blocks: [
      { type: 'text', value: '<link type="manager" value="41">Kim</link>, and <link type="manager" value="all">everyone</link>' },
      { type: 'bullets', blocks: [{ type: 'text', value: 'a' }, { type: 'bullets', blocks: [{ type: 'text', value: '<b>a.1</b>' }] }] },
    ],
    files: [
      { id: 'f1', name: 'plan.pdf', size: 1536, bucket: 'b', key: 'k' },
      { id: 'f2', name: 'photo.png', size: 3 * 1024 * 1024, bucket: 'b', key: 'k2', contentType: 'image/png' },
    ],
    webPage: { id: 'w', url: 'https://shop.example/box', title: 'Salad box', description: 'Fresh', imageUrl: 'javascript:alert(1)' },
    form: {
      type: 'custom',
      inputs: [
        { type: 'number', label: 'Weight (kg)', bindingKey: 'user.profile.weight', required: true },
        { type: 'radio', label: 'Goal', bindingKey: 'user.profile.goal', options: ['Lose', 'Keep'] },
      ],
    },
    buttons: [
      { title: 'Reorder', action: { type: 'command', attributes: { appId: 'a', name: 'reorder' } } },
      { title: 'Planner', colorVariant: 'green', action: { type: 'wam', attributes: { appId: 'a', name: 'planner' } } },
    ],
    options: ['silent'],
  });
  assert.deepEqual(r.blocks[0], { kind: 'text', spans: [{ text: '@Kim', mention: true }, { text: ', and ' }, { text: '@everyone', mention: true }] });
  assert.deepEqual(r.blocks[1], { kind: 'bullets', items: [[{ text: 'a' }], { kind: 'bullets', items: [[{ text: 'a.1', bold: true }]] }] });
  assert.deepEqual(r.attachments, [
    { kind: 'files', files: [{ name: 'plan.pdf', size: '1.5 KB', image: false }, { name: 'photo.png', size: '3.0 MB', image: true }] },
    { kind: 'webPage', url: 'https://shop.example/box', host: 'shop.example', title: 'Salad box', description: 'Fresh' },
    {
      kind: 'form',
      inputs: [
        { label: 'Weight (kg)', type: 'number', required: true, options: [] },
        { label: 'Goal', type: 'radio', required: false, options: ['Lose', 'Keep'] },
      ],
    },
  ]);
  assert.deepEqual(r.buttons, [
    { title: 'Reorder', url: null, color: 'cobalt', action: 'command' },
    { title: 'Planner', url: null, color: 'green', action: 'wam' },
  ]);
});
