// The editor's completion (static/editor-complete.js), imported as the browser
// gets it: the YAML path under the cursor from indentation, the keys the
// curation JSON Schema allows there, enum values, and the names the draft
// declares where an expression or a template is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { curationJsonSchema } from '../../src/curation/index.js';
import { ROOT } from '../support/fixtures.js';
import { loadCatalogue, render } from '../../src/server/console/messages.js';

interface Found {
  from: number;
  options: Array<{ label: string; type: string; info?: { code: string; params: Record<string, string> } | string }>;
}
interface Complete {
  yamlPathAt: (text: string, offset: number) => string[];
  completionsAt: (text: string, offset: number, schema: unknown, names: Array<{ label: string; kind?: string; detail: unknown }>) => Found | null;
  declaredNames: (curation: unknown) => Array<{ label: string; kind: string; detail: { code: string; params: Record<string, string> } }>;
  schemaInfoKeys: (schema: unknown) => Map<string, string>;
}

const load = async () => (await import(pathToFileURL(path.join(ROOT, 'src/server/console/static/editor-complete.js')).href)) as Complete;
const schema = curationJsonSchema();
const diet = readFileSync(path.join(ROOT, 'curations/diet-main.yaml'), 'utf8');
const after = (text: string, needle: string) => {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return i + needle.length;
};
const labels = (f: Found | null) => f?.options.map((o) => o.label) ?? [];

test('the YAML path under the cursor, in block style, lists included', async () => {
  const { yamlPathAt } = await load();
  assert.deepEqual(yamlPathAt(diet, after(diet, '  supportBots')), ['trigger']);
  assert.deepEqual(yamlPathAt(diet, after(diet, '  - delay: 1s\n    text:\n      ko')), ['messages', '[]', 'text']);
  assert.deepEqual(yamlPathAt(diet, after(diet, '      - bullets:\n          - { ko')), ['messages', '[]', 'blocks', '[]', 'bullets', '[]']);
  assert.deepEqual(yamlPathAt(diet, after(diet, '    lookup: { none')), ['tables', 'activityFactor']);
  // A list written flush with its key.
  assert.deepEqual(yamlPathAt('messages:\n- text: a\n  del', 'messages:\n- text: a\n  del'.length), ['messages', '[]']);
  assert.deepEqual(yamlPathAt('id: x\n', 6), []);
});

test('keys from the schema where a key goes; enum values after a key; nothing in plain words', async () => {
  const { completionsAt } = await load();
  const at = (text: string, names: Array<{ label: string; kind?: string; detail: string }> = []) => completionsAt(text, text.length, schema, names);
  assert.deepEqual(labels(at('')).slice(0, 3), ['id', 'title', 'description']);
  const message = at('id: x\nmessages:\n  - delay: 1s\n    te');
  assert.ok(labels(message).includes('text') && labels(message).includes('blocks') && !labels(message).includes('id'), labels(message).join());
  assert.equal(message?.from, 'id: x\nmessages:\n  - delay: 1s\n    '.length, 'the typed part is replaced');
  assert.ok(labels(at('fields:\n  weight:\n    ')).includes('otherwise'));
  const trigger = at('trigger:\n  on: ch');
  assert.ok(labels(trigger).includes('chatOpened'), labels(trigger).join());
  assert.deepEqual(labels(at('fields:\n  weight:\n    type: nu')), ['number', 'text', 'option', 'list', 'boolean']);
  assert.equal(at('messages:\n  - text: hello we', [{ label: 'weight', kind: 'field', detail: 'field' }]), null, 'a plain message word gets no names');
});

