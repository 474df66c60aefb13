// A plan's reason and its field problems as `curation preview` prints them in
// the operator's language: the catalogue's `reason.*` and `problem.*` words,
// with fields and values under the curation's labels, as the console shows
// them (server/console/static/words.js does the same in the browser). A reason
// without words (none the catalogue knows) stays the plan's English sentence.
import type { Label } from '../curation/types.js';
import type { FieldProblem } from '../curation/plan-types.js';
import type { ReasonParam, ReasonWords } from '../curation/reason-words.js';
import type { Labels } from '../server/console/labels.js';
import type { WordValue } from '../words.js';
import type { Words } from './lang.js';

/** A label in the operator's language; the other language, else the key, when it has none. */
function pickLabel(label: Label | undefined, key: string, w: Words): string {
  if (typeof label === 'string') return label;
  if (label) return label[w.lang] ?? Object.values(label).find((v): v is string => typeof v === 'string') ?? key;
  return key;
}

/** A field problem as "체중 누락". */
export function problemText(p: Pick<FieldProblem, 'field' | 'problem'>, labels: Labels, w: Words): string {
  return w.t(`problem.${p.problem}`, { label: pickLabel(labels.fields[p.field], p.field, w) });
}

/** The reason in words when every part has them, else its English sentence. */
export function reasonText(english: string, words: readonly ReasonWords[] | undefined, labels: Labels, w: Words): string {
  if (!words || words.length === 0 || !words.every((r) => w.has(`reason.${r.code}`))) return english;
  return words.map((r) => w.t(`reason.${r.code}`, Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, param(k, v, labels, w)])))).join(' · ');
}

/** One param: keys under their labels (`problems` as `key:kind`), an event kind and a wait in words, the rest as it is. */
function param(name: string, v: ReasonParam, labels: Labels, w: Words): WordValue {
  // Keys and kinds are text; a sentence of the catalogue (a failure's detail) is worded by render().
  const key = typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  const keys = Array.isArray(v) ? (v as readonly string[]) : key === null ? [] : [key];
  switch (name) {
    case 'field':
      return key === null ? (v as WordValue) : pickLabel(labels.fields[key], key, w);
    case 'value':
      return key === null ? (v as WordValue) : pickLabel(labels.values[key], key, w);
    case 'fields':
      return keys.map((k) => pickLabel(labels.fields[k], k, w)).join(', ');
    case 'problems':
      return keys
        .map((s) => {
          const i = s.lastIndexOf(':');
          return problemText({ field: s.slice(0, i), problem: s.slice(i + 1) as FieldProblem['problem'] }, labels, w);
        })
        .join(', ');
    case 'event':
      return key !== null && w.has(`eventKind.${key}`) ? w.t(`eventKind.${key}`) : (v as WordValue);
    case 'waitMs':
      return durationText(Number(v), w);
    default:
      return Array.isArray(v) ? v.join(', ') : (v as WordValue);
  }
}

/** A duration as the console writes it (static/dom.js fmtDuration): two units, the second left out when it is zero (3분, 3분 20초). */
export function durationText(ms: number, w: Words): string {
  const two = (size: number, part: number, both: string, one: string): string => {
    const [a, b] = [Math.floor(ms / size), Math.round((ms % size) / part)];
    return b ? w.t(`duration.${both}`, { a, b }) : w.t(`duration.${one}`, { a });
  };
  if (Math.abs(ms) < 1000) return w.t('duration.ms', { n: Math.round(ms) });
  if (Math.abs(ms) < 60_000) return w.t('duration.s', { n: Number((ms / 1000).toFixed(1)) });
  if (Math.abs(ms) < 3_600_000) return two(60_000, 1000, 'minS', 'min');
  if (Math.abs(ms) < 86_400_000) return two(3_600_000, 60_000, 'hMin', 'h');
  return two(86_400_000, 3_600_000, 'dH', 'd');
}
