// From a schema-valid curation file to a Curation: names, fields, tables,
// values, messages and trigger checked for meaning, everything compiled once.
// All problems of a file are collected (not just the first), each with the
// place in the file it belongs to.
import type { Value } from './plan-types.js';
import { compileExpression, ExpressionError, RESERVED_NAMES, type Evaluator, type ExpressionContext } from './expressions.js';
import { importFunctionModule, type CurationFunction } from './functions.js';
import { compileTable, type Table } from './tables.js';
import { buildOptionMatcher } from './options.js';
import { parseDuration } from './durations.js';
import { compileDelay, compileMessages, EXPRESSION_HINT, type MessageContext } from './compile-messages.js';
import { isHttpUrl } from './http-url.js';
import { CurationFileError, notAUrl, said, type PathSegment, type Said } from './load-errors.js';
import { attach, type CompiledCuration, type CompiledValue } from './internals.js';
import { resolveFields, type CompiledField } from './profile.js';
import { compilePattern, type CompiledPattern } from './regex.js';
import { DEFAULT_TIMEZONE, timezoneProblem } from './zone.js';
import type { CurationFile } from './schema.js';
import { CHAT_CHECK_STOPS, type Curation, type FieldSpec, type TakeoverEventKind } from './types.js';
import { compileTrigger } from './triggers/registry.js';
import { errorAt, lineAt, type SourceDoc } from './yaml-errors.js';
import { isBareLookup } from './url-values.js';
import { attachWarnings } from './warnings.js';
import { compileUserEvent } from './user-event.js';
import { compileAsk } from './ask.js';
import { LoadMeter, UNIT_COSTS } from './load-budget.js';
import type { CompiledTemplate } from './templates.js';

const DEFAULT_DELAY = { kind: 'fixed' as const, ms: 2000 };

/**
 * Throws LoadBudgetError when the file costs more than `meter` allows; lets
 * the event loop run between values and between messages.
 */