test("the draft's names: fields and computed values in expressions and templates; profile keys where one is written", async () => {
  const { completionsAt, declaredNames } = await load();
  const names = declaredNames({
    fields: [
      { name: 'weight', key: 'weight', type: 'number' },
      { name: 'goal', key: 'surveyGoal', type: 'option' },
    ],
    valueNames: ['bmr'],
  });
  assert.deepEqual(
    names.map((n) => `${n.kind}:${n.label}`),
    ['field:weight', 'field:goal', 'profileKey:weight', 'profileKey:surveyGoal', 'value:bmr'],
  );
  // Each detail is a catalogue key the editor words; in English:
  const en = loadCatalogue('en');
  assert.deepEqual(
    names.map((n) => render(en, n.detail.code, n.detail.params)),
    ['field (number)', 'field, profile key surveyGoal', 'profile key of weight', 'profile key of goal', 'computed value'],
  );
  const at = (text: string) => completionsAt(text, text.length, schema, names);
  // Expressions and templates name fields and values, never a profile key.
  assert.deepEqual(labels(at('compute:\n  a: wei')), ['weight', 'goal', 'bmr']);
  assert.equal(at('compute:\n  a: wei')?.from, 'compute:\n  a: '.length);
  assert.deepEqual(labels(at('messages:\n- text: "Hi {{ bm')), ['weight', 'goal', 'bmr']);
  assert.deepEqual(labels(at('messages:\n  - when: go')), ['weight', 'goal', 'bmr']);
  // writeBack: a computed value → a profile key; a field's own key is a profile key.
  assert.deepEqual(labels(at('writeBack:\n  b')), ['bmr']);
  assert.deepEqual(labels(at('writeBack:\n  bmr: sur')), ['weight', 'surveyGoal']);
  assert.deepEqual(labels(at('fields:\n  goal:\n    key: sur')), ['weight', 'surveyGoal']);
  assert.deepEqual(declaredNames(null), []);
});

test("a key's description is a catalogue key: its English is the schema's own words, and Korean has it too", async () => {
  const { completionsAt, schemaInfoKeys } = await load();
  const keys = schemaInfoKeys(schema);
  // Every description curation.schema.json gives a key (the four message lists, durations and Liquid templates share one); a list item's or a map value's own description is no key's.
  const described = new Set<string>();
  const at = (ref: string) => ref.replace(/^#\//, '').split('/').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], schema) as { description?: string };
  const walk = (n: unknown): void => {
    if (typeof n !== 'object' || n === null) return;
    const { properties } = n as { properties?: Record<string, { description?: string; $ref?: string }> };
    for (const v of Object.values(properties ?? {})) {
      const d = v.$ref ? at(v.$ref).description : v.description;
      if (d) described.add(d);
    }
    for (const v of Object.values(n)) walk(v);
  };
  walk(schema);
  assert.ok(described.has('A duration: 800ms, 2s, 1.5s, 10m, 24h, 1h30m, 7d.') && described.size > 60, `${described.size} descriptions`);
  assert.deepEqual([...keys.keys()].sort(), [...described].sort(), 'every description of a key has a catalogue key');
  const [en, ko] = [loadCatalogue('en'), loadCatalogue('ko')];
  for (const [description, key] of keys) {
    assert.match(key, /^schema\.[\w$*.[\]]+$/, key);
    assert.equal(render(en, key), description, `${key}: the English is the schema's description`);
    assert.match(render(ko, key), /[\uac00-\ud7a3]/, `${key}: Korean words`);
  }
  assert.equal(keys.get('Minimum time between two runs for one customer.'), 'schema.limits.cooldown');
  assert.equal(keys.get('Profile key in Channel Talk, when it differs from the field name.'), 'schema.fields.*.key');
  assert.equal(keys.get('An expression: the message is sent only when it is true.'), 'schema.messages[].when');
  // The completion gives the key, which the editor words in the operator's language; the same words at another path, the same key.
  const info = (text: string, label: string) => completionsAt(text, text.length, schema, [])?.options.find((o) => o.label === label)?.info;
  assert.deepEqual(info('timez', 'timezone'), { code: 'schema.timezone', params: {} });
  assert.deepEqual(info('fallback:\n  messages:\n    - whe', 'when'), { code: 'schema.messages[].when', params: {} });
  assert.deepEqual(info('fields:\n  weight:\n    ke', 'key'), { code: 'schema.fields.*.key', params: {} });
  assert.equal(info('trig', 'trigger'), undefined, 'a key the schema does not describe has no info');
});
