// Problems that do not stop a curation from loading (a value that may start a
// URL, say), kept beside the curation for `curation check` to print. Kept
// outside the Curation object, like its compiled internals, so that it stays
// plain data.
import type { CurationLoadError } from './load-errors.js';
import type { Curation } from './types.js';

const store = new WeakMap<Curation, readonly CurationLoadError[]>();

export function attachWarnings(c: Curation, warnings: readonly CurationLoadError[]): void {
  store.set(c, warnings);
}

/** Each as `file:line path` and a sentence, like a load error. */
export function warningsOf(c: Curation): readonly CurationLoadError[] {
  return store.get(c) ?? [];
}
