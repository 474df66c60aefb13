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
import { minimalCuration, tempDir } from './helpers.js';

const en = loadCatalogue('en');
const ko = loadCatalogue('ko');
const FILE = path.join('/tmp', 'sentences.yaml');

const messages = '\nmessages:\n  - text: 안녕하세요\n';

/** A curation whose value `a` is `expression`, over a text field, an option field and two tables. */
const withValue = (expression: string) =>
  minimalCuration(
    `fields:\n  menu: { type: text }\n  goal: { type: option, options: { lose: 감량, keep: 유지 } }\ntables:\n  factors: { lookup: { lose: 1 } }\n  sizes: { bands: [{ below: 10, value: S }, { from: 10, value: L }] }\ncompute:\n  a: ${JSON.stringify(expression)}${messages}`,
  );

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
  ['a wrong argument count', minimalCuration(`compute:\n  a: trunc()${messages}`), 'check.argumentCount'],
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
  // Fields: a key of another type, a pattern RE2 refuses, a sample the field refuses.
  ['min on a text field', minimalCuration(`fields:\n  name: { type: text, min: 1 }${messages}`), 'check.minMaxOnlyNumber'],
  ['options on a number field', minimalCuration(`fields:\n  w: { type: number, options: { a: A } }${messages}`), 'check.optionsOnlyChoice'],
  ['maxLength on a number field', minimalCuration(`fields:\n  w: { type: number, maxLength: 5 }${messages}`), 'check.maxLengthOnlyText'],
  ['a pattern on a number field', minimalCuration(`fields:\n  w: { type: number, pattern: '^[0-9]+$' }${messages}`), 'check.patternOnlyText'],
  ['a pattern that is no regular expression', minimalCuration(`fields:\n  code: { type: text, pattern: '([0-9]+' }${messages}`), 'check.patternInvalid'],
  ['a sample the field refuses', minimalCuration(`fields:\n  w: { type: number, min: 20, max: 300, sample: 5 }${messages}`), 'check.sampleInvalid'],
  ['a sample of the wrong shape', minimalCuration(`fields:\n  w: { type: number, sample: { a: 1 } }${messages}`), 'check.sampleShape'],
  ['a list field with no options', minimalCuration(`fields:\n  extras: { type: list, options: {} }${messages}`), 'check.needsOptions'],
  ['a label of the wrong shape', minimalCuration(`fields:\n  w: { type: number, label: [무게] }${messages}`), 'check.consoleTextShape'],
  // Forms.
  ['a form input for a misspelt field', minimalCuration(`fields:\n  weight: { type: number }\nmessages:\n  - text: a\n    form: { inputs: [{ field: wieght, label: 체중 }] }\n`), 'check.formUnknownFieldSuggest'],
  ['a form input for an unknown field', minimalCuration(`fields:\n  weight: { type: number }\nmessages:\n  - text: a\n    form: { inputs: [{ field: zzz, label: 체중 }] }\n`), 'check.formUnknownField'],
  ['a form in a curation without fields', minimalCuration('messages:\n  - text: a\n    form: { inputs: [{ field: weight, label: 체중 }] }\n'), 'check.formUnknownFieldNone'],
  ['a form asking twice', minimalCuration(`fields:\n  weight: { type: number }\nmessages:\n  - text: a\n    form: { inputs: [{ field: weight, label: 체중 }, { field: weight, label: 몸무게 }] }\n`), 'check.formFieldTwice'],
  ['a number asked as text', minimalCuration(`fields:\n  weight: { type: number }\nmessages:\n  - text: a\n    form: { inputs: [{ field: weight, label: 체중, type: text }] }\n`), 'check.formInputType'],
  ['a text asked as a checkbox', minimalCuration(`fields:\n  name: { type: text }\nmessages:\n  - text: a\n    form: { inputs: [{ field: name, label: 이름, type: checkbox }] }\n`), 'check.formInputTypes'],
  ['an option asked as text', minimalCuration(`fields:\n  goal: { type: option, options: { lose: 감량 } }\nmessages:\n  - text: a\n    form: { inputs: [{ field: goal, label: 목표, type: text }] }\n`), 'check.formInputTypesAn'],
  ['a form without inputs', minimalCuration('messages:\n  - text: a\n    form: { inputs: [] }\n'), 'check.formNoInputs'],
  [
    'a form of five inputs',
    minimalCuration(`fields:\n  a: { type: number }\nmessages:\n  - text: a\n    form: { inputs: [${Array.from({ length: 5 }, (_, i) => `{ field: a, label: l${i} }`).join(', ')}] }\n`),
    'check.formTooManyInputs',
  ],
  // Buttons.
  ['a url on a command button', minimalCuration("messages:\n  - text: a\n    buttons: [{ title: 열기, action: command, appId: app1, name: open, url: 'https://a.example' }]\n"), 'check.buttonUrlOnlyWeb'],
  ['wamArgs on a command button', minimalCuration('messages:\n  - text: a\n    buttons: [{ title: 열기, action: command, appId: app1, name: open, wamArgs: { a: { b: 1 } } }]\n'), 'check.buttonKeyOnlyFor'],
  ['an appId on a web button', minimalCuration("messages:\n  - text: a\n    buttons: [{ title: 열기, url: 'https://a.example', appId: app1 }]\n"), 'check.buttonKeyOnlyForTwo'],
  ['a web button without url', minimalCuration('messages:\n  - text: a\n    buttons: [{ title: 열기 }]\n'), 'check.buttonNeeds'],
  ['a wam button without appId and name', minimalCuration('messages:\n  - text: a\n    buttons: [{ title: 열기, action: wam }]\n'), 'check.buttonNeedsTwo'],
  // Ask.
  ['an ask without a form', minimalCuration(`fields:\n  weight: { type: number }${messages}fallback:\n  messages:\n    - text: b\n  ask:\n    messages:\n      - text: 체중을 알려 주세요.\n`), 'check.askNeedsForm'],
  [
    'an ask for the consent flag',
    minimalCuration(`fields:\n  agree: { type: boolean, consent: true }${messages}fallback:\n  messages:\n    - text: b\n  ask:\n    messages:\n      - text: c\n        form: { inputs: [{ field: agree, label: 동의 }] }\n`),
    'check.askConsent',
  ],
  [
    'an ask for an optional field',
    minimalCuration(`fields:\n  name: { type: text, required: false }${messages}fallback:\n  messages:\n    - text: b\n  ask:\n    messages:\n      - text: c\n        form: { inputs: [{ field: name, label: 이름 }] }\n`),
    'check.askOptional',
  ],
  [
    'an ask asking twice',
    minimalCuration(
      `fields:\n  weight: { type: number }${messages}fallback:\n  messages:\n    - text: b\n  ask:\n    messages:\n      - text: c\n        form: { inputs: [{ field: weight, label: 체중 }] }\n      - text: d\n        form: { inputs: [{ field: weight, label: 몸무게 }] }\n`,
    ),
    'check.askTwice',
  ],
  [
    'an ask that waits a second',
    minimalCuration(`fields:\n  weight: { type: number }${messages}fallback:\n  messages:\n    - text: b\n  ask:\n    wait: 1s\n    messages:\n      - text: c\n        form: { inputs: [{ field: weight, label: 체중 }] }\n`),
    'check.askWait',
  ],
  // Functions: the ones that need no module on disk (the others are below).
  ['functions not given as a relative path', minimalCuration(`functions: shipping.js${messages}`), 'check.functionsRelative'],
  ['functions of another kind of file', minimalCuration(`functions: ./shipping.py${messages}`), 'check.functionsExtension'],
  ['functions that are not there', minimalCuration(`functions: ./nowhere.js${messages}`), 'check.functionsMissing'],
  // Triggers.
  ['an empty chat tag', minimalCuration(`trigger: { on: chatOpened, chatTags: ['  '] }${messages}`), 'check.tagEmpty'],
  ['a workflow id with spaces', minimalCuration(`trigger: { on: chatOpened, workflows: ['work flow'] }${messages}`), 'check.notAnId'],
  ['a keyword of punctuation only', minimalCuration(`trigger: { on: userMessage, keywords: ['?!'] }${messages}`), 'check.keywordEmpty'],
  ['a userMessage trigger without keywords', minimalCuration(`trigger: { on: userMessage }${messages}`), 'check.userMessageNeedsKeywords'],
  ['a chatTagged trigger without tags', minimalCuration(`trigger: { on: chatTagged }${messages}`), 'check.chatTaggedNeedsTags'],
  ['tags on a userMessage trigger', minimalCuration(`trigger: { on: userMessage, keywords: [상담], tags: [vip] }${messages}`), 'check.triggerKeyOtherKind'],
  ['keywords on a chatOpened trigger', minimalCuration(`trigger: { on: chatOpened, keywords: [상담] }${messages}`), 'check.triggerKeysOtherKind'],
  ['a trigger of no kind', minimalCuration(`trigger: { on: chatStarted }${messages}`), 'check.notAnOption'],
  ['a tag too long', minimalCuration(`trigger: { on: chatTagged, tags: [${'x'.repeat(300)}] }${messages}`), 'check.tagTooLong'],
  ['a workflow of the wrong shape', minimalCuration(`trigger: { on: chatOpened, workflows: [[1]] }${messages}`), 'check.workflowShape'],
  ['a bot id of the wrong shape', minimalCuration(`trigger: { on: chatOpened, supportBots: [{ id: 1 }] }${messages}`), 'check.botIdShape'],
  // The schema's other sentences.
  ['options given as an empty list', minimalCuration('messages:\n  - text: a\n    options: []\n'), 'check.optionsEmpty'],
  ['a band value of the wrong shape', minimalCuration(`tables:\n  t: { bands: [{ from: 1, value: [a] }] }${messages}`), 'check.textOrNumber'],
  ['a lookup entry of the wrong shape', minimalCuration(`tables:\n  t: { lookup: { a: [1, 2] } }${messages}`), 'check.tableEntryShape'],
  ['a cooldown that is no duration', minimalCuration(`limits: { cooldown: 5 }${messages}`), 'check.cooldownShape'],
  ['a value of the wrong shape', minimalCuration(`compute:\n  a: [1, 2]${messages}`), 'check.computeLabelShape'],
  ['a bullet of the wrong shape', minimalCuration('messages:\n  - blocks: [{ bullets: [[a]] }]\n'), 'check.bulletShape'],
  ['a block of no kind', minimalCuration('messages:\n  - blocks: [{ quote: a }]\n'), 'check.blockShape'],
  ['bullets nested too deep', minimalCuration('messages:\n  - blocks: [{ bullets: [{ bullets: [{ bullets: [{ bullets: [a] }] }] }] }]\n'), 'check.bulletsTooDeep'],
  ['an empty list of files', minimalCuration('messages:\n  - text: a\n    files: []\n'), 'check.filesEmpty'],
  ['eleven files', minimalCuration(`messages:\n  - text: a\n    files: [${Array.from({ length: 11 }, (_, i) => `'https://a.example/${i}.pdf'`).join(', ')}]\n`), 'check.tooManyFiles'],
  ['a web page image that is no URL', minimalCuration("messages:\n  - webPage: { id: page-1, url: 'https://a.example', title: a, imageUrl: 'ftp://a.example/i.png' }\n"), 'check.notAUrl'],
  // The time zone, and loops whose length an answer would decide.
  ['a time zone no machine knows', minimalCuration(`timezone: Asia/Busan${messages}`), 'check.unknownZone'],
  ['a loop too long', minimalCuration('messages:\n  - text: "{% for i in (1..5000) %}a{% endfor %}"\n'), 'check.loopTooLong'],
  ['loops too long together', minimalCuration('messages:\n  - text: "{% for i in (1..100) %}{% for j in (1..100) %}a{% endfor %}{% endfor %}"\n'), 'check.loopTooLongNested'],
  ['a loop as long as an answer', minimalCuration(`fields:\n  n: { type: number }${'\n'}messages:\n  - text: "{% for i in (1..n) %}a{% endfor %}"\n`), 'check.loopLengthFromName'],
  ['a loop over a number field', minimalCuration(`fields:\n  n: { type: number }${'\n'}messages:\n  - text: "{% for i in n %}a{% endfor %}"\n`), 'check.loopOverWhat'],
  // Expressions: what the language refuses, table calls, argument counts and capture().
  ['an assignment', withValue('b = 1'), 'check.refusedAssignment'],
  ['two expressions', withValue('1; 2'), 'check.refusedSeveral'],
  ['a property', withValue('menu.length'), 'check.refusedProperty'],
  ['an array', withValue('[1, 2]'), 'check.refusedList'],
  ['an object', withValue('{b: 1}'), 'check.refusedObject'],
  ['a range', withValue('1:3'), 'check.refusedRange'],
  ['a chained comparison', withValue('1 < 2 < 3'), 'check.refusedChain'],
  ['a unit', withValue('(1)(2)'), 'check.refusedImplicit'],
  ['a percentage', withValue('50%'), 'check.refusedPercent'],
  ['undefined', withValue('undefined'), 'check.refusedUndefined'],
  ['an operator of no kind', withValue('1 & 2'), 'check.refusedOperator'],
  ['lookup() without a table', withValue('lookup(1, goal)'), 'check.lookupTableFirst'],
  ['band() without a table', withValue('band(1, 2)'), 'check.bandTableFirst'],
  ['band() of a lookup table', withValue('band(factors, 1)'), 'check.isLookupTable'],
  ['band() of two numbers', withValue('band(sizes, 1, 2)'), 'check.bandArguments'],
  ['lookup() of a band table', withValue('lookup(sizes, 1)'), 'check.isBandTable'],
  ['lookup() of two keys in a table of one', withValue('lookup(factors, goal, goal)'), 'check.lookupOneKey'],
  ['a lookup missing an option', withValue('lookup(factors, goal)'), 'check.tableNoEntry'],
  ['round() of three arguments', withValue('round(1, 2, 3)'), 'check.argumentCountRange'],
  ['max() of nothing', withValue('max()'), 'check.argumentCountAtLeast'],
  ['capture() of four arguments', withValue("capture(menu, '([0-9])', 1, 2)"), 'check.argumentCountRange'],
  ['capture() of a pattern that is no text', withValue('capture(menu, menu)'), 'check.capturePatternText'],
  ['capture() of a pattern RE2 refuses', withValue("capture(menu, '([0-9]')"), 'check.capturePatternInvalid'],
  ['capture() of a group that is no whole number', withValue("capture(menu, '([0-9])', 1.5)"), 'check.captureGroupNumber'],
  ['capture() of a group the pattern lacks', withValue("capture(menu, '([0-9])', 2)"), 'check.captureNoGroup'],
  // Text markup Channel Talk refuses, and a tag that would write inside a URL.
  ['a bare >', minimalCuration('messages:\n  - text: 키 > 170\n'), 'check.markupGt'],
  ['a bare <', minimalCuration('messages:\n  - text: 키 < 170\n'), 'check.markupLt'],
  ['tags closed out of order', minimalCuration('messages:\n  - text: <b><i>a</b></i>\n'), 'check.markupClose'],
  ['a link in a link', minimalCuration(`messages:\n  - text: '<link type="url" value="https://a.example"><link type="url" value="https://b.example">a</link></link>'\n`), 'check.markupNestedLink'],
  ['a tag left open', minimalCuration('messages:\n  - text: <b>a\n'), 'check.markupUnclosed'],
  ['a tag inside a URL', minimalCuration(`fields:\n  name: { type: text }\nmessages:\n  - text: a\n    buttons: [{ title: 열기, url: 'https://a.example/?n={% echo name %}' }]\n`), 'check.urlTagRefused'],
  // Golden tests (tests:).
  ['tests with no case', minimalCuration(`${messages.slice(1)}tests: []\n`), 'check.goldenNoCases'],
  ['a case without a name', minimalCuration(`${messages.slice(1)}tests:\n  - { name: ' ', expect: { outcome: sequence } }\n`), 'check.goldenNoName'],
  ['a case name too long', minimalCuration(`${messages.slice(1)}tests:\n  - { name: ${'x'.repeat(201)}, expect: { outcome: sequence } }\n`), 'check.goldenNameTooLong'],
  ['a case whose now is a number', minimalCuration(`${messages.slice(1)}tests:\n  - { name: a, now: 20260302, expect: { outcome: sequence } }\n`), 'check.goldenNowQuoted'],
  ['a case whose now has no offset', minimalCuration(`${messages.slice(1)}tests:\n  - { name: a, now: '2026-03-02 09:30', expect: { outcome: sequence } }\n`), 'check.goldenNowShape'],
  ['a case on the 31st of February', minimalCuration(`${messages.slice(1)}tests:\n  - { name: a, now: '2026-02-31T09:30:00+09:00', expect: { outcome: sequence } }\n`), 'check.goldenNotAMoment'],
  ['a case with an outcome of no kind', minimalCuration(`${messages.slice(1)}tests:\n  - { name: a, expect: { outcome: sent } }\n`), 'check.notAnOption'],
  ['a case with a profile answer of the wrong shape', minimalCuration(`fields:\n  w: { type: number }${messages}tests:\n  - { name: a, profile: { w: { kg: 70 } }, expect: { outcome: sequence } }\n`), 'check.goldenProfileShape'],
  ['a case expecting a value of the wrong shape', minimalCuration(`compute:\n  a: 1${messages}tests:\n  - { name: a, expect: { values: { a: { x: 1 } } } }\n`), 'check.goldenValueShape'],
  ['two cases of one name', minimalCuration(`${messages.slice(1)}tests:\n  - { name: a, expect: { outcome: sequence } }\n  - { name: a, expect: { outcome: sequence } }\n`), 'check.goldenNameTwice'],
  ['a case in a language the curation lacks', minimalCuration(`${messages.slice(1)}tests:\n  - { name: a, lang: en, expect: { outcome: sequence } }\n`), 'check.notALanguage'],
  ['a case expecting nothing', minimalCuration(`${messages.slice(1)}tests:\n  - { name: a, expect: {} }\n`), 'check.goldenExpectsNothing'],
  ['a case expecting an unknown value', minimalCuration(`compute:\n  protein: 1${messages}tests:\n  - { name: a, expect: { values: { zzz: 1 } } }\n`), 'check.goldenUnknownValue'],
  ['a case expecting a misspelt value', minimalCuration(`compute:\n  protein: 1${messages}tests:\n  - { name: a, expect: { values: { protien: 1 } } }\n`), 'check.goldenUnknownValueSuggest'],
  ['a case answering under the field name', minimalCuration(`fields:\n  weight: { type: number, key: dietWeight }${messages}tests:\n  - { name: a, profile: { weight: 70 }, expect: { outcome: sequence } }\n`), 'check.goldenFieldKey'],
  ['a case answering an unknown key', minimalCuration(`fields:\n  weight: { type: number }${messages}tests:\n  - { name: a, profile: { zzz: 70 }, expect: { outcome: sequence } }\n`), 'check.goldenNotAKey'],
  ['a case expecting a problem of a misspelt key', minimalCuration(`fields:\n  weight: { type: number }${messages}tests:\n  - { name: a, expect: { problems: { wieght: missing } } }\n`), 'check.goldenNotAKeySuggest'],
  // userEvent.
  ['an event without a name', minimalCuration(`${messages.slice(1)}userEvent: { name: '' }\n`), 'check.eventNameEmpty'],
  ['an event name with spaces', minimalCuration(`${messages.slice(1)}userEvent: { name: ' done ' }\n`), 'check.eventNameSpaces'],
  ['an event name too long', minimalCuration(`${messages.slice(1)}userEvent: { name: ${'x'.repeat(300)} }\n`), 'check.eventNameTooLong'],
  ['an event name with a control character', minimalCuration(`${messages.slice(1)}userEvent: { name: "a\\tb" }\n`), 'check.eventNameControl'],
  ['an event name as a template', minimalCuration(`${messages.slice(1)}userEvent: { name: 'done{{ lang }}' }\n`), 'check.eventNameTemplate'],
  [
    'an event of too many properties',
    minimalCuration(`${messages.slice(1)}userEvent: { name: done, property: { ${Array.from({ length: 60 }, (_, i) => `p${i}: 1`).join(', ')} } }\n`),
    'check.eventTooManyProperties',
  ],
  ['a property name with spaces', minimalCuration(`${messages.slice(1)}userEvent: { name: done, property: { ' p ': 1 } }\n`), 'check.eventPropertySpaces'],
  ['a property name too long', minimalCuration(`${messages.slice(1)}userEvent: { name: done, property: { ${'p'.repeat(300)}: 1 } }\n`), 'check.eventPropertyTooLong'],
  ['a property as a template', minimalCuration(`${messages.slice(1)}userEvent: { name: done, property: { p: 'a {{ lang }} b' } }\n`), 'check.eventPropertyTemplate'],
  ['a property text too long', minimalCuration(`${messages.slice(1)}userEvent: { name: done, property: { p: ${'가'.repeat(3000)} } }\n`), 'check.eventPropertyTooBig'],
  ['a property of a survey answer', minimalCuration(`fields:\n  weight: { type: number }${messages}userEvent: { name: done, property: { w: '{{ weight }}' } }\n`), 'check.eventPropertyAnswer'],
  ['a property of an unknown value', minimalCuration(`${messages.slice(1)}userEvent: { name: done, property: { w: '{{ zzz }}' } }\n`), 'check.eventUnknownValue'],
  ['a property of a misspelt value', minimalCuration(`compute:\n  protein: 1${messages}userEvent: { name: done, property: { p: '{{ protien }}' } }\n`), 'check.eventUnknownValueSuggest'],
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

