// A load-time dry run. Some mistakes only show once values exist: a table
// missing a band's category, a URL template that renders into something that
// is not a URL, a division that hits zero at the edge of a declared range.
// Every curation is planned at load with sample answers derived from its own
// contract (each option, each range end, each language), so those mistakes
// fail `curation check` instead of a customer's run.
import { CurationFileError } from './load-errors.js';
import type { CompiledField, ResolvedFields } from './profile.js';
import { internalsOf } from './internals.js';
import { computeValues, renderMessages, SequenceFailure } from './sequence.js';
import type { Curation } from './types.js';

const SAMPLE_NOW = Date.UTC(2025, 0, 15, 3, 0, 0);

interface Sample {
  label: string;
  fields: ResolvedFields;
}

export function smokeCheck(curation: Curation): CurationFileError[] {
  const inner = internalsOf(curation);
  const found = new Map<string, CurationFileError>();
  const record = (err: SequenceFailure, sample: Sample, lang: string) => {
    const key = err.path.join('/');
    if (found.has(key)) return;
    const label = sample.label === '' ? '' : ` for ${sample.label}`;
    found.set(key, new CurationFileError(err.path, `${err.message} (dry run with sample answers${label}, language ${lang})`));
  };
  const samples = samplesFor(inner.fields);
  const nobody: Sample = { label: 'no profile at all', fields: Object.fromEntries(inner.fields.map((f) => [f.name, f.type === 'list' ? [] : null])) };
  for (const lang of curation.languages) {
    const ctx = { lang, now: SAMPLE_NOW, runId: 'check' };
    for (const sample of samples) {
      try {
        const { scope } = computeValues(inner, sample.fields, ctx);
        renderMessages(inner.messages, scope, ctx);
      } catch (err) {
        if (!(err instanceof SequenceFailure)) throw err;
        record(err, sample, lang);
      }
    }
    for (const sample of [samples[0], nobody]) {
      if (!sample) continue;
      const scope = { ...inner.settings, ...sample.fields, now: SAMPLE_NOW, lang };
      for (const spec of [inner.fallback, inner.ask?.messages ?? [], inner.consentFallback ?? []]) {
        try {
          renderMessages(spec, scope, ctx);
        } catch (err) {
          if (!(err instanceof SequenceFailure)) throw err;
          record(err, sample, lang);
        }
      }
    }
  }
  return [...found.values()];
}

/** A typical answer set, then one variation per option, per range end and per optional answer left out. */
function samplesFor(fields: readonly CompiledField[]): Sample[] {
  const base: ResolvedFields = {};
  for (const f of fields) base[f.name] = typical(f);
  const out: Sample[] = [{ label: '', fields: base }];
  const vary = (f: CompiledField, value: ResolvedFields[string], label: string) => out.push({ label: `${f.name} = ${label}`, fields: { ...base, [f.name]: value } });
  for (const f of fields) {
    switch (f.type) {
      case 'number':
        if (f.min !== null) vary(f, f.min, `${f.min} (its min)`);
        if (f.max !== null) vary(f, f.max, `${f.max} (its max)`);
        break;
      case 'option':
        for (const o of f.options) vary(f, o.key, `'${o.key}'`);
        if (f.otherwise !== null) vary(f, f.otherwise, `'${f.otherwise}' (otherwise)`);
        break;
      case 'list':
        for (const o of f.options) vary(f, [o.key], `['${o.key}']`);
        vary(f, f.options.map((o) => o.key), 'every option');
        break;
      case 'boolean':
        if (!f.consent) vary(f, false, 'false');
        break;
      case 'text':
        vary(f, 'A & <b>', 'a text with markup characters');
        break;
    }
    if (!f.required && f.type !== 'list') vary(f, null, 'left out');
  }
  return out;
}

function typical(f: CompiledField): ResolvedFields[string] {
  switch (f.type) {
    case 'number':
      if (f.min !== null && f.max !== null) return Math.round((f.min + f.max) / 2);
      return f.min ?? f.max ?? 1;
    case 'text':
      return 'Sample';
    case 'boolean':
      return true;
    case 'option':
      return f.options[0]?.key ?? f.otherwise;
    case 'list':
      return [];
  }
}
