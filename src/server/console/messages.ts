// The server's side of the console's catalogues (static/messages-*.json, the
// same files the browser loads). An error sent to the console carries its
// catalogue key (`code`) and values (`params`), which the console shows in
// the operator's language; `error` stays the English sentence, for curl, the
// CLI and the logs.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { WordValue, Words } from '../../words.js';
import { staticDir } from './static.js';

// The placeholder filler the browser uses too ({name|을} picks 을 or 를), from the static folder the console is served from.
const { fill } = (await import(pathToFileURL(path.join(staticDir(), 'josa.js')).href)) as { fill: (text: string, params: Readonly<Record<string, unknown>>, show?: (v: unknown) => string) => string };

export const LANGUAGES = ['ko', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const isLanguage = (v: unknown): v is Language => typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);

export type Catalogue = Readonly<Record<string, string>>;

export function loadCatalogue(lang: Language, dir = staticDir()): Catalogue {
  const parsed: unknown = JSON.parse(readFileSync(path.join(dir, `messages-${lang}.json`), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`console: messages-${lang}.json is not an object of messages`);
  for (const [k, v] of Object.entries(parsed)) if (typeof v !== 'string') throw new Error(`console: messages-${lang}.json: ${k} is not a string`);
  return parsed as Catalogue;
}

let english: Catalogue | null = null;

/** Fills {name} and {name|particle} placeholders (a value may be words, rendered in this catalogue); a missing key throws: the catalogue test keeps every key the server sends. */
export function render(catalogue: Catalogue, key: string, params: Readonly<Record<string, WordValue>> = {}): string {
  const text = catalogue[key];
  if (text === undefined) throw new Error(`console: no message ${key}`);
  return fill(text, params, (v) => value(catalogue, v as WordValue));
}

// A list of sentences reads as them joined with commas (i18n.js does the same).
const value = (catalogue: Catalogue, v: WordValue): string => {
  if (typeof v !== 'object') return String(v);
  return isWordList(v) ? v.map((w) => renderWords(catalogue, w)).join(', ') : renderWords(catalogue, v);
};
const isWordList = (v: Words | readonly Words[]): v is readonly Words[] => Array.isArray(v);

/** A sentence given as words (src/words.ts) in one language. */
export const renderWords = (catalogue: Catalogue, w: Words): string => render(catalogue, w.code, w.params);

export interface ConsoleError {
  ok: false;
  error: string;
  code: string;
  params: Record<string, WordValue>;
}

/** The body of an error answer: the English sentence, and the key and values the console translates. */
export function consoleError(key: string, params: Record<string, WordValue> = {}): ConsoleError {
  english ??= loadCatalogue('en');
  return { ok: false, error: render(english, key, params), code: key, params };
}