export async function compileCuration(
  source: SourceDoc,
  file: CurationFile,
  meter = new LoadMeter(),
): Promise<{ ok: true; curation: Curation } | { ok: false; errors: CurationFileError[] }> {
  const errors: CurationFileError[] = [];
  const warnings: CurationFileError[] = [];
  const attempt = <T>(fn: () => T): T | null => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof CurationFileError) {
        errors.push(err);
        return null;
      }
      throw err;
    }
  };

  // Languages
  const languages = file.languages ?? [file.defaultLanguage];
  if (!languages.includes(file.defaultLanguage)) {
    errors.push(new CurationFileError(['defaultLanguage'], said('check.defaultLanguage', { lang: file.defaultLanguage, languages: languages.join(', ') }, `'${file.defaultLanguage}' must be one of languages (${languages.join(', ')})`)));
  }
  if (new Set(languages).size !== languages.length) errors.push(new CurationFileError(['languages'], said('check.languageTwice', {}, 'lists a language twice')));

  // The zone of weekday(now), hour(now), …
  const timezone = file.timezone ?? DEFAULT_TIMEZONE;
  const zoneProblem = timezoneProblem(timezone);
  if (zoneProblem !== null) errors.push(new CurationFileError(['timezone'], zoneProblem));

  // One namespace for fields, settings, tables, values and functions: a name means one thing.
  const owners = new Map<string, PathSegment[]>();
  const claim = (name: string, path: PathSegment[]): boolean => {
    if (RESERVED_NAMES.has(name)) {
      errors.push(new CurationFileError(path, said('check.reservedName', { name }, `'${name}' is a reserved name (a built-in function or keyword); choose another`)));
      return false;
    }
    const prior = owners.get(name);
    if (prior) {
      const line = lineAt(source, prior);
      const text = `'${name}' is already used by ${prior[0]}${line ? ` (line ${line})` : ''}; every name must be unique`;
      const by = String(prior[0]);
      errors.push(new CurationFileError(path, line ? said('check.nameTakenAt', { name, by, line }, text) : said('check.nameTaken', { name, by }, text)));
      return false;
    }
    owners.set(name, path);
    return true;
  };

  // Function module (the escape hatch)
  let functions = new Map<string, CurationFunction>();
  if (file.functions !== undefined) {
    try {
      functions = await importFunctionModule(source.file, file.functions);
      for (const name of functions.keys()) claim(name, ['functions']);
    } catch (err) {
      if (!(err instanceof CurationFileError)) throw err;
      errors.push(err);
    }
  }

  // Settings
  const settings: Record<string, Value> = {};
  for (const [name, value] of Object.entries(file.settings ?? {})) {
    if (!claim(name, ['settings', name])) continue;
    if (typeof value === 'string' && /^https?:/i.test(value) && !isHttpUrl(value)) {
      errors.push(new CurationFileError(['settings', name], notAUrl(value)));
    }
    settings[name] = value;
  }

  // Fields
  const fields: CompiledField[] = [];
  const profileKeys = new Map<string, string>();
  for (const [name, spec] of Object.entries(file.fields ?? {})) {
    if (!claim(name, ['fields', name])) continue;
    const field = attempt(() => compileField(name, spec));
    if (!field) continue;
    warnings.push(...fieldWarnings(field));
    const other = profileKeys.get(field.key);
    if (other !== undefined) {
      errors.push(new CurationFileError(['fields', name], said('check.profileKeyTwice', { key: field.key, other }, `reads the profile key '${field.key}' that field '${other}' already reads`)));
      continue;
    }
    profileKeys.set(field.key, name);
    fields.push(field);
  }

  // Tables
  const tables = new Map<string, Table>();
  for (const [name, spec] of Object.entries(file.tables ?? {})) {
    if (!claim(name, ['tables', name])) continue;
    const table = attempt(() => compileTable(name, spec));
    if (!table) continue;
    if (table.kind === 'lookup') checkTableUrls(name, table.entries, errors);
    tables.set(name, table);
  }

  // Values, in file order; each may use only what is above it.
  // A value is an expression, or {expr, label}: the label is the console's only.
  const computeEntries = Object.entries(file.compute ?? {}).map(([n, e]) => [n, typeof e === 'object' ? e.expr : e] as const);
  const valueLabels = Object.fromEntries(Object.entries(file.compute ?? {}).flatMap(([n, e]) => (typeof e === 'object' && e.label !== undefined ? [[n, e.label]] : [])));
  const valueNames = computeEntries.map(([n]) => n);
  // Each value's place, found once: "computed later (line N)" looks a name up here, never the whole list per value.
  const valueIndex = new Map(valueNames.map((n, i) => [n, i]));
  const available = new Set<string>(['now', 'lang', ...fields.map((f) => f.name), ...Object.keys(settings)]);
  const optionKeys = new Map(fields.filter((f) => f.type === 'option' && f.required).map((f) => [f.name, optionKeysOf(f)]));
  const listOptions = new Map(fields.filter((f) => f.type === 'list').map((f) => [f.name, f.options.map((o) => o.key)]));
  const values: CompiledValue[] = [];
  for (const [i, [name, expr]] of computeEntries.entries()) {
    const path: PathSegment[] = ['compute', name];
    await meter.pause(path);
    const claimed = claim(name, path);
    const later = { has: (n: string) => (valueIndex.get(n) ?? -1) > i, get: (n: string) => lineAt(source, ['compute', n]) };
    const ctx: ExpressionContext = { names: available, later, self: name, tables, functions, optionKeys, listOptions, timezone };
    let evaluate: Evaluator | null = null;
    if (typeof expr === 'string' && expr.trim() === '') {
      errors.push(new CurationFileError(path, said('check.emptyValue', {}, 'is empty: write an expression, e.g. weight * 0.03')));
    } else if (typeof expr === 'string') {
      meter.charge(UNIT_COSTS.expression, path, EXPRESSION_HINT);
      try {
        evaluate = compileExpression(expr, ctx);
      } catch (err) {
        if (!(err instanceof ExpressionError)) throw err;
        errors.push(new CurationFileError(path, err.said ?? err.message));
      }
    } else {
      evaluate = () => expr;
    }
    available.add(name);
    if (claimed && evaluate) values.push({ name, evaluate });
  }

  // Messages
  const fieldNames = fields.map((f) => f.name);
  const messageNames = new Set<string>([...fieldNames, ...Object.keys(settings), ...valueNames, 'lang', 'now']);
  const fallbackNames = new Set<string>([...fieldNames, ...Object.keys(settings), 'lang', 'now']);
  const pacing = file.pacing;
  const defaultDelay = pacing ? (attempt(() => compileDelay(pacing.delay, ['pacing', 'delay'])) ?? DEFAULT_DELAY) : DEFAULT_DELAY;
  const whenCtx: ExpressionContext = { names: available, later: new Map<string, number | null>(), self: null, tables, functions, optionKeys, listOptions, timezone };
  // Names the file fixes whatever the answers (an option's value is one of its keys): they may start a URL.
  const fixedNames = new Set<string>([
    'lang',
    ...Object.keys(settings),
    ...fields.filter((f) => f.type === 'option').map((f) => f.name),
    ...computeEntries.filter(([, e]) => typeof e !== 'string' || isBareLookup(e)).map(([n]) => n),
  ]);
  // How long each list a loop may go over can be.
  const loopBounds = new Map(fields.filter((f) => f.type === 'list').map((f) => [f.name, optionKeysOf(f).length]));
  const templates = new Map<string, CompiledTemplate>();
  const mctx = (names: Set<string>, expressions: ExpressionContext | null): MessageContext => ({
    languages,
    names,
    valueNames: new Set(valueNames),
    expressions,
    defaultDelay,
    errors,
    warnings,
    fixedNames,
    loopBounds,
    fields: new Map(fields.map((f) => [f.name, publicField(f)])),
    meter,
    templates,
    cost: { units: 0 },
  });
  const messages = await compileMessages(file.messages, ['messages'], mctx(messageNames, whenCtx));
  const fallback = file.fallback ? await compileMessages(file.fallback.messages, ['fallback', 'messages'], mctx(fallbackNames, null)) : [];
  const ask = file.fallback?.ask ? await compileAsk(file.fallback.ask, ['fallback', 'ask'], mctx(fallbackNames, null)) : null;
  const consentFallback = file.consentFallback ? await compileMessages(file.consentFallback.messages, ['consentFallback', 'messages'], mctx(fallbackNames, null)) : null;
  if (file.consentFallback && !fields.some((f) => f.consent)) {
    errors.push(new CurationFileError(['consentFallback'], said('check.consentFallbackUnused', {}, 'no field is marked consent: true, so this is never sent')));
  }

  // Trigger: each kind's own keys are its registry entry's.
  const trigger = compileTrigger(file.trigger, errors);

  // Limits and takeover
  const cooldown = file.limits?.cooldown ?? null;
  const cooldownMs = cooldown === null ? null : parseDuration(cooldown);

  // Write-back names computed values; each goes to one profile key.
  const writeBack: Record<string, string> = {};
  const writeKeys = new Map<string, string>();
  for (const [name, key] of Object.entries(file.writeBack ?? {})) {
    if (!valueNames.includes(name)) {
      errors.push(new CurationFileError(['writeBack', name], said('check.writeBackUnknown', { name }, `unknown value '${name}': write back one of the names under compute`)));
      continue;
    }
    const other = writeKeys.get(key);
    if (other) errors.push(new CurationFileError(['writeBack', name], said('check.writeBackTwice', { key, other }, `profile key '${key}' is already written by '${other}'`)));
    writeKeys.set(key, name);
    writeBack[name] = key;
  }

  const userEvent = file.userEvent ? compileUserEvent(file.userEvent, { values: valueNames, settings: Object.keys(settings), fields: fieldNames }, errors) : null;

  if (errors.length > 0) return { ok: false, errors };

  const curation: Curation = {
    id: file.id,
    file: source.file,
    ...(file.title !== undefined ? { title: file.title } : {}),
    ...(file.description !== undefined ? { description: file.description } : {}),
    enabled: file.enabled ?? true,
    trigger: trigger.trigger,
    limits: { oncePerChat: file.limits?.oncePerChat ?? true, cooldownMs },
    takeover: {
      cancelOn: file.takeover?.cancelOn ?? (['managerMessage', 'chatClosed', 'chatAssigned'] satisfies TakeoverEventKind[]),
      onChatRead: file.takeover?.onChatRead ?? [...CHAT_CHECK_STOPS],
    },
    needsProfile: fields.length > 0,
    fields: fields.map(publicField),
    defaultLanguage: file.defaultLanguage,
    languages,
    timezone,
    valueNames,
    valueLabels,
    settings,
    hasFallback: fallback.length > 0,
    hasConsentFallback: consentFallback !== null,
    ask: ask ? { waitMs: ask.waitMs, fields: ask.fields } : null,
    messageCount: messages.length,
    writeBack,
    userEvent: file.userEvent ? { name: file.userEvent.name, property: { ...file.userEvent.property } } : null,
  };
  const inner: CompiledCuration = {
    fields,
    values,
    valueKeys: Object.fromEntries(values.map((v) => [v.name, undefined])),
    scopeShape: {
      ...settings,
      ...Object.fromEntries(fields.map((f) => [f.name, undefined])),
      now: undefined,
      lang: undefined,
      ...Object.fromEntries(values.map((v) => [v.name, undefined])),
    },
    settings,
    trigger,
    messages,
    fallback,
    ask,
    consentFallback,
    userEvent,
  };
  attach(curation, inner);
  attachWarnings(curation, warnings.map((w) => errorAt(source, w.path, w.said ?? w.message, w.lineOffset)));
  return { ok: true, curation };
}

