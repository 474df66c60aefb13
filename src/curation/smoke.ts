// A load-time dry run. Some mistakes only show once values exist: a table
// missing a band's category, a URL template that renders into something that
// is not a URL, a division that hits zero at the edge of a declared range.
// Every curation is planned at load with sample answers derived from its own
// contract (each option, each range end, each language), so those mistakes
// fail `curation check` instead of a customer's run.
//
// Its cost is the file's to decide (samples × languages × what a plan costs),
// so it is counted against the load budget before it starts, and it lets the
// event loop run between plans (load-budget.ts).
import { CurationFileError, type PathSegment } from './load-errors.js';
import type { CompiledField, ResolvedFields } from './profile.js';
import { internalsOf, type CompiledCuration, type CompiledMessage } from './internals.js';
import { computeValues, renderMessages, SequenceFailure } from './sequence.js';
import type { Curation } from './types.js';
import { formatUnits, LoadBudgetError, LoadMeter, UNIT_COSTS } from './load-budget.js';

const SAMPLE_NOW = Date.UTC(2025, 0, 15, 3, 0, 0);

interface Sample {
  label: string;
  /** The field this sample varies; null for the typical and the empty answer sets. */
  field: string | null;
  fields: ResolvedFields;
}

/**
 * `blame`: where a time-out is reported (the function module, whose work the
 * units cannot see, when there is one). Throws LoadBudgetError when the dry
 * run would cost more than the meter has left, or takes longer than its time.
 */
export async function smokeCheck(curation: Curation, meter = new LoadMeter(), blame: PathSegment[] = ['messages']): Promise<CurationFileError[]> {
  const inner = internalsOf(curation);
  const found = new Map<string, CurationFileError>();
  const record = (err: SequenceFailure, sample: Sample, lang: string) => {
    const key = err.path.join('/');
    if (found.has(key)) return;
    const label = sample.label === '' ? '' : ` for ${sample.label}`;
    found.set(key, new CurationFileError(err.path, `${err.message} (dry run with sample answers${label}, language ${lang})`));
  };
  const samples = samplesFor(inner.fields);
  chargeDryRun(curation, inner, samples, meter);
  const nobody: Sample = { label: 'no profile at all', field: null, fields: Object.fromEntries(inner.fields.map((f) => [f.name, f.type === 'list' ? [] : null])) };
  const doing = blame[0] === 'functions' ? 'while the dry run called its functions: one of them may be slow' : 'during the dry run';
  for (const lang of curation.languages) {
    const ctx = { lang, now: SAMPLE_NOW, runId: 'check' };
    for (const sample of samples) {
      await meter.pause(blame, doing);
      const failure = againIfOverLimit(() => {
        const { scope } = computeValues(inner, sample.fields, ctx);
        renderMessages(inner.messages, scope, ctx);
      });
      // A fail() the file wrote is the fallback it chose for such answers, not a mistake.
      if (failure && !failure.chosen) record(failure, sample, lang);
    }
    for (const sample of [samples[0], nobody]) {
      if (!sample) continue;
      await meter.pause(blame, doing);
      const scope = { ...inner.settings, ...sample.fields, now: SAMPLE_NOW, lang };
      for (const spec of [inner.fallback, inner.ask?.messages ?? [], inner.consentFallback ?? []]) {
        const failure = againIfOverLimit(() => renderMessages(spec, scope, ctx));
        if (failure) record(failure, sample, lang);
      }
    }
  }
  return [...found.values()];
}

/**
 * One dry plan; its failure, or null. A plan over its render limit is tried
 * once more before it counts: the time limit is wall-clock, and a stall of the
 * machine (a garbage collection, a busy CPU) does not repeat, while a template
 * that is slow, or too long, is so again. The second try is bounded like the first.
 */
function againIfOverLimit(dryPlan: () => void): SequenceFailure | null {
  for (let tries = 1; ; tries++) {
    try {
      dryPlan();
      return null;
    } catch (err) {
      if (!(err instanceof SequenceFailure)) throw err;
      if (!err.overLimit || tries === 2) return err;
    }
  }
}

