// What the console calls a curation's fields and values: their labels
// (`label:`, a text or one per console language), by the keys reasons and
// problems name them with (a field's profile key and its name; a value's
// name). The console picks the operator's language and falls back to the key.
import type { Curation, Label } from '../../curation/types.js';

export interface Labels {
  fields: Record<string, Label>;
  values: Record<string, Label>;
}

export function labelsOf(c: Curation | undefined): Labels {
  const fields: Record<string, Label> = {};
  for (const f of c?.fields ?? []) {
    if (f.label === null) continue;
    fields[f.key] = f.label;
    fields[f.name] = f.label;
  }
  return { fields, values: { ...(c?.valueLabels ?? {}) } };
}
