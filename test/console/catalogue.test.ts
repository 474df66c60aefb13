// The console's message catalogues (src/server/console/static/messages-*.json):
// every key in both languages with the same placeholders, every key the
// sources name present, and no key that nothing uses. Keys built at run time
// (state.*, role.*, …) are checked against the lists they come from instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NAME_RULE, ROLES } from '../../src/accounts/roles.js';
import { SWEEP_REASONS } from '../../src/delivery/job-kinds.js';
import { MESSAGE_STATES, RUN_STATES } from '../../src/delivery/run-lifecycle.js';
import type { EventStatus } from '../../src/delivery/store/schema.js';
import type { PlanOutcome } from '../../src/curation/plan-types.js';
import { TRIGGER_KINDS } from '../../src/curation/triggers/registry.js';
import { KEYWORD_MATCHES } from '../../src/curation/triggers/user-message.js';
import { UNAVAILABLE_REASONS } from '../../src/channeltalk/error-words.js';
import type { Event } from '../../src/channeltalk/event.js';
import { PROBLEM_KINDS } from '../../src/curation/golden-schema.js';
import { REASON_CODES } from '../../src/curation/reason-words.js';
import { LANGUAGES, consoleError, loadCatalogue } from '../../src/server/console/messages.js';
import { staticDir } from '../../src/server/console/static.js';
import { AUDIT_ACTIONS } from '../../src/delivery/store/audit-log.js';
import { ATTEMPT_ERROR_KINDS } from '../../src/jobs/handlers/send-message.js';
import { curationJsonSchema } from '../../src/curation/index.js';

const STATIC = staticDir();
// src/, from src/server/console/static.
const SRC = path.resolve(STATIC, '../../..');
const catalogues = { ko: loadCatalogue('ko'), en: loadCatalogue('en') } satisfies Record<(typeof LANGUAGES)[number], unknown>;
const PLURAL = /\.(zero|one|two|few|many|other)$/;
const family = (key: string) => key.replace(PLURAL, '');

/** Keys made from a prefix and a value at run time, with every value they can take (other words may show as they are). */
// EventStatus is a type only: listed here, and `satisfies` keeps the list to real statuses.
const EVENT_STATUSES = ['queued', 'acted', 'ignored', 'no_match', 'failed'] as const satisfies readonly EventStatus[];
const PLAN_OUTCOMES = ['sequence', 'fallback', 'ask', 'skipped'] as const satisfies readonly PlanOutcome[];
// Event['kind'] is a type only, as EventStatus.
const EVENT_KINDS = ['chatOpened', 'userMessage', 'managerMessage', 'botMessage', 'chatClosed', 'chatAssigned', 'profileChanged', 'chatTagged', 'ignored'] as const satisfies readonly Event['kind'][];
const DYNAMIC: Record<string, readonly string[]> = {
  // badge(): run, message and delivery states, a plan's outcome, and a curation's or version's.
  'state.': [...new Set([...RUN_STATES, ...MESSAGE_STATES, ...EVENT_STATUSES, ...PLAN_OUTCOMES, 'enabled', 'disabled', 'live'])],
  'role.': ROLES,
  'language.': LANGUAGES,
  'sweep.reason.': SWEEP_REASONS,
  'audit.action.': AUDIT_ACTIONS,
  'attempt.kind.': ATTEMPT_ERROR_KINDS,
  // Who, when not an account: the command line (cli/user.ts) and the break-glass token (sessions.ts).
  'audit.actor.': ['cli', 'break-glass'],
  'trigger.on.': Object.keys(TRIGGER_KINDS),
  'trigger.keywords.': KEYWORD_MATCHES,
  'health.why.': Object.keys(UNAVAILABLE_REASONS),
  // Reasons and field problems the server stores as words (curation/reason-words.ts), and the event kinds a run's page names.
  'reason.': REASON_CODES,
  'problem.': PROBLEM_KINDS,
  'eventKind.': EVENT_KINDS,
};
// The editor's completion words a key's description by `schema.<path>` (static/editor-complete.js, imported as the browser gets it): one key per description the schema gives a key.
const { schemaInfoKeys } = (await import(pathToFileURL(path.join(STATIC, 'editor-complete.js')).href)) as { schemaInfoKeys: (schema: unknown) => Map<string, string> };
DYNAMIC['schema.'] = [...schemaInfoKeys(curationJsonSchema()).values()].map((k) => k.slice('schema.'.length));
const dynamicPrefix = (key: string) => Object.keys(DYNAMIC).find((p) => key.startsWith(p));

function sources(): { file: string; text: string }[] {
  const files = [
    ...readdirSync(STATIC).filter((f) => /\.(js|html)$/.test(f)).map((f) => path.join(STATIC, f)),
    // The server's sentences for the console: its errors, and the reasons it sends as keys (the webhook's health).
    ...readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(SRC, f)),
  ];
  return files.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
}

