// Reasons and problems the server stores as words (curation/reason-words.ts:
// a catalogue key and its params) in the operator's language, with fields and
// values under the curation's labels. A row older than the words has only
// its English sentence: shown as it is.
import { has, lang, t } from './i18n.js';
import { fmtDuration } from './dom.js';
import { reasonWording } from './reason-words.js';

// The wording itself is reason-words.js's, shared with `curation preview` (src/cli/reason-text.ts).
export const { pickLabel, fieldLabel, valueLabel, problemText, eventKindText, reasonText } = reasonWording({ t, has, lang, duration: fmtDuration });

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

