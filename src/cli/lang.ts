// The language of the CLI's messages for operators, chosen as POSIX programs
// choose theirs: LC_ALL, then LC_MESSAGES, then LANG, the first one set
// (`ko*` is Korean, anything else English). The sentences come from the
// console's catalogue (server/console/static/messages-*.json, keys `cli.*`
// and the loader's `check.*`), so the catalogue test keeps both languages.
import { formatLoadError, type CurationLoadError } from '../curation/load-errors.js';
import { loadCatalogue, render, type Catalogue, type Language } from '../server/console/messages.js';
import type { WordValue } from '../words.js';
import type { CliIO } from './io.js';

type Params = Readonly<Record<string, WordValue>>;

export interface Words {
  lang: Language;
  t(key: string, params?: Params): string;
  /** Whether the catalogue has `key` (a stored reason's code may be newer or older than it). */
  has(key: string): boolean;
  /** A counted message: `key.one` / `key.other` as Intl.PluralRules picks (Korean has only `.other`). */
  tn(key: string, count: number, params?: Params): string;
  /** A loader problem as `curation check` prints it, its sentence in this language when it has a key. */
  problem(e: CurationLoadError): string;
  /** The same for a check warning (`warning: …`). */
  warning(e: CurationLoadError): string;
}

/** The language an environment asks for: the first of LC_ALL, LC_MESSAGES and LANG that is set. */
export function cliLanguage(env: Readonly<Record<string, string | undefined>>): Language {
  const chosen = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  return chosen !== undefined && /^ko(?![a-z])/i.test(chosen) ? 'ko' : 'en';
}

const catalogues = new Map<Language, Catalogue>();
const resolved = new WeakMap<CliIO, Words>();

/** The words of this invocation, resolved once from its environment. */
export function wordsOf(io: CliIO): Words {
  let words = resolved.get(io);
  if (!words) {
    words = wordsIn(cliLanguage(io.env));
    resolved.set(io, words);
  }
  return words;
}

export function wordsIn(lang: Language): Words {
  let catalogue = catalogues.get(lang);
  if (!catalogue) {
    catalogue = loadCatalogue(lang);
    catalogues.set(lang, catalogue);
  }
  const c = catalogue;
  const plural = new Intl.PluralRules(lang);
  const t = (key: string, params: Params = {}) => render(c, key, params);
  const tn = (key: string, count: number, params: Params = {}) => {
    const form = `${key}.${plural.select(count)}`;
    return render(c, Object.hasOwn(c, form) ? form : `${key}.other`, { count, ...params });
  };
  // English keeps the loader's own sentence: `curation check` reads exactly as it always has.
  const sentence = (e: CurationLoadError) => (lang === 'en' || e.code === undefined ? e.message : render(c, e.code, e.params ?? {}));
  return {
    lang,
    t,
    has: (key) => Object.hasOwn(c, key),
    tn,
    problem: (e) => formatLoadError({ ...e, message: sentence(e) }),
    warning: (e) => formatLoadError({ ...e, message: t('check.warning', { message: sentence(e) }) }),
  };
}
