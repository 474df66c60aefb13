// Pieces of the curation file's schema shared by schema.ts and the message
// part entries (blocks/): names, keys, language codes, durations, localized texts.
import { z } from 'zod';
import { DURATION_PATTERN } from './durations.js';

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Keys JavaScript gives a meaning of its own. Written into a plain object,
 * `__proto__` sets the object's prototype (the value is silently lost: the
 * YAML reader keeps it, zod and every object after it drop it); read from one,
 * `constructor` and `prototype` find what every object inherits. A curation
 * may use none of them as a name or a key: every map key of the schema, and
 * every profile key, refuses them (so the JSON Schema shows it in an editor),
 * and the YAML walk refuses `__proto__`, which zod never gets to see.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const NOT_RESERVED = '(?!(?:__proto__|constructor|prototype)$)';

export function reservedKeyMessage(key: string): string {
  return `'${key}' cannot be a name or key in a curation: JavaScript gives __proto__, constructor and prototype a meaning of their own, so the value would be lost or misread; choose another`;
}

const inputOf = (issue: { input?: unknown }): string => (typeof issue.input === 'string' ? issue.input : '');

export const Identifier = z.string().regex(new RegExp(`^${NOT_RESERVED}[A-Za-z_][A-Za-z0-9_]*$`), {
  error: (issue) => (RESERVED_KEYS.has(inputOf(issue)) ? reservedKeyMessage(inputOf(issue)) : 'must be a name made of letters, digits and _ that does not start with a digit'),
});

/** `s`, refusing the reserved keys (after any trim placed before it). */
export function refuseReserved(s: z.ZodString): z.ZodString {
  return s.regex(new RegExp(`^${NOT_RESERVED}`), { error: (issue) => reservedKeyMessage(inputOf(issue)) });
}

/** Any text but the reserved keys: a key the file writes that is not a name (a lookup key, a property, a profile key). */
export const SafeKey = refuseReserved(z.string());

export const LangCode = z.string().regex(/^[a-z]{2,3}$/, { error: 'must be a two- or three-letter language code such as ko or en' });
export const Duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), { error: 'must be a duration such as 2s, 800ms, 24h or 1h30m' })
  .meta({ description: 'A duration: 800ms, 2s, 1.5s, 10m, 24h, 1h30m, 7d.' });
export const Scalar = z.union([z.string(), z.number(), z.boolean()], { error: 'must be a text, a number or true/false' });

export const Localized = z
  .union([z.string(), z.record(LangCode, z.string())], { error: 'must be a text, or a map from language code to text (ko: …, en: …)' })
  .meta({ description: 'A Liquid template, either one for every language or one per language code.' });

export type LocalizedFile = z.infer<typeof Localized>;

/** What the console calls a field or a value: the operator's language, not the customer's (so ko/en, whatever the curation's languages). */
export const Label = z
  .union([z.string().min(1), z.strictObject({ ko: z.string().min(1).optional(), en: z.string().min(1).optional() })], { error: 'must be a text, or a text per console language (ko: …, en: …)' })
  .meta({ description: "What the console calls it (reasons, problems, the simulator): one text, or one per console language (ko, en). Default: its name." });