function compileField(name: string, spec: NonNullable<CurationFile['fields']>[string]): CompiledField {
  const at = (key: string): PathSegment[] => ['fields', name, key];
  const has = (key: keyof typeof spec) => spec[key] !== undefined;
  const refuse = (keys: Array<keyof typeof spec>, why: (text: string) => Said) => {
    for (const k of keys) if (has(k)) throw new CurationFileError(at(k), why(`(this field's type is ${spec.type})`));
  };
  const type = spec.type;
  if (type !== 'number') refuse(['min', 'max'], (t) => said('check.minMaxOnlyNumber', { type }, `min and max only apply to number fields ${t}`));
  if (type !== 'option' && type !== 'list') refuse(['options', 'otherwise'], (t) => said('check.optionsOnlyChoice', { type }, `options only apply to option and list fields ${t}`));
  if (type !== 'text') refuse(['maxLength'], (t) => said('check.maxLengthOnlyText', { type }, `maxLength only applies to text fields ${t}`));
  if (type !== 'text') refuse(['pattern'], (t) => said('check.patternOnlyText', { type }, `pattern only applies to text fields ${t}`));
  let regex: CompiledPattern | null = null;
  if (spec.pattern !== undefined) {
    const compiled = compilePattern(spec.pattern);
    if (!compiled.ok) throw new CurationFileError(at('pattern'), said('check.patternInvalid', { pattern: spec.pattern, detail: compiled.why }, `'${spec.pattern}' is not a valid regular expression: ${compiled.why}`));
    regex = compiled.pattern;
  }
  if (spec.consent && spec.type !== 'boolean') throw new CurationFileError(at('consent'), said('check.consentNotBoolean', {}, 'only a boolean field can be the consent flag'));
  if ((spec.type === 'option' || spec.type === 'list') && Object.keys(spec.options ?? {}).length === 0) {
    throw new CurationFileError(['fields', name], said('check.needsOptions', { type: spec.type }, `an ${spec.type} field needs options`));
  }
  if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) throw new CurationFileError(at('min'), said('check.minAboveMax', {}, 'min is larger than max'));
  const field: FieldSpec = {
    name,
    key: spec.key ?? name,
    type: spec.type,
    label: spec.label ?? null,
    unit: spec.unit ?? null,
    min: spec.min ?? null,
    max: spec.max ?? null,
    required: spec.consent ? true : (spec.required ?? true),
    consent: spec.consent ?? false,
    options: Object.entries(spec.options ?? {}).map(([key, labels]) => ({ key, labels: Array.isArray(labels) ? labels : [labels] })),
    otherwise: spec.otherwise ?? null,
    maxLength: spec.maxLength ?? null,
    pattern: spec.pattern ?? null,
  };
  const compiled: CompiledField = { ...field, matcher: field.options.length > 0 ? buildOptionMatcher(field) : null, regex };
  if (spec.sample === undefined) return compiled;
  // Resolved as a customer's answer would be, and as required: a sample the field itself refuses would test nothing.
  const { values, problems } = resolveFields([{ ...compiled, required: true, consent: false }], { [field.key]: spec.sample });
  const problem = problems[0];
  if (problem) throw new CurationFileError(at('sample'), said('check.sampleInvalid', { detail: problem.message }, `is not a valid answer for this field: ${problem.message}`));
  return { ...compiled, sample: values[name] ?? null };
}

