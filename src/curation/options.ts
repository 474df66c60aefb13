// Survey labels are matched the forgiving way a person reads them: case,
// full-width letters, spacing and a trailing "?" do not matter (the original
// shop spelled "5kg" in one place and "5Kg" in another). The option key itself
// is accepted too, so a profile written by another tool can say `lose5plus`.
import { CurationFileError, said } from './load-errors.js';
import { normalizeLabel } from './normalize.js';
import type { FieldSpec } from './types.js';

export interface OptionMatcher {
  byLabel: Map<string, string>;
  otherwise: string | null;
  /**
   * Each label and key as written in the file, with what matchOption gives
   * for it: most answers are a label exactly as the survey offered it, and
   * normalizing them again on every plan() was a tenth of its time.
   */
  asWritten: Map<string, string | null>;
}

export function buildOptionMatcher(field: FieldSpec): OptionMatcher {
  const byLabel = new Map<string, string>();
  const add = (label: string, key: string, isKey: boolean) => {
    const norm = normalizeLabel(label);
    if (norm === '') {
      if (isKey) return;
      throw new CurationFileError(['fields', field.name, 'options', key], said('check.emptyLabel', {}, 'has an empty label'));
    }
    const other = byLabel.get(norm);
    if (other !== undefined && other !== key) {
      if (isKey) return; // a label wins over another option's key
      throw new CurationFileError(
        ['fields', field.name, 'options', key],
        said('check.labelClash', { label, other }, `the label '${label}' reads the same as a label of option '${other}' (case, width, spacing and a trailing '?' are ignored)`),
      );
    }
    byLabel.set(norm, key);
  };
  for (const opt of field.options) for (const label of opt.labels) add(label, opt.key, false);
  for (const opt of field.options) add(opt.key, opt.key, true);
  if (field.otherwise !== null) add(field.otherwise, field.otherwise, true);
  const matcher: OptionMatcher = { byLabel, otherwise: field.otherwise, asWritten: new Map() };
  const written = [...field.options.flatMap((o) => [...o.labels, o.key]), ...(field.otherwise === null ? [] : [field.otherwise])];
  for (const w of written) matcher.asWritten.set(w, matchByLabel(matcher, w));
  return matcher;
}

/** The option key for a survey answer, or null when it is none of them and there is no `otherwise`. */
export function matchOption(m: OptionMatcher, answer: string): string | null {
  const known = m.asWritten.get(answer);
  return known !== undefined ? known : matchByLabel(m, answer);
}

function matchByLabel(m: OptionMatcher, answer: string): string | null {
  return m.byLabel.get(normalizeLabel(answer)) ?? m.otherwise;
}
