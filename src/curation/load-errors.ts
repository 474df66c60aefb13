// One shape for everything that can be wrong with a curation file, so that
// `curation check`, the service's start-up log and the tests all print the
// same line: `curations/diet-main.yaml:14 compute.bmr: unknown name 'wieght'`.

export interface CurationLoadError {
  file: string;
  /** 1-based line in the file, when the problem has one. */
  line: number | null;
  /** Where in the curation, e.g. `compute.bmr` or `messages[3].buttons`; empty for the whole file. */
  path: string;
  /** A plain sentence; never contains customer data (there is none at load). */
  message: string;
  /** The sentence's catalogue key and values (console catalogue, `check.*`), for the editor and a Korean `check`; absent for the sentences that stay English. */
  code?: string;
  params?: SaidParams;
}

export type SaidParams = Record<string, string | number>;

/** A loader sentence: its English text and its catalogue key with the values it names (names from the file, never profile values). */
export interface Said {
  text: string;
  code: string;
  params: SaidParams;
}

/** `said('check.unknownKey', { key }, \`unknown key '${key}'\`)`: the catalogue test checks the key exists, and a test that its English renders as `text`. */
export const said = (code: string, params: SaidParams, text: string): Said => ({ text, code, params });

/** A load error's message, with its key when it has one. */
export function sentenceOf(message: string | Said): Pick<CurationLoadError, 'message' | 'code' | 'params'> {
  return typeof message === 'string' ? { message } : { message: message.text, code: message.code, params: message.params };
}

export function formatLoadError(e: CurationLoadError): string {
  const where = e.line === null ? e.file : `${e.file}:${e.line}`;
  return e.path === '' ? `${where} ${e.message}` : `${where} ${e.path}: ${e.message}`;
}

export type PathSegment = string | number;

/** `['messages', 3, 'buttons']` → `messages[3].buttons`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Thrown inside compilation steps and turned into a CurationLoadError with a line by the caller. */
export class CurationFileError extends Error {
  /** The message with its catalogue key, when it has one. */
  readonly said: Said | null;
  constructor(
    readonly path: readonly PathSegment[],
    message: string | Said,
    /** Extra lines below the line of `path` (e.g. inside a block scalar). */
    readonly lineOffset = 0,
  ) {
    super(typeof message === 'string' ? message : message.text);
    this.said = typeof message === 'string' ? null : message;
  }
}

/** The closest candidate, for "did you mean …?" hints. */
export function suggest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const limit = Math.max(1, Math.floor(name.length / 3));
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance && d <= limit) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

// Optimal string alignment: a transposition ("wieght") counts as one edit, as a typist would count it.
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i];
    if (!row) continue;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

export function didYouMean(name: string, candidates: Iterable<string>): string {
  const s = suggest(name, candidates);
  return s === null ? '' : `; did you mean '${s}'?`;
}

/** A URL the file writes out that is not one (a setting, a table cell, a template without values). */
export const notAUrl = (url: string): Said => said('check.notAUrl', { url }, `'${url}' is not a valid http(s) URL`);

/** `unknown name 'wieght'; did you mean 'weight'?` with its key; `what` is name, function or table. */
export function unknownName(what: 'name' | 'function' | 'table', name: string, candidates: Iterable<string>): Said {
  const s = suggest(name, candidates);
  const text = `unknown ${what} '${name}'${s === null ? '' : `; did you mean '${s}'?`}`;
  if (what === 'function') return s === null ? said('check.unknownFunction', { name }, text) : said('check.unknownFunctionSuggest', { name, suggestion: s }, text);
  if (what === 'table') return s === null ? said('check.unknownTable', { name }, text) : said('check.unknownTableSuggest', { name, suggestion: s }, text);
  return s === null ? said('check.unknownName', { name }, text) : said('check.unknownNameSuggest', { name, suggestion: s }, text);
}
