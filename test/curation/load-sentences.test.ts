// The loader's sentences carry a catalogue key and values (`check.*`) next to
// their English, for the editor and a Korean `curation check`. For every
// mistake here, the key's English renders exactly the sentence the loader
// wrote (so the two cannot drift), the Korean fills every placeholder, and
// the values are names from the file, never an answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadSource } from '../../src/curation/load.js';
import { formatLoadError, type CurationLoadError } from '../../src/curation/load-errors.js';
import { warningsOf } from '../../src/curation/warnings.js';
import { loadCatalogue, render } from '../../src/server/console/messages.js';
import { minimalCuration } from './helpers.js';

const en = loadCatalogue('en');
const ko = loadCatalogue('ko');
const FILE = path.join('/tmp', 'sentences.yaml');

const messages = '\nmessages:\n  - text: 안녕하세요\n';

/** Each mistake, and the key its first problem has. */
const MISTAKES: Array<[string, string, string]> = [
  ['a YAML syntax error', 'id: x\ntrigger: [open\n', 'check.yamlSyntax'],
  ['two documents', `${minimalCuration(messages)}---\nid: y\n`, 'check.oneDocument'],
  ['a key twice', minimalCuration(`title: a\ntitle: b${messages}`), 'check.keyTwiceAt'],
  ['an alias without anchor', minimalCuration(`title: *nothing${messages}`), 'check.aliasNoAnchor'],
  ['not a mapping', '- a\n- b\n', 'check.notAMapping'],
  ['an unknown key', minimalCuration(`titel: a${messages}`), 'check.unknownKey'],
  ['a missing key', minimalCuration(''), 'check.required'],
  ['a wrong type', minimalCuration(`enabled: yes please${messages}`), 'check.wrongType'],
  ['an option not in the list', minimalCuration(`fields:\n  goal: { type: colour }${messages}`), 'check.notAnOption'],
  ['an empty list', minimalCuration('messages: []\n'), 'check.tooFewItems'],
  ['a bad id', `id: Diet Main\ndefaultLanguage: ko\ntrigger: { on: chatOpened }${messages}`, 'check.idRule'],
  ['three buttons', minimalCuration(`messages:\n  - text: a\n    buttons: [{ title: a, url: 'https://a.example' }, { title: b, url: 'https://b.example' }, { title: c, url: 'https://c.example' }]\n`), 'check.tooManyButtons'],
  ['a misspelt name', minimalCuration(`fields:\n  weight: { type: number }\ncompute:\n  protein: wieght * 1.2${messages}`), 'check.unknownNameSuggest'],
  ['an unknown name', minimalCuration(`compute:\n  protein: zzz * 1.2${messages}`), 'check.unknownName'],
  ['an unknown function', minimalCuration(`compute:\n  a: roound(1.5)${messages}`), 'check.unknownFunctionSuggest'],
  ['a value computed later', minimalCuration(`compute:\n  a: b + 1\n  b: 2${messages}`), 'check.computedLaterAt'],
  ['a value that uses itself', minimalCuration(`compute:\n  a: a + 1${messages}`), 'check.refersToItself'],
  ['a wrong argument count', minimalCuration(`compute:\n  a: round()${messages}`), 'check.argumentCount'],
  ['an expression syntax error', minimalCuration(`compute:\n  a: (1 + 2${messages}`), 'check.expressionSyntax'],
  ['an empty value', minimalCuration(`compute:\n  a: ''${messages}`), 'check.emptyValue'],
  ['a name used twice', minimalCuration(`settings:\n  a: 1\ncompute:\n  a: 2${messages}`), 'check.nameTakenAt'],
  ['a reserved name', minimalCuration(`compute:\n  round: 2${messages}`), 'check.reservedName'],
  ['a label twice', minimalCuration(`fields:\n  goal:\n    type: option\n    options: { lose: 감량?, gain: 감량 }${messages}`), 'check.labelClash'],
  ['an unknown name in a template', minimalCuration('messages:\n  - text: "{{ wieght }}kg"\n'), 'check.unknownName'],
  ['a template left open', minimalCuration('messages:\n  - text: "{% if lang %}a"\n'), 'check.templateSyntax'],
  ['an unknown filter', minimalCuration('messages:\n  - text: "{{ lang | shout }}"\n'), 'check.unknownFilter'],
  ['a missing language', minimalCuration('languages: [ko, en]\nmessages:\n  - text: { ko: 안녕 }\n'), 'check.missingLanguage'],
  ['a default language not listed', minimalCuration(`languages: [en]${messages}`), 'check.defaultLanguage'],
  ['write-back of an unknown value', minimalCuration(`writeBack:\n  bmr: dietBmr${messages}`), 'check.writeBackUnknown'],
  ['min above max', minimalCuration(`fields:\n  w: { type: number, min: 5, max: 1 }${messages}`), 'check.minAboveMax'],
  ['a fallback with a computed value', minimalCuration(`compute:\n  a: 1${messages}fallback:\n  messages:\n    - text: "{{ a }}"\n`), 'check.fallbackUsesValue'],
  ['a delay that is no duration', minimalCuration('messages:\n  - text: a\n    delay: soonish\n'), 'check.durationShape'],
  ['a typing delay whose min is above its max', minimalCuration('messages:\n  - text: a\n    delay: { typing: { perChar: 40ms, min: 4s, max: 1s } }\n'), 'check.typingMinMax'],
  ['a name with a dash', minimalCuration(`compute:\n  my-value: 1${messages}`), 'check.nameShape'],
  ['a language that is no code', minimalCuration(`languages: [korean]${messages}`), 'check.langCode'],
  ['a message with nothing in it', minimalCuration('messages:\n  - delay: 1s\n'), 'check.emptyMessage'],
  ['an option twice', minimalCuration('messages:\n  - text: a\n    options: [silent, silent]\n'), 'check.optionTwice'],
  ['bands the wrong way round', minimalCuration(`tables:\n  t: { bands: [{ from: 5, below: 1, value: a }] }${messages}`), 'check.bandOrder'],
  ['bands that overlap', minimalCuration(`tables:\n  t: { bands: [{ from: 1, below: 5, value: a }, { from: 3, below: 9, value: b }] }${messages}`), 'check.bandOverlap'],
  ['a table of values and rows', minimalCuration(`tables:\n  t: { lookup: { a: 1, b: { x: 2 } } }${messages}`), 'check.tableMixed'],
  ['a setting that is no URL', minimalCuration(`settings:\n  shop: 'https://'${messages}`), 'check.notAUrl'],
  ['two fields on one profile key', minimalCuration(`fields:\n  a: { type: number, key: w }\n  b: { type: number, key: w }${messages}`), 'check.profileKeyTwice'],
  ['consent on a number', minimalCuration(`fields:\n  a: { type: number, consent: true }${messages}`), 'check.consentNotBoolean'],
  ['an expression too long', minimalCuration(`compute:\n  a: ${Array.from({ length: 400 }, () => '1').join(' + ')}${messages}`), 'check.expressionTooLong'],
];

