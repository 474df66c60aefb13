// Pieces of the curation file's schema shared by schema.ts and the message
// part entries (blocks/): names, language codes, durations, localized texts.
import { z } from 'zod';
import { DURATION_PATTERN } from './durations.js';

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const Identifier = z.string().regex(IDENTIFIER, { error: 'must be a name made of letters, digits and _ that does not start with a digit' });
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
