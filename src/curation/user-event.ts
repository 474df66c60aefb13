// The optional user event a completed run sends back to Channel Talk
// (`POST /open/v5/users/{id}/events`), so the shop's own campaigns and
// segments can use the result: `userEvent: {name, property}` in a curation
// file. Checked at load against Channel Talk's limits, and rendered by plan()
// from the run's computed values, so the body sent is the one planned.
//
// A property value is a literal (text, number, true/false) or exactly one
// value written `{{ name }}`, which keeps the value's type (a number stays a
// number, so a segment can compare it). Texts are combined under `compute`,
// where expressions are checked; a template here would be a second language.
import { z } from 'zod';
import { CurationFileError, said, suggest } from './load-errors.js';
import type { PlannedUserEvent, UserEventValue, Value } from './plan-types.js';
import { SafeKey, Scalar } from './schema-parts.js';

export const USER_EVENT_LIMITS = {
  // The OpenAPI document (v27.40.6, schema Event) asks only for a name; these two bounds are ours, to keep events what segments can use.
  nameChars: 100,
  properties: 20,
  keyChars: 100,
  /** developers.channel.io/docs/event: "Maximum length: 512 bytes per string property". */
  stringBytes: 512,
  /** developers.channel.io/docs/event: property payloads with arrays or objects are at most 4 KB. */
  listBytes: 4096,
} as const;

export const UserEventFileSchema = z
  .strictObject({
    name: z.string().meta({ description: 'The event\'s name in Channel Talk, e.g. curationCompleted: what a campaign or segment looks for.' }),
    property: z
      .record(SafeKey, Scalar)
      .optional()
      .meta({ description: 'Property name → a text, a number, true/false, or one computed value, setting or lang as "{{ name }}" (keeps its type).' }),
  })
  .meta({ description: 'After the sequence completes, record this user event in Channel Talk (POST /users/{id}/events) for the shop\'s campaigns and segments.' });

export type UserEventFile = z.infer<typeof UserEventFileSchema>;

export type UserEventSource = { kind: 'literal'; value: string | number | boolean } | { kind: 'value'; name: string };

/** Checked and ready to render. */
export interface CompiledUserEvent {
  name: string;
  property: Array<{ key: string; source: UserEventSource }>;
}

/** What the event may read, besides literals. */
export interface UserEventNames {
  values: readonly string[];
  settings: readonly string[];
  /** Survey answers: refused with their own reason. */
  fields: readonly string[];
}

const REFERENCE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;
// C0 and C1 controls, and the bidi overrides: never part of a name someone types.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The file's `userEvent`, checked; every problem goes to `errors` with its path. */
export function compileUserEvent(file: UserEventFile, names: UserEventNames, errors: CurationFileError[]): CompiledUserEvent | null {
  const before = errors.length;
  const at = (...p: string[]) => ['userEvent', ...p];
  const name = file.name.trim();
  if (name === '') errors.push(new CurationFileError(at('name'), said('check.eventNameEmpty', {}, 'is empty: give the event a name, e.g. curationCompleted')));
  else if (name !== file.name) errors.push(new CurationFileError(at('name'), said('check.eventNameSpaces', {}, 'starts or ends with spaces; Channel Talk would keep them in the name')));
  else if (name.length > USER_EVENT_LIMITS.nameChars) errors.push(new CurationFileError(at('name'), said('check.eventNameTooLong', { max: USER_EVENT_LIMITS.nameChars }, `is longer than ${USER_EVENT_LIMITS.nameChars} characters`)));
  else if (CONTROL.test(name)) errors.push(new CurationFileError(at('name'), said('check.eventNameControl', {}, 'contains a control character')));
  else if (name.includes('{{') || name.includes('{%')) errors.push(new CurationFileError(at('name'), said('check.eventNameTemplate', {}, 'is a fixed name, not a template: campaigns and segments look for one name')));

  const entries = Object.entries(file.property ?? {});
  if (entries.length > USER_EVENT_LIMITS.properties) {
    errors.push(new CurationFileError(at('property'), said('check.eventTooManyProperties', { count: entries.length, max: USER_EVENT_LIMITS.properties }, `has ${entries.length} properties; at most ${USER_EVENT_LIMITS.properties}`)));
  }
  const property: CompiledUserEvent['property'] = [];
  for (const [key, raw] of entries) {
    const source = compileSource(key, raw, names, errors);
    if (source) property.push({ key, source });
  }
  return errors.length > before ? null : { name, property };
}

