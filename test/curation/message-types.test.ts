// Every message type the API takes, written in a curation file: files, a web
// page, a form bound to the profile contract, nested bullets, mentions,
// command and WAM buttons, and options. `check` refuses what Channel Talk
// would refuse, with file, line and path.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCurations, plan, describePlan, type Curation, type CurationLoadError } from '../../src/curation/index.js';
import { messageBodyProblems } from '../../src/channeltalk/markup.js';
import { specMessageProblems } from '../../src/fake-channeltalk/message-rules.js';
import { visibleLength } from '../../src/curation/delays.js';
import { tempDir } from './helpers.js';

const FILE = { id: 'f1', name: 'meal-plan.pdf', size: 2048, bucket: 'bin.channel.io', key: 'pub-file/95334/meal-plan.pdf', contentType: 'application/pdf' };

const EVERY_TYPE = `id: every
defaultLanguage: ko
languages: [ko, en]
trigger: { on: chatOpened }
fields:
  name: { type: text, required: false }
  weight: { type: number, unit: kg, min: 20, max: 300 }
  goal: { type: option, key: dietGoal, options: { lose: [감량, lose weight], keep: [유지, keep] } }
  allergies: { type: list, required: false, options: { nuts: 견과류, milk: 우유 } }
  agree: { type: boolean, required: false }
  birthday: { type: text, required: false }
settings:
  shop: https://shop.example
messages:
  - text: "<link type=\\"manager\\" value=\\"41\\">김매니저</link>님, {{ name | default: '고객' }}님 상담 부탁드려요."
    options: [private, silent]
  - blocks:
      - bullets:
          - 아침
          - bullets:
              - { ko: "현미밥 {{ weight }}g", en: "Brown rice {{ weight }}g" }
              - bullets: [깊이 셋]
          - 저녁
    files:
      - ${JSON.stringify(FILE)}
    webPage:
      id: wp1
      url: "{{ shop }}/box?w={{ weight }}"
      title: { ko: 샐러드 박스, en: Salad box }
      description: 매일 신선하게
      imageUrl: https://shop.example/box.jpg
  - text: 정보를 확인해 주세요.
    form:
      inputs:
        - { field: weight, label: { ko: "몸무게 (kg)", en: "Weight (kg)" } }
        - { field: goal, label: 목표, type: radio }
        - { field: allergies, label: 알레르기 }
        - { field: birthday, label: 생일, type: date, required: true }
    buttons:
      - { title: 다시 주문, action: command, appId: app-1, name: reorder, params: { sku: { value: A1 } } }
      - { title: 식단 플래너, action: wam, appId: app-1, name: planner, wamArgs: { plan: { weight: 70 } }, color: green }
`;

async function load(yaml: string): Promise<Curation> {
  const r = await loadCurations(await tempDir({ 'c.yaml': yaml }));
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => `${e.line} ${e.path}: ${e.message}`).join('\n'));
  return r.set.curations[0]!;
}

