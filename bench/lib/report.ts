// What the suite records: one Figure per measured number, each with the
// baseline it was measured against in the same run, and a Markdown table.
import { ratio, sig } from './stats.js';

export interface Figure {
  stage: string;
  /** What was measured, e.g. "intake, acted: webhooks/s". */
  name: string;
  value: number;
  unit: string;
  /** The same quantity for the baseline, measured in this run; null when the figure has none of its own (see `baselineLabel`). */
  baseline: number | null;
  /** What the baseline is, e.g. "bare node:http 200". */
  baselineLabel: string;
  /** value / baseline (or as `ratioLabel` says); null without a baseline. */
  ratio: number | null;
  ratioLabel?: string;
  note?: string;
}

export interface StageResult {
  stage: string;
  seconds: number;
  figures: Figure[];
  /** Raw numbers behind the figures, for results.json. */
  details: Record<string, unknown>;
  /** Set when the stage failed; its figures may be partial. */
  error?: string;
  /** Lines printed after the table (e.g. query plans). */
  extra?: string[];
}

export function figure(
  stage: string,
  name: string,
  value: number,
  unit: string,
  baseline: number | null,
  baselineLabel: string,
  opts: { ratio?: number | null; ratioLabel?: string; note?: string } = {},
): Figure {
  const r = opts.ratio !== undefined ? opts.ratio : baseline === null ? null : ratio(value, baseline);
  return {
    stage,
    name,
    value: sig(value),
    unit,
    baseline: baseline === null ? null : sig(baseline),
    baselineLabel,
    ratio: r === null || Number.isNaN(r) ? null : sig(r, 3),
    ...(opts.ratioLabel ? { ratioLabel: opts.ratioLabel } : {}),
    ...(opts.note ? { note: opts.note } : {}),
  };
}

export function fmt(x: number | null, unit = ''): string {
  if (x === null || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  const s =
    a === 0 ? '0' : a >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : a >= 1000 ? Math.round(x).toLocaleString('en-US') : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : a >= 0.01 ? x.toFixed(3) : x.toPrecision(2);
  return unit ? `${s} ${unit}` : s;
}

function fmtRatio(f: Figure): string {
  if (f.ratio === null) return '–';
  const r = f.ratio;
  const s = r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.01 ? r.toFixed(2) : r.toPrecision(2);
  return `${s}×${f.ratioLabel ? ` (${f.ratioLabel})` : ''}`;
}

/** A Markdown table of every figure: paste-able into BENCHMARKS.md as it is. */
export function table(stages: StageResult[]): string {
  const rows: string[][] = [['stage', 'figure', 'value', 'baseline', 'ratio', 'baseline is']];
  for (const s of stages) {
    for (const f of s.figures) {
      rows.push([f.stage, f.name, fmt(f.value, f.unit), f.baseline === null ? '–' : fmt(f.baseline, f.unit), fmtRatio(f), f.baselineLabel]);
    }
    if (s.error) {
      const first = s.error.split('\n')[0] ?? '';
      rows.push([s.stage, `PROBLEM: ${first.length > 90 ? `${first.slice(0, 90)}… (see the notes)` : first}`, '', '', '', '']);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** The notes of every figure, the stages' extra lines and problems in full: printed under the table. */
export function notes(stages: StageResult[]): string {
  const out: string[] = [];
  for (const s of stages) {
    for (const f of s.figures) if (f.note) out.push(`- ${f.stage} / ${f.name}: ${f.note}`);
    for (const l of s.extra ?? []) out.push(`- ${s.stage}: ${l}`);
    if (s.error) out.push(`- ${s.stage} PROBLEM: ${s.error}`);
  }
  return out.join('\n');
}