test('a curation of more golden test cases than the cap', async () => {
  const cases = Array.from({ length: 101 }, (_, i) => `  - { name: c${i}, expect: { outcome: sequence } }\n`).join('');
  const r = await loadSource(FILE, minimalCuration(`${messages.slice(1)}tests:\n${cases}`));
  assert.equal(r.ok ? null : r.errors[0]?.code, 'check.goldenTooManyCases');
  if (!r.ok) checkSentence(r.errors[0]!, 'too many cases');
});

/** A function module's mistakes, each a module beside the curation file. */
const MODULES: Array<[string, Record<string, string>, string, string]> = [
  ['a module that throws on import', { 'f.js': "throw new Error('boom');\n" }, './f.js', 'check.functionsLoadFailed'],
  ['a module that exports no object', { 'f.js': 'export default 42;\n' }, './f.js', 'check.functionsNoObject'],
  ['a module exporting a name no expression can call', { 'f.js': "export default { 'ship-date': () => 1 };\n" }, './f.js', 'check.functionsBadName'],
  ['a module exporting a value', { 'f.js': 'export default { vat: 0.1 };\n' }, './f.js', 'check.functionsNotFunction'],
  ['a .ts module never compiled, with no tsconfig above it', { 'f.ts': 'export default {};\n' }, './f.ts', 'check.functionsNotCompiled'],
  ['a .ts module never compiled under a tsconfig', { 'tsconfig.json': '{ "compilerOptions": { "outDir": "out" } }\n', 'f.ts': 'export default {};\n' }, './f.ts', 'check.functionsNotCompiledAt'],
];

for (const [what, files, spec, code] of MODULES) {
  test(`${what}: ${code}`, async () => {
    const dir = await tempDir(files);
    const r = await loadSource(path.join(dir, 'c.yaml'), minimalCuration(`functions: ${spec}${messages}`));
    assert.equal(r.ok, false, `${what} loads`);
    if (r.ok) return;
    assert.equal(r.errors[0]?.code, code, r.errors.map((e) => formatLoadError(e)).join('\n'));
    checkSentence(r.errors[0], what);
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
