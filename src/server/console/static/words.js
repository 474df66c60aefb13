// Reasons and problems the server stores as words (curation/reason-words.ts:
// a catalogue key and its params) in the operator's language, with fields and
// values under the curation's labels. A row older than the words has only
// its English sentence: shown as it is.
import { has, lang, t } from './i18n.js';
import { fmtDuration } from './dom.js';

const NO_LABELS = { fields: {}, values: {} };

/** A label (a text, or {ko, en}) in the operator's language; the other language, else the key, when it has none. */
export function pickLabel(label, key) {
  if (typeof label === 'string') return label;
  if (label && typeof label === 'object') return label[lang] ?? Object.values(label).find((v) => typeof v === 'string') ?? key;
  return key;
}

export const fieldLabel = (labels, key) => pickLabel((labels ?? NO_LABELS).fields?.[key], key);
export const valueLabel = (labels, name) => pickLabel((labels ?? NO_LABELS).values?.[name], name);

/** A field problem ({field, problem}) as "체중 누락". */
export function problemText(p, labels) {
  return t(`problem.${p.problem}`, { label: fieldLabel(labels, p.field) });
}

/** One param: keys under their labels (`field`, `value`, `fields`, `problems` as `key:kind`), an event kind in words, the rest as it is. */
function param(name, v, labels) {
  switch (name) {
    case 'field':
      return fieldLabel(labels, String(v));
    case 'value':
      return valueLabel(labels, String(v));
    case 'fields':
      return (Array.isArray(v) ? v : [v]).map((k) => fieldLabel(labels, String(k))).join(', ');
    case 'problems':
      return (Array.isArray(v) ? v : [v])
        .map((s) => {
          const i = String(s).lastIndexOf(':');
          return problemText({ field: String(s).slice(0, i), problem: String(s).slice(i + 1) }, labels);
        })
        .join(', ');
    case 'event':
      return eventKindText(String(v));
    case 'waitMs':
      return fmtDuration(Number(v));
    default:
      // A failure's detail may be a sentence of the catalogue itself ({code, params}): t() words it.
      return Array.isArray(v) ? v.join(', ') : v;
  }
}

/** A stored reason: its words when it has them, else the English the server wrote (older rows), else null. */
export function reasonText(words, english, labels) {
  if (!Array.isArray(words) || words.length === 0 || !words.every((w) => has(`reason.${w.code}`))) return english ?? null;
  return words.map((w) => t(`reason.${w.code}`, Object.fromEntries(Object.entries(w.params ?? {}).map(([k, v]) => [k, param(k, v, labels)])))).join(' · ');
}

/** The labels of a curation as GET /curations lists it (the live version: the runs list words its reasons with these). */
export function labelsOfView(c) {
  const fields = {};
  for (const f of c?.fields ?? []) {
    if (f.label === null || f.label === undefined) continue;
    fields[f.key] = f.label;
    fields[f.name] = f.label;
  }
  return { fields, values: { ...(c?.valueLabels ?? {}) } };
}

/** A language code in words where the console has them (ko, en), else the code. */
export const languageName = (code) => (code && has(`language.${code}`) ? t(`language.${code}`) : code);

/** An event's kind in words (chatOpened → 상담 시작). */
export const eventKindText = (kind) => (has(`eventKind.${kind}`) ? t(`eventKind.${kind}`) : kind);