/** Literal keys named by a call or attribute: t('a.b'), tn('a.b', n), consoleError('a.b'), words('a.b'), said('a.b', …) (the loader's sentences), code: 'a.b', data-i18n="a.b", data-i18n-attr="x:a.b". */
function namedKeys(text: string): string[] {
  const keys: string[] = [];
  for (const m of text.matchAll(/\b(?:t|tn|consoleError|words|said)\(\s*(?:[^()'`]*\?\s*)?'([a-z][\w.]*)'(?:\s*:\s*'([a-z][\w.]*)')?/g)) keys.push(...[m[1], m[2]].filter((k): k is string => k !== undefined));
  for (const m of text.matchAll(/\bcode: '([a-z][A-Za-z]*\.[\w.]+)'/g)) keys.push(m[1]!);
  for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) keys.push(m[1]!);
  for (const m of text.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1]!.split(',')) keys.push(pair.split(':')[1]?.trim() ?? pair);
  return keys;
}

// {name}, {name|particle} and {'name'|particle} (Korean only: josa.js picks 을 or 를 after the value, or after its quotes) are the same placeholder.
const placeholders = (text: string) => [...text.matchAll(/\{'?(\w+)'?(?:\|[\uac00-\ud7a3]+)?\}/g)].map((m) => m[1]).sort();

test('both languages have the same keys and the same placeholders', () => {
  const [ko, en] = [catalogues.ko, catalogues.en];
  const plain = (c: Readonly<Record<string, string>>) => Object.keys(c).filter((k) => !PLURAL.test(k)).sort();
  assert.deepEqual(plain(ko), plain(en), 'keys missing in one language');
  const families = (c: Readonly<Record<string, string>>) => [...new Set(Object.keys(c).filter((k) => PLURAL.test(k)).map(family))].sort();
  assert.deepEqual(families(ko), families(en), 'counted messages missing in one language');
  for (const base of families(en)) for (const l of LANGUAGES) assert.ok(Object.hasOwn(catalogues[l], `${base}.other`), `${l}: ${base}.other is the fallback of every count`);
  for (const k of plain(en)) assert.deepEqual(placeholders(ko[k]!), placeholders(en[k]!), `${k}: the same {placeholders} in ko and en`);
});

test('every key the sources name is in the catalogue, and every key is used', () => {
  const all = sources();
  const named = new Set(all.flatMap((s) => namedKeys(s.text)));
  const known = new Set(Object.keys(catalogues.en).map(family));
  const missing = [...named].filter((k) => !known.has(k));
  assert.deepEqual(missing, [], 'keys the sources name that the catalogue lacks');
  const everything = all.map((s) => s.text).join('\n');
  const unused = [...known].filter((k) => !named.has(k) && !dynamicPrefix(k));
  assert.deepEqual(unused, [], 'keys nothing uses (delete them, or name them literally)');
  for (const [prefix, values] of Object.entries(DYNAMIC)) {
    assert.ok(everything.includes(`\`${prefix}\${`) || everything.includes(`'${prefix}'`), `something builds ${prefix}… keys`);
    const have = [...known].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)).sort();
    assert.deepEqual(have, [...values].sort(), `${prefix}… keys are exactly the values they are built from`);
  }
});

test('the test sees a missing and an unused key (it would not pass a broken catalogue)', () => {
  assert.deepEqual(namedKeys(`t('overview.title'); tn('sweep.scanned', 2); consoleError(x ? 'error.a' : 'error.b')`), ['overview.title', 'sweep.scanned', 'error.a', 'error.b']);
  assert.deepEqual(namedKeys("return { code: 'newCuration.idExists', params: { id } }"), ['newCuration.idExists']);
  assert.deepEqual(namedKeys("throw new ExpressionError(said('check.isTable', { name }, `'${name}' is a table`)); w.t(a ? 'cli.user.active' : 'cli.user.disabledState')"), ['check.isTable', 'cli.user.active', 'cli.user.disabledState']);
  assert.deepEqual(namedKeys('<p data-i18n="login.name"></p><nav data-i18n-attr="aria-label:nav.sections, title:nav.overview">'), ['login.name', 'nav.sections', 'nav.overview']);
});

test("the server's English errors say what they said before the catalogue (curl, the CLI and the logs read them)", () => {
  assert.equal(consoleError('error.nameRule').error, NAME_RULE);
  assert.deepEqual(consoleError('error.needsRole', { needs: 'editor', role: 'viewer' }), {
    ok: false,
    error: 'this needs the editor role; you are viewer',
    code: 'error.needsRole',
    params: { needs: 'editor', role: 'viewer' },
  });
  assert.throws(() => consoleError('error.noSuchKey'), /no message error\.noSuchKey/);
});
