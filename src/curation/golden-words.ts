// A golden case's mismatches as the console shows them: each line of
// golden.ts's diff as a catalogue key (`golden.*`) and its values, with its
// indent, so the publish panel words them in the operator's language. The
// English of these keys is the diff `curation check` prints (a test holds
// the two together). Texts, values and names are the case's own, and stay
// as written.
import { words, type Words } from '../words.js';
import type { Plan, PlanOutcome, Value } from './plan-types.js';

/** How a case differs from its plan (golden.ts compares; here, because the words of each kind are kept beside it). */
export type GoldenMismatch =
  | { kind: 'outcome'; expected: PlanOutcome; actual: PlanOutcome; reason: string | null }
  | { kind: 'value'; name: string; expected: Value; actual: Value | undefined }
  | { kind: 'messageCount'; expected: number; actual: number }
  /** null: no such message on that side. */
  | { kind: 'message'; index: number; expected: string | null; actual: string | null }
  | { kind: 'problems'; expected: Record<string, string>; actual: Record<string, string> };

export interface GoldenLine {
  /** Spaces before it: 0 for a mismatch, 2 for a side's label, 4 for a line of its text. */
  indent: 0 | 2 | 4;
  words: Words;
}

const line = (w: Words, indent: GoldenLine['indent'] = 0): GoldenLine => ({ indent, words: w });
const outcome = (o: string): Words[] => [words(`state.${o}`)];

export function mismatchLines(m: GoldenMismatch, p: Plan): GoldenLine[] {
  switch (m.kind) {
    case 'outcome':
      return [line(m.reason ? words('golden.outcomeReason', { expected: outcome(m.expected), actual: outcome(m.actual), reason: m.reason }) : words('golden.outcome', { expected: outcome(m.expected), actual: outcome(m.actual) }))];
    case 'value':
      if (m.actual !== undefined) return [line(words('golden.value', { name: m.name, expected: formatValue(m.expected), actual: formatValue(m.actual) }))];
      return [
        line(
          p.outcome === 'sequence'
            ? words('golden.valueNoSuch', { name: m.name, expected: formatValue(m.expected) })
            : words('golden.valueNotComputed', { name: m.name, expected: formatValue(m.expected), outcome: outcome(p.outcome) }),
        ),
      ];
    case 'problems':
      return [line(words('golden.problems', { expected: problems(m.expected), actual: problems(m.actual) }))];
    case 'messageCount':
      return [line(words('golden.messageCount', { expected: m.expected, actual: m.actual }))];
    case 'message':
      return messageLines(m.index + 1, m.expected, m.actual);
    default: {
      const _never: never = m;
      throw new Error(`unknown mismatch ${JSON.stringify(_never)}`);
    }
  }
}

function messageLines(n: number, expected: string | null, actual: string | null): GoldenLine[] {
  const block = (label: Words, text: string) => [line(label, 2), ...text.split('\n').map((l) => line(words('golden.text', { text: l }), 4))];
  if (actual === null) return [line(words('golden.messageNotSent', { n })), ...block(words('golden.expected'), expected ?? '')];
  if (expected === null) return [line(words('golden.messageNotExpected', { n })), ...block(words('golden.actual'), actual)];
  const at = whereTheyPart(expected, actual);
  return [line(words('golden.messageDiffers', { n, line: at.line, column: at.column })), ...block(words('golden.expected'), expected), ...block(words('golden.actual'), actual)];
}

const problems = (p: Record<string, string>): Words[] => {
  const entries = Object.entries(p);
  return entries.length === 0 ? [words('golden.none')] : entries.map(([field, problem]) => words('golden.problem', { field, problem }));
};

/** Line and column of the first character that differs (columns count characters as a person does, not UTF-16 units). */
export function whereTheyPart(a: string, b: string): { line: number; column: number } {
  const x = [...a];
  const y = [...b];
  let line = 1;
  let column = 1;
  for (let i = 0; i < Math.min(x.length, y.length) && x[i] === y[i]; i++) {
    if (x[i] === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

export function formatValue(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
