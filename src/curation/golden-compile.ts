// The meaning of a `tests:` section, checked at load once the curation has
// compiled: the values a case expects are computed, its language is spoken,
// its profile keys are read by a field, its moment exists. Each problem at its
// line; the cases are then kept beside the curation (goldenTestsOf).
import { replaceShortcodes } from './emoji.js';
import { CurationFileError, said, suggest, type PathSegment, type Said } from './load-errors.js';
import { ISO_MOMENT, type GoldenCaseFile, type GoldenTestsFile } from './golden-schema.js';
import { attachGoldenTests, DEFAULT_GOLDEN_NOW, type GoldenCase, type GoldenExpect } from './golden.js';
import type { Curation } from './types.js';
import { lineAt, type SourceDoc } from './yaml-errors.js';

/** Attaches the cases to the curation when they are all sound; returns their problems. */
export function compileGoldenTests(source: SourceDoc, file: GoldenTestsFile | undefined, curation: Curation): CurationFileError[] {
  const errors: CurationFileError[] = [];
  const cases: GoldenCase[] = [];
  const names = new Map<string, number>();
  for (const [index, spec] of (file ?? []).entries()) {
    const at = (...rest: PathSegment[]): PathSegment[] => ['tests', index, ...rest];
    const prior = names.get(spec.name);
    if (prior !== undefined) errors.push(new CurationFileError(at('name'), said('check.goldenNameTwice', { name: spec.name, index: prior }, `another case is already named '${spec.name}' (tests[${prior}]); give each case its own name`)));
    else names.set(spec.name, index);
    const found = checkCase(spec, curation, at);
    errors.push(...found.errors);
    if (found.now === null) continue;
    cases.push({
      name: spec.name,
      index,
      line: lineAt(source, at()),
      now: found.now,
      lang: spec.lang ?? null,
      profile: { ...spec.profile },
      expect: expectOf(spec),
    });
  }
  if (errors.length === 0) attachGoldenTests(curation, cases);
  return errors;
}

function checkCase(spec: GoldenCaseFile, curation: Curation, at: (...rest: PathSegment[]) => PathSegment[]): { now: number | null; errors: CurationFileError[] } {
  const errors: CurationFileError[] = [];
  const now = spec.now === undefined ? DEFAULT_GOLDEN_NOW : momentOf(spec.now);
  if (now === null) errors.push(new CurationFileError(at('now'), said('check.goldenNotAMoment', { now: String(spec.now) }, `'${spec.now}' is not a real moment (check the day, the month and the time)`)));
  if (spec.lang !== undefined && !curation.languages.includes(spec.lang)) {
    const languages = curation.languages.join(', ');
    errors.push(new CurationFileError(at('lang'), said('check.notALanguage', { lang: spec.lang, languages }, `'${spec.lang}' is not one of this curation's languages (${languages})`)));
  }
  for (const key of Object.keys(spec.profile ?? {})) {
    const problem = profileKeyProblem(key, curation);
    if (problem) errors.push(new CurationFileError(at('profile', key), problem));
  }
  const { expect } = spec;
  if (expect.outcome === undefined && expect.values === undefined && expect.messages === undefined && expect.problems === undefined) {
    errors.push(new CurationFileError(at('expect'), said('check.goldenExpectsNothing', {}, 'expects nothing: give at least one of outcome, values, messages, problems')));
  }
  for (const name of Object.keys(expect.values ?? {})) {
    if (!curation.valueNames.includes(name)) {
      const s = suggest(name, curation.valueNames);
      const text = `unknown value '${name}': expect names under compute${s === null ? '' : `; did you mean '${s}'?`}`;
      errors.push(new CurationFileError(at('expect', 'values', name), s === null ? said('check.goldenUnknownValue', { name }, text) : said('check.goldenUnknownValueSuggest', { name, suggestion: s }, text)));
    }
  }
  const keys = curation.fields.map((f) => f.key);
  for (const key of Object.keys(expect.problems ?? {})) {
    if (!keys.includes(key)) errors.push(new CurationFileError(at('expect', 'problems', key), notAProfileKey(key, keys)));
  }
  return { now, errors };
}

/** Why the profile may not hold this key, or null. A typo would otherwise silently test a missing answer. */
function profileKeyProblem(key: string, curation: Curation): Said | null {
  const keys = curation.fields.map((f) => f.key);
  if (keys.includes(key)) return null;
  const byName = curation.fields.find((f) => f.name === key);
  if (byName) return said('check.goldenFieldKey', { name: byName.name, key: byName.key }, `the field '${byName.name}' reads the profile key '${byName.key}': give the answer under ${byName.key}`);
  return notAProfileKey(key, keys);
}

/** `'wieght' is not a profile key this curation reads (weight, goal); did you mean 'weight'?`, with its key. */
function notAProfileKey(key: string, keys: readonly string[]): Said {
  const s = suggest(key, keys);
  const text = `'${key}' is not a profile key this curation reads (${keys.join(', ')})${s === null ? '' : `; did you mean '${s}'?`}`;
  return s === null ? said('check.goldenNotAKey', { key, keys: keys.join(', ') }, text) : said('check.goldenNotAKeySuggest', { key, keys: keys.join(', '), suggestion: s }, text);
}

function expectOf(spec: GoldenCaseFile): GoldenExpect {
  const e = spec.expect;
  return {
    ...(e.outcome !== undefined ? { outcome: e.outcome } : {}),
    ...(e.values !== undefined ? { values: { ...e.values } } : {}),
    // Written like the messages themselves: a :shortcode: is its emoji.
    ...(e.messages !== undefined ? { messages: e.messages.map(replaceShortcodes) } : {}),
    ...(e.problems !== undefined ? { problems: { ...e.problems } } : {}),
  };
}

/** Epoch ms of an ISO 8601 moment with its offset, or null when a part is out of range (Date.parse takes 30 February). */
export function momentOf(text: string): number | null {
  const m = ISO_MOMENT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  const offset = m[7] ?? 'Z';
  if (offset !== 'Z' && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4, 6)) > 59)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}