async function errors(yaml: string): Promise<CurationLoadError[]> {
  const r = await loadCurations(await tempDir({ 'c.yaml': yaml }));
  assert.ok(!r.ok, 'the file must be refused');
  return r.errors;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
const profile = { name: 'Kim', weight: 70, dietGoal: '감량' };

describe('every message type in a curation file', () => {
  test('the bodies are exactly what the API takes', async () => {
    const p = plan(await load(EVERY_TYPE), null, profile, { runId: 'r', now: 0, lang: 'en' });
    assert.equal(p.outcome, 'sequence', p.reason ?? '');
    const [first, second, third] = p.messages.map((m) => m.body);
    assert.deepEqual(first, {
      blocks: [{ type: 'text', value: '<link type="manager" value="41">김매니저</link>님, Kim님 상담 부탁드려요.' }],
      options: ['private', 'silent'],
      requestId: 'r-0',
    });
    assert.deepEqual(second, {
      blocks: [
        {
          type: 'bullets',
          blocks: [
            { type: 'text', value: '아침' },
            { type: 'bullets', blocks: [{ type: 'text', value: 'Brown rice 70g' }, { type: 'bullets', blocks: [{ type: 'text', value: '깊이 셋' }] }] },
            { type: 'text', value: '저녁' },
          ],
        },
      ],
      files: [FILE],
      webPage: { id: 'wp1', url: 'https://shop.example/box?w=70', title: 'Salad box', description: '매일 신선하게', imageUrl: 'https://shop.example/box.jpg' },
      requestId: 'r-1',
    });
    assert.deepEqual(third, {
      blocks: [{ type: 'text', value: '정보를 확인해 주세요.' }],
      form: {
        type: 'custom',
        inputs: [
          { type: 'number', label: 'Weight (kg)', bindingKey: 'user.profile.weight', dataType: 'number', required: true },
          {
            type: 'radio',
            label: '목표',
            bindingKey: 'user.profile.dietGoal',
            dataType: 'string',
            required: true,
            options: ['감량', '유지'],
          },
          {
            type: 'multiSelect',
            label: '알레르기',
            bindingKey: 'user.profile.allergies',
            dataType: 'list',
            required: false,
            options: ['견과류', '우유'],
          },
          { type: 'date', label: '생일', bindingKey: 'user.profile.birthday', dataType: 'date', required: true },
        ],
      },
      buttons: [
        { title: '다시 주문', action: { type: 'command', attributes: { appId: 'app-1', name: 'reorder', params: { sku: { value: 'A1' } } } } },
        { title: '식단 플래너', colorVariant: 'green', action: { type: 'wam', attributes: { appId: 'app-1', name: 'planner', wamArgs: { plan: { weight: 70 } } } } },
      ],
      requestId: 'r-2',
    });
    for (const m of p.messages) {
      assert.deepEqual(messageBodyProblems(m.body), [], 'the client sends it');
      assert.deepEqual(specMessageProblems(m.body), [], 'the API takes it');
    }
  });

  test('a message of only a file, a web page or a form is sent; one with nothing left is not', async () => {
    const c = await load(`id: only
defaultLanguage: en
trigger: { on: chatOpened }
fields:
  show: { type: boolean, required: false }
messages:
  - files: [${JSON.stringify(FILE)}]
  - webPage: { id: w, url: https://shop.example/ }
  - form: { inputs: [{ field: show, label: Show? }] }
  - text: "{% if show %}shown{% endif %}"
`);
    const p = plan(c, null, {}, { runId: 'o', now: 0 });
    assert.deepEqual(
      p.messages.map((m) => Object.keys(m.body).toSorted()),
      [
        ['files', 'requestId'],
        ['requestId', 'webPage'],
        ['form', 'requestId'],
      ],
    );
  });

  test('preview shows each part as the customer sees it', async () => {
    const text = describePlan(plan(await load(EVERY_TYPE), null, profile, { runId: 'r', now: 0, lang: 'en' }));
    assert.match(text, / {4}@김매니저님, Kim님 상담 부탁드려요\./);
    assert.match(text, / {4}options: private, silent/);
    assert.match(text, / {4}• 아침\n {6}• Brown rice 70g\n {8}• 깊이 셋\n {4}• 저녁/);
    assert.match(text, / {4}\[file\] meal-plan\.pdf \(2\.0 KB\)/);
    assert.match(text, / {4}\[link preview\] Salad box: https:\/\/shop\.example\/box\?w=70\n {6}매일 신선하게/);
    assert.match(text, / {4}\[form\] Weight \(kg\) \(number, required\) → user\.profile\.weight/);
    assert.match(text, / {4}\[form\] 목표 \(radio: 감량 \| 유지, required\) → user\.profile\.dietGoal/);
    assert.match(text, / {4}\[ 다시 주문 \] → command reorder of app app-1/);
    assert.match(text, / {4}\[ 식단 플래너 \] → WAM planner of app app-1 \(green\)/);
  });

  test('typing delays count nested bullets, form labels and code as written, not files', () => {
    const bullets = { blocks: [{ type: 'bullets' as const, blocks: [{ type: 'text' as const, value: 'ab' }, { type: 'bullets' as const, blocks: [{ type: 'text' as const, value: '<b>cd</b>' }] }] }] };
    assert.equal(visibleLength(bullets), 4);
    assert.equal(visibleLength({ files: [FILE] }), 0);
    assert.equal(visibleLength({ blocks: [{ type: 'code', value: '<b>x</b>' }] }), 8, 'a code block shows its text as written');
    assert.equal(visibleLength({ form: { type: 'custom', inputs: [{ type: 'text', label: 'Name' }] } }), 4);
  });
});

describe('check refuses what Channel Talk would refuse', () => {
  const base = (messages: string) => `id: c\ndefaultLanguage: en\ntrigger: { on: chatOpened }\nfields:\n  weight: { type: number }\n  goal: { type: option, options: { lose: lose } }\nmessages:\n${messages}`;
  const cases: Array<[string, string, string, string, RegExp]> = [
    ['a form bound to a key outside the contract', '  - form: { inputs: [{ field: wieght, label: w }] }\n', 'field: wieght', 'messages[0].form.inputs[0].field', /unknown field 'wieght'; did you mean 'weight'\?.*fields/],
    [
      'a form of five inputs',
      `  - form:\n      inputs:\n${'        - { field: weight, label: w }\n'.repeat(5)}`,
      'inputs:',
      'messages[0].form.inputs',
      /at most 4 inputs/,
    ],
    ['a form with no inputs', '  - form: { inputs: [] }\n', 'form:', 'messages[0].form.inputs', /at least 1 input/],
    ['two inputs for one field', '  - form: { inputs: [{ field: weight, label: a }, { field: weight, label: b }] }\n', 'form:', 'messages[0].form.inputs[1].field', /already asks for 'weight'/],
    ['an input type that does not fit the field', '  - form: { inputs: [{ field: weight, label: a, type: date }] }\n', 'form:', 'messages[0].form.inputs[0].type', /a number field is asked as number, not date/],
    ['a repeated option', '  - text: x\n    options: [silent, private, silent]\n', '    options:', 'messages[0].options', /lists 'silent' twice/],
    ['an empty options list', '  - text: x\n    options: []\n', '    options:', 'messages[0].options', /at least one option/],
    ['an unknown option', '  - text: x\n    options: [loud]\n', '    options:', 'messages[0].options[0]', /silent/],
    ['bullets four levels deep', '  - blocks:\n      - bullets:\n          - bullets:\n              - bullets:\n                  - bullets: [deep]\n', '- bullets: [deep]', 'messages[0].blocks[0].bullets[0].bullets[0].bullets[0]', /at most 3 levels/],
    [
      'eleven files',
      `  - files:\n${`      - ${JSON.stringify(FILE)}\n`.repeat(11)}`,
      'files:',
      'messages[0].files',
      /at most 10 files/,
    ],
    ['a file without its storage key', `  - files: [{ id: f, name: n, size: 1, bucket: b }]\n`, 'files:', 'messages[0].files[0]', /'key' is required/],
    ['a web page with an invalid url', '  - webPage: { id: w, url: "ftp://x.example" }\n', 'webPage:', 'messages[0].webPage.url', /not a valid http\(s\) URL/],
    ['a command button without its app', '  - text: x\n    buttons: [{ title: t, action: command, name: reorder }]\n', 'buttons:', 'messages[0].buttons[0]', /needs 'appId'/],
    ['a command button with a url', '  - text: x\n    buttons: [{ title: t, action: command, appId: a, name: n, url: "https://x.example" }]\n', 'buttons:', 'messages[0].buttons[0].url', /only a web button has a url/],
    ['a web button without a url', '  - text: x\n    buttons: [{ title: t }]\n', 'buttons:', 'messages[0].buttons[0]', /needs 'url'/],
    ['wamArgs on a command', '  - text: x\n    buttons: [{ title: t, action: command, appId: a, name: n, wamArgs: { x: { y: 1 } } }]\n', 'buttons:', 'messages[0].buttons[0].wamArgs', /only for a wam button/],
    ['a mention of a team', '  - text: \'<link type="team" value="1">t</link>\'\n', 'text:', 'messages[0].text', /manager/],
    ['a message with nothing to show', '  - options: [silent]\n', 'options:', 'messages[0]', /needs 'text', 'blocks', 'files', 'webPage' or 'form'/],
  ];
  for (const [label, messages, needle, path, why] of cases) {
    test(label, async () => {
      const yaml = base(messages);
      const found = await errors(yaml);
      const e = found.find((x) => x.path === path);
      assert.ok(e, `an error at ${path}: ${JSON.stringify(found.map((x) => [x.path, x.message]))}`);
      assert.match(e.message, why);
      if (path !== 'messages[0]') assert.equal(e.line, lineOf(yaml, needle), `${path} on its line`);
    });
  }
});
