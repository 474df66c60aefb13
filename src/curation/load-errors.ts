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
  constructor(
    readonly path: readonly PathSegment[],
    message: string,
    /** Extra lines below the line of `path` (e.g. inside a block scalar). */
    readonly lineOffset = 0,
  ) {
    super(message);
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
