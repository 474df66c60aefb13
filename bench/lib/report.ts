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
  /** Issue 21's target for this figure, when it has one: a row of the "Issue 21 targets" table. */
  target?: Target;
  /** The least this figure could be on this machine, measured in this run (see `Floor`). */
  floor?: Floor;
}

/**
 * A target of issue 21's table (bench/lib/targets.ts lists them): `id`, the
 * stage that measures it and the issue's words for it. `on: 'value'` compares
 * the figure's value (e.g. "≤ 0.07 ms"), `on: 'ratio'` its ratio to the
 * baseline (e.g. "≥ 0.5× bare"). `op: 'report'` is a figure the issue asks to
 * see without a number to reach (e.g. the sustained rate).
 */
export type Target = { id: string; stage: string; figure: string } & ({ op: '<=' | '>='; limit: number; on: 'value' | 'ratio' } | { op: 'report' });

/** What the figure is measured against for its target: a value measured in the same run, and what it is. */
export interface Floor {
  value: number;
  unit: string;
  label: string;
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
  opts: { ratio?: number | null; ratioLabel?: string; note?: string; target?: Target; floor?: Floor } = {},
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
    ...(opts.target ? { target: opts.target } : {}),
    ...(opts.floor ? { floor: { ...opts.floor, value: sig(opts.floor.value) } } : {}),
  };
}

export function fmt(x: number | null, unit = ''): string {
  if (x === null || Number.isNaN(x)) return '–';
  const a = Math.abs(x);
  const s =
    a === 0 ? '0' : a >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : a >= 1000 ? Math.round(x).toLocaleString('en-US') : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : a >= 0.01 ? x.toFixed(3) : x.toPrecision(2);
  return unit ? `${s} ${unit}` : s;
}

function ratioText(r: number): string {
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.01 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

function fmtRatio(f: Figure): string {
  if (f.ratio === null) return '–';
  return `${ratioText(f.ratio)}${f.ratioLabel ? ` (${f.ratioLabel})` : ''}`;
}

/** Rows under a header as a Markdown table, each column as wide as its widest cell. */
function markdown(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
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
  return markdown(rows);
}

/** A target in words: "≤ 0.07 ms", "≥ 0.5× bare node:http 200", "reported". */
export function targetText(f: Pick<Figure, 'target' | 'unit' | 'baselineLabel'>): string {
  const t = f.target;
  if (!t) return '–';
  switch (t.op) {
    case 'report':
      return 'reported';
    case '<=':
    case '>=': {
      const op = t.op === '<=' ? '≤' : '≥';
      return t.on === 'value' ? `${op} ${fmt(t.limit, f.unit)}` : `${op} ${t.limit}×${f.baselineLabel ? ` ${f.baselineLabel}` : ''}`;
    }
  }
}

/** Whether the figure meets its target: "met", "MISSED", "reported" (nothing to reach) or "not measured". */
export function verdict(f: Figure): string {
  const t = f.target;
  if (!t) return '–';
  switch (t.op) {
    case 'report':
      return Number.isFinite(f.value) ? 'reported' : 'not measured';
    case '<=':
    case '>=': {
      const x = t.on === 'value' ? f.value : f.ratio;
      if (x === null || !Number.isFinite(x)) return 'not measured';
      return (t.op === '<=' ? x <= t.limit : x >= t.limit) ? 'met' : 'MISSED';
    }
  }
}

/** The figure's value as the target reads it: the value, or the ratio beside it when the target is on the ratio. */
function targetValue(f: Figure): string {
  const v = fmt(f.value, f.unit);
  return f.target && f.target.op !== 'report' && f.target.on === 'ratio' ? `${v} (${f.ratio === null ? '–' : ratioText(f.ratio)})` : v;
}

/**
 * One row per expected target, in its order (issue 21's table), then any other
 * figure that carries a target: value, target, floor measured this run, met
 * or not. A target no figure answered is "not measured".
 */
export function targetTable(stages: StageResult[], expected: readonly Target[]): string {
  const measured = stages.flatMap((s) => s.figures.filter((f) => f.target !== undefined));
  const rows: string[][] = [['figure', 'value', 'target', 'floor (measured)', 'met?']];
  for (const t of expected) {
    const f = measured.find((m) => m.target?.id === t.id);
    if (f) rows.push(targetRow(f));
    else rows.push([t.figure, '–', targetText({ target: t, unit: '', baselineLabel: '' }), '–', `not measured (stage ${t.stage})`]);
  }
  for (const f of measured) if (!expected.some((t) => t.id === f.target?.id)) rows.push(targetRow(f));
  return markdown(rows);
}

function targetRow(f: Figure): string[] {
  const floor = f.floor ? `${fmt(f.floor.value, f.floor.unit)} (${f.floor.label})` : '–';
  return [f.target?.figure ?? f.name, targetValue(f), targetText(f), floor, verdict(f)];
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