function checkSentence(e: CurationLoadError, where: string): void {
  assert.ok(e.code !== undefined && e.params !== undefined, `${where}: ${formatLoadError(e)} has no key`);
  assert.equal(render(en, e.code, e.params), e.message, `${where}: ${e.code} in English is the loader's sentence`);
  const korean = render(ko, e.code, e.params);
  assert.doesNotMatch(korean, /\{\w+\}/, `${where}: ${e.code} in Korean fills every placeholder`);
  assert.match(korean, /[가-힣]/, `${where}: ${e.code} reads Korean`);
}

for (const [what, source, code] of MISTAKES) {
  test(`${what}: ${code}, its English the loader's sentence, its Korean complete`, async () => {
    const r = await loadSource(FILE, source);
    assert.equal(r.ok, false, `${what} loads`);
    if (r.ok) return;
    assert.equal(r.errors[0]?.code, code, r.errors.map((e) => formatLoadError(e)).join('\n'));
    for (const e of r.errors.filter((x) => x.code !== undefined)) checkSentence(e, what);
  });
}

test('the check warnings (a list without otherwise, a pattern without sample) have keys too', async () => {
  const r = await loadSource(FILE, minimalCuration(`fields:\n  extras: { type: list, options: { egg: 달걀 } }\n  code: { type: text, pattern: '^[0-9]+$' }${messages}`));
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => formatLoadError(e)).join('\n'));
  if (!r.ok) return;
  const warnings = warningsOf(r.curation);
  assert.deepEqual(warnings.map((w) => w.code).sort(), ['check.listWithoutOtherwise', 'check.patternWithoutSample']);
  for (const w of warnings) checkSentence(w, 'warning');
});

test('a file over the size cap', async () => {
  const big = await loadSource(FILE, `${minimalCuration(messages)}# ${'x'.repeat(300 * 1024)}\n`);
  assert.equal(big.ok ? null : big.errors[0]?.code, 'check.fileTooLarge');
  if (!big.ok) checkSentence(big.errors[0]!, 'too large');
});