/**
 * Charges what the dry run will cost: for each sample answer in each language,
 * every value and every node its templates render (the fallbacks for two
 * samples). A file over the budget is refused before any plan, at the place
 * that multiplies the cost most: the field with the most samples, or the
 * costliest message, whichever is the larger number.
 */
function chargeDryRun(curation: Curation, inner: CompiledCuration, samples: readonly Sample[], meter: LoadMeter): void {
  const languages = curation.languages.length;
  const sum = (ms: readonly CompiledMessage[]) => ms.reduce((n, m) => n + m.cost, 0);
  const perSample = languages * inner.values.length * UNIT_COSTS.value + sum(inner.messages);
  const fallbacks = sum(inner.fallback) + sum(inner.ask?.messages ?? []) + sum(inner.consentFallback ?? []);
  const total = samples.length * perSample + Math.min(samples.length, 1) * fallbacks + fallbacks;
  if (total <= meter.remaining) {
    meter.reserve(total, [], '');
    return;
  }
  const cost = `the dry run would cost ${formatUnits(total)} units of work, more than the ${formatUnits(meter.budget.units)} a curation file may use`;
  const perPlan = formatUnits(perSample / languages);
  const field = mostSampled(inner.fields, samples);
  const costliest = inner.messages.reduce<CompiledMessage | null>((a, m) => (a === null || m.cost > a.cost ? m : a), null);
  const messagePerLanguage = costliest === null ? 0 : costliest.cost / languages;
  if (field !== null && field.count >= messagePerLanguage) {
    throw new LoadBudgetError(
      ['fields', field.name],
      `${cost}: ${formatUnits(samples.length)} sample answers (${formatUnits(field.count)} from the options of this field) × ${languages} languages × ${perPlan} units a plan; give this field fewer options, use fewer languages, or make the messages cheaper (each template node costs 1 unit, once per time a loop around it repeats)`,
    );
  }
  throw new LoadBudgetError(
    costliest?.path ?? ['messages'],
    `${cost}: ${formatUnits(samples.length)} sample answers × ${languages} languages × ${perPlan} units a plan, ${formatUnits(messagePerLanguage)} of them for this message (each template node costs 1 unit, once per time a loop around it repeats); make it cheaper (shorter loops, fewer repeats of it), use fewer languages, or fewer options (each is a sample answer)`,
  );
}

/** The field whose options (or range ends) make the most of the samples, with how many. */
function mostSampled(fields: readonly CompiledField[], samples: readonly Sample[]): { name: string; count: number } | null {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const name = s.field;
    if (name !== null) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  let best: { name: string; count: number } | null = null;
  for (const f of fields) {
    const count = counts.get(f.name) ?? 0;
    if (count > 0 && (best === null || count > best.count)) best = { name: f.name, count };
  }
  return best;
}

/** A typical answer set (each field's `sample`, where it gives one), then one variation per option, per range end and per optional answer left out. */
function samplesFor(fields: readonly CompiledField[]): Sample[] {
  const base: ResolvedFields = {};
  for (const f of fields) base[f.name] = typical(f);
  const out: Sample[] = [{ label: '', field: null, fields: base }];
  const vary = (f: CompiledField, value: ResolvedFields[string], label: string) => out.push({ label: `${f.name} = ${label}`, field: f.name, fields: { ...base, [f.name]: value } });
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
        // A text its pattern refuses never reaches the values.
        if (f.regex === null) vary(f, 'A & <b>', 'a text with markup characters');
        break;
    }
    if (!f.required && f.type !== 'list') vary(f, null, 'left out');
  }
  return out;
}

function typical(f: CompiledField): ResolvedFields[string] {
  // The author's own sample: helpers and built-ins run on an answer as a customer gives it.
  if (f.sample !== undefined) return f.sample;
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