function compileSource(key: string, raw: string | number | boolean, names: UserEventNames, errors: CurationFileError[]): UserEventSource | null {
  const path = ['userEvent', 'property', key];
  if (key.trim() === '' || key.trim() !== key) {
    errors.push(new CurationFileError(path, said('check.eventPropertySpaces', {}, 'a property name must not be empty or start or end with spaces')));
    return null;
  }
  if (key.length > USER_EVENT_LIMITS.keyChars || CONTROL.test(key)) {
    errors.push(new CurationFileError(path, said('check.eventPropertyTooLong', { max: USER_EVENT_LIMITS.keyChars }, `a property name must be at most ${USER_EVENT_LIMITS.keyChars} characters, without control characters`)));
    return null;
  }
  if (typeof raw !== 'string') return { kind: 'literal', value: raw };
  const ref = REFERENCE.exec(raw.trim());
  if (!ref) {
    if (raw.includes('{{') || raw.includes('{%')) {
      errors.push(new CurationFileError(path, said('check.eventPropertyTemplate', {}, 'is a text, a number, true/false, or one value written {{ name }}; to combine values, compute a text under compute and send that')));
      return null;
    }
    if (utf8Bytes(raw) > USER_EVENT_LIMITS.stringBytes) {
      errors.push(new CurationFileError(path, said('check.eventPropertyTooBig', { max: USER_EVENT_LIMITS.stringBytes }, `is longer than ${USER_EVENT_LIMITS.stringBytes} bytes, Channel Talk's limit for a text property`)));
      return null;
    }
    return { kind: 'literal', value: raw };
  }
  const name = ref[1]!;
  if (names.values.includes(name) || names.settings.includes(name) || name === 'lang') return { kind: 'value', name };
  if (names.fields.includes(name)) {
    errors.push(new CurationFileError(path, said('check.eventPropertyAnswer', { name }, `'${name}' is a survey answer, already in the customer's profile: send a value computed from it (under compute)`)));
    return null;
  }
  const s = suggest(name, [...names.values, ...names.settings]);
  const text = `unknown value '${name}': use one of the names under compute or settings, or lang${s === null ? '' : `; did you mean '${s}'?`}`;
  errors.push(new CurationFileError(path, s === null ? said('check.eventUnknownValue', { name }, text) : said('check.eventUnknownValueSuggest', { name, suggestion: s }, text)));
  return null;
}

/**
 * The event's body from a run's computed values. Total: a value Channel Talk
 * has no type for (null) leaves its property out, and a text or list over
 * Channel Talk's limits is cut to fit (as a text field's `maxLength` cuts an
 * answer), so a completed run never fails over its event.
 */
export function renderUserEvent(e: CompiledUserEvent, scope: Readonly<Record<string, unknown>>): PlannedUserEvent {
  const property: Record<string, UserEventValue> = {};
  for (const { key, source } of e.property) {
    const v = source.kind === 'literal' ? source.value : fit(scope[source.name] as Value | undefined);
    if (v !== null) property[key] = v;
  }
  return Object.keys(property).length > 0 ? { name: e.name, property } : { name: e.name };
}

function fit(v: Value | undefined): UserEventValue | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return cutToBytes(v, USER_EVENT_LIMITS.stringBytes);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  // The items that fit, in order: the brackets, then each item and its comma.
  const items: Array<string | number | boolean> = [];
  let bytes = 2;
  for (const x of v) {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') continue;
    const item = typeof x === 'string' ? cutToBytes(x, USER_EVENT_LIMITS.stringBytes) : x;
    const n = utf8Bytes(JSON.stringify(item)) + (items.length > 0 ? 1 : 0);
    if (bytes + n > USER_EVENT_LIMITS.listBytes) break;
    bytes += n;
    items.push(item);
  }
  return items;
}

/** At most `max` UTF-8 bytes, cut between characters (never inside one). */
export function cutToBytes(s: string, max: number): string {
  if (utf8Bytes(s) <= max) return s;
  let bytes = 0;
  let out = '';
  for (const ch of s) {
    const n = utf8Bytes(ch);
    if (bytes + n > max) break;
    bytes += n;
    out += ch;
  }
  return out;
}
