// Message bodies the API takes and refuses, shared by the client schema's tests
// and the check that the client never sends what the spec refuses.

const text = [{ type: 'text', value: 'x' }];
const file = { id: 'f1', name: 'plan.pdf', size: 1024, bucket: 'bin.channel.io', key: 'pub-file/95334/plan.pdf', contentType: 'application/pdf' };
const input = { type: 'number', label: 'Weight (kg)', bindingKey: 'user.profile.weight', dataType: 'number', required: true };
const bullets = (depth: number): unknown =>
  depth === 1 ? { type: 'bullets', blocks: [{ type: 'text', value: 'leaf' }] } : { type: 'bullets', blocks: [{ type: 'text', value: `level ${depth}` }, bullets(depth - 1)] };

export const accepted: Array<[string, unknown]> = [
  ['files only', { files: [file] }],
  ['ten files', { files: Array.from({ length: 10 }, (_, i) => ({ ...file, id: `f${i}` })) }],
  ['an image file with its size', { blocks: text, files: [{ ...file, type: 'image', contentType: 'image/png', width: 640, height: 480 }] }],
  ['a web page', { blocks: text, webPage: { id: 'wp1', url: 'https://shop.example/p/1', title: 'Salad box', description: 'Fresh every day', imageUrl: 'https://shop.example/p/1.jpg' } }],
  ['a web page alone', { webPage: { id: 'wp1', url: 'https://shop.example/p/1' } }],
  ['a form of one input', { blocks: text, form: { type: 'custom', inputs: [input] } }],
  [
    'a form of four inputs with options',
    {
      blocks: text,
      form: {
        type: 'custom',
        inputs: [
          input,
          { type: 'date', label: 'Birthday', bindingKey: 'user.profile.birthday', dataType: 'date' },
          { type: 'singleSelect', label: 'Goal', bindingKey: 'user.profile.goal', dataType: 'string', options: ['Lose weight', 'Keep my weight'] },
          { type: 'bool', label: 'Agree', bindingKey: 'user.profile.agree' },
        ],
      },
    },
  ],
  ['bullets three levels deep', { blocks: [bullets(3)] }],
  ['a manager mention', { blocks: [{ type: 'text', value: '<link type="manager" value="41">Kim</link>, please look' }] }],
  ['a mention of all', { blocks: [{ type: 'text', value: '<link type="manager" value="all">all</link>' }] }],
  ['a web button', { blocks: text, buttons: [{ title: 'Go', colorVariant: 'green', action: { type: 'web', attributes: { url: 'https://shop.example/' } } }] }],
  ['a command button', { blocks: text, buttons: [{ title: 'Order', action: { type: 'command', attributes: { appId: 'app1', name: 'order', params: { sku: { value: 'A1' } } } } }] }],
  ['a wam button', { blocks: text, buttons: [{ title: 'Open', action: { type: 'wam', attributes: { appId: 'app1', name: 'planner', wamArgs: { plan: { id: 3 } } } } }] }],
  ['options', { blocks: text, options: ['silent', 'private', 'actAsManager'] }],
];

export const refused: Array<[string, unknown, RegExp]> = [
  ['options: []', { blocks: text, options: [] }, /^options/],
  ['a repeated option', { blocks: text, options: ['silent', 'silent'] }, /^options.*repeat/],
  ['an unknown option', { blocks: text, options: ['loud'] }, /^options\.0/],
  ['eleven files', { files: Array.from({ length: 11 }, (_, i) => ({ ...file, id: `f${i}` })) }, /^files/],
  ['files: []', { blocks: text, files: [] }, /^files/],
  ['a file without bucket', { files: [{ id: 'f', name: 'n', size: 1, key: 'k' }] }, /^files\.0\.bucket/],
  ['a file with a negative size', { files: [{ ...file, size: -1 }] }, /^files\.0\.size/],
  ['a file with a key it does not know', { files: [{ ...file, channelId: '1' }] }, /^files\.0/],
  ['a web page without url', { blocks: text, webPage: { id: 'wp1' } }, /^webPage\.url/],
  ['a web page with a javascript: url', { blocks: text, webPage: { id: 'wp1', url: 'javascript:alert(1)' } }, /^webPage\.url/],
  ['a form with no inputs', { blocks: text, form: { type: 'custom', inputs: [] } }, /^form\.inputs/],
  ['a form with five inputs', { blocks: text, form: { type: 'custom', inputs: Array.from({ length: 5 }, (_, i) => ({ ...input, label: `q${i}` })) } }, /^form\.inputs/],
  ['a follow-up form', { blocks: text, form: { type: 'followUp', inputs: [input] } }, /^form\.type/],
  ['an input bound outside the profile', { blocks: text, form: { type: 'custom', inputs: [{ ...input, bindingKey: 'user.name' }] } }, /^form\.inputs\.0\.bindingKey/],
  ['an input without label', { blocks: text, form: { type: 'custom', inputs: [{ type: 'text', bindingKey: 'user.profile.x' }] } }, /^form\.inputs\.0\.label/],
  ['an unknown input type', { blocks: text, form: { type: 'custom', inputs: [{ ...input, type: 'slider' }] } }, /^form\.inputs\.0\.type/],
  ['bullets four levels deep', { blocks: [bullets(4)] }, /^blocks\.0/],
  ['a code block inside bullets', { blocks: [{ type: 'bullets', blocks: [{ type: 'code', value: 'x' }] }] }, /^blocks\.0/],
  ['raw < in a nested bullet', { blocks: [{ type: 'bullets', blocks: [{ type: 'bullets', blocks: [{ type: 'text', value: '1 < 2' }] }] }] }, /^blocks\.0\.blocks\.0\.blocks\.0\.value/],
  ['a command without appId', { blocks: text, buttons: [{ title: 't', action: { type: 'command', attributes: { name: 'x' } } }] }, /^buttons\.0\.action/],
  ['a command param that is not an object', { blocks: text, buttons: [{ title: 't', action: { type: 'command', attributes: { appId: 'a', name: 'x', params: { sku: 'A1' } } } }] }, /^buttons\.0\.action/],
  ['a wam with a url', { blocks: text, buttons: [{ title: 't', action: { type: 'wam', attributes: { appId: 'a', name: 'x', url: 'https://x.example' } } }] }, /^buttons\.0\.action/],
  ['an unknown action type', { blocks: text, buttons: [{ title: 't', action: { type: 'phone', attributes: {} } }] }, /^buttons\.0\.action/],
  ['an unknown mention kind', { blocks: [{ type: 'text', value: '<link type="team" value="1">t</link>' }] }, /unsupported tag/],
  ['nothing to show', { options: ['silent'] }, /needs/],
  ['form options as {value, label} objects', { blocks: text, form: { type: 'custom', inputs: [{ ...input, type: 'singleSelect', options: [{ value: 'lose', label: 'Lose weight' }] }] } }, /^form\.inputs\.0\.options\.0/],
  ['form options: []', { blocks: text, form: { type: 'custom', inputs: [{ ...input, type: 'singleSelect', options: [] }] } }, /^form\.inputs\.0\.options/],
  ['a repeated form option', { blocks: text, form: { type: 'custom', inputs: [{ ...input, type: 'singleSelect', options: ['a', 'a'] }] } }, /^form\.inputs\.0\.options.*repeat/],
];
