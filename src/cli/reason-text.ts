// A plan's reason and its field problems as `curation preview` prints them in
// the operator's language: the catalogue's `reason.*` and `problem.*` words,
// with fields and values under the curation's labels. The wording is the
// console's own (server/console/static/reason-words.js, loaded from the folder
// the console is served from, as messages.ts loads josa.js), given the CLI's
// catalogue. A reason without words (none the catalogue knows) stays the
// plan's English sentence.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FieldProblem } from '../curation/plan-types.js';
import type { ReasonWords } from '../curation/reason-words.js';
import type { Labels } from '../server/console/labels.js';
import { staticDir } from '../server/console/static.js';
import type { Words } from './lang.js';

type T = (key: string, params?: Record<string, unknown>) => string;
interface Wording {
  problemText(p: Pick<FieldProblem, 'field' | 'problem'>, labels: Labels): string;
  reasonText(words: readonly ReasonWords[] | undefined, english: string, labels: Labels): string;
}
interface SharedWording {
  reasonWording(w: { t: T; has: (key: string) => boolean; lang: string; duration: (ms: number) => string }): Wording;
  durationWording(t: T, number: (n: number, digits: number) => string): (ms: number) => string;
}

const shared = (await import(pathToFileURL(path.join(staticDir(), 'reason-words.js')).href)) as SharedWording;

const wordings = new WeakMap<Words, { wording: Wording; duration: (ms: number) => string }>();

/** The shared wording in `w`'s language, made once per catalogue. */
function wordingOf(w: Words): { wording: Wording; duration: (ms: number) => string } {
  let made = wordings.get(w);
  if (!made) {
    const t: T = (key, params) => w.t(key, params as Parameters<Words['t']>[1]);
    // Seconds as a person writes them: 1초, 2.5초 (not 1.0초).
    const duration = shared.durationWording(t, (n, digits) => String(Number(n.toFixed(digits))));
    made = { wording: shared.reasonWording({ t, has: (key) => w.has(key), lang: w.lang, duration }), duration };
    wordings.set(w, made);
  }
  return made;
}

/** A field problem as "체중 누락". */
export function problemText(p: Pick<FieldProblem, 'field' | 'problem'>, labels: Labels, w: Words): string {
  return wordingOf(w).wording.problemText(p, labels);
}

/** The reason in words when every part has them, else its English sentence. */
export function reasonText(english: string, words: readonly ReasonWords[] | undefined, labels: Labels, w: Words): string {
  return wordingOf(w).wording.reasonText(words, english, labels);
}

/** A duration as the console writes it: two units, the second left out when it is zero (3분, 3분 20초). */
export function durationText(ms: number, w: Words): string {
  return wordingOf(w).duration(ms);
}