/** What loads but deserves a word from `check`. */
function fieldWarnings(f: CompiledField): CurationFileError[] {
  const out: CurationFileError[] = [];
  if (f.type === 'list' && f.otherwise === null) {
    out.push(
      new CurationFileError(
        ['fields', f.name],
        said(
          'check.listWithoutOtherwise',
          {},
          "a list field without otherwise drops answers that are not one of its options without a word; add otherwise: KEY so that they count as KEY (sumOf() refuses KEY unless its table has it; has(list, 'KEY') ? fail('…') : … sends the fallback)",
        ),
      ),
    );
  }
  if (f.regex !== null && f.sample === undefined) {
    out.push(
      new CurationFileError(
        ['fields', f.name],
        said('check.patternWithoutSample', {}, "has a pattern but no sample: check's dry run fills it with a made-up text the pattern would refuse; give sample: with an answer as a customer writes it"),
      ),
    );
  }
  return out;
}

function publicField(f: CompiledField): FieldSpec {
  const { matcher: _matcher, regex: _regex, sample: _sample, ...rest } = f;
  return rest;
}

function optionKeysOf(f: FieldSpec): string[] {
  const keys = f.options.map((o) => o.key);
  if (f.otherwise !== null && !keys.includes(f.otherwise)) keys.push(f.otherwise);
  return keys;
}

function checkTableUrls(name: string, entries: Map<string, unknown>, errors: CurationFileError[]): void {
  for (const [key, value] of entries) {
    const cells = value instanceof Map ? [...value.entries()].map(([k, v]) => [[key, k], v] as const) : [[[key], value] as const];
    for (const [keys, cell] of cells) {
      if (typeof cell === 'string' && /^https?:/i.test(cell) && !isHttpUrl(cell)) {
        errors.push(new CurationFileError(['tables', name, 'lookup', ...keys], notAUrl(cell)));
      }
    }
  }
}
