// Golden tests: cases a curation carries (`tests:`), each a profile and what
// plan() must make of it. runGoldenTests() is pure and synchronous (no I/O,
// no clock): `curation check`, npm test and, later, Publish call it. A diff
// quotes the case's own answers and values, written by the author, never a
// customer's; still, it belongs on the operator's screen, not in a log line.
import { describeMessage } from './describe.js';
import { formatValue, mismatchLines, whereTheyPart, type GoldenLine, type GoldenMismatch } from './golden-words.js';
import { plan } from './plan.js';
import type { FieldProblem, Plan, PlanOutcome, Value } from './plan-types.js';
import type { Curation } from './types.js';

/** The moment of a case without `now`: fixed, so that a case never depends on the day it runs. */
export const DEFAULT_GOLDEN_NOW = Date.UTC(2025, 0, 1);

export interface GoldenExpect {
  outcome?: PlanOutcome;
  values?: Record<string, Value>;
  /** Visible texts (visibleText()), in order. */
  messages?: string[];
  /** Profile key → problem kind. */
  problems?: Record<string, FieldProblem['problem']>;
}

export interface GoldenCase {
  name: string;
  /** Where it is in the file: `tests[index]`, at `line`. */
  index: number;
  line: number | null;
  /** Epoch ms. */
  now: number;
  lang: string | null;
  profile: Record<string, unknown>;
  expect: GoldenExpect;
}

export type { GoldenMismatch } from './golden-words.js';

export interface GoldenCaseResult {
  name: string;
  index: number;
  line: number | null;
  passed: boolean;
  mismatches: GoldenMismatch[];
  /** The mismatches as lines a person reads: expected against actual. */
  diff: string[];
  /** The same lines as catalogue keys (golden-words.ts), for the console in the operator's language. */
  lines: GoldenLine[];
}

/** What Publish needs: a failing case (failed > 0) blocks it unless the operator gives a reason. */
export interface GoldenReport {
  curationId: string;
  file: string;
  total: number;
  passed: number;
  failed: number;
  cases: GoldenCaseResult[];
}

const store = new WeakMap<Curation, readonly GoldenCase[]>();

export function attachGoldenTests(c: Curation, cases: readonly GoldenCase[]): void {
  store.set(c, cases);
}

export function goldenTestsOf(c: Curation): readonly GoldenCase[] {
  return store.get(c) ?? [];
}

/**
 * Plans every case of the curation with the same plan() as the service (no
 * event: the case's profile and language; its `now`) and compares what the
 * case expects. Bounded: at most MAX_GOLDEN_CASES plans, each under plan()'s
 * own render limits.
 */
export function runGoldenTests(curation: Curation): GoldenReport {
  const cases = goldenTestsOf(curation).map((c) => runCase(curation, c));
  const failed = cases.filter((c) => !c.passed).length;
  return { curationId: curation.id, file: curation.file, total: cases.length, passed: cases.length - failed, failed, cases };
}

function runCase(curation: Curation, c: GoldenCase): GoldenCaseResult {
  const p = plan(curation, null, c.profile, { runId: `golden-${c.index}`, now: c.now, ...(c.lang !== null ? { lang: c.lang } : {}) });
  const mismatches = compare(c.expect, p);
  return { name: c.name, index: c.index, line: c.line, passed: mismatches.length === 0, mismatches, diff: mismatches.flatMap((m) => describeMismatch(m, p)), lines: mismatches.flatMap((m) => mismatchLines(m, p)) };
}

/** Each message as the customer sees it (describeMessage, what `curation preview` prints), one text per message. */
export function visibleTexts(p: Plan): string[] {
  return p.messages.map((m) => describeMessage(m.body).join('\n'));
}

function compare(expect: GoldenExpect, p: Plan): GoldenMismatch[] {
  const out: GoldenMismatch[] = [];
  if (expect.outcome !== undefined && expect.outcome !== p.outcome) out.push({ kind: 'outcome', expected: expect.outcome, actual: p.outcome, reason: p.reason });
  for (const [name, expected] of Object.entries(expect.values ?? {})) {
    const actual = Object.hasOwn(p.values, name) ? p.values[name] : undefined;
    if (actual === undefined || !sameValue(expected, actual)) out.push({ kind: 'value', name, expected, actual });
  }
  if (expect.problems !== undefined) {
    const actual = Object.fromEntries(p.problems.map((f) => [f.field, f.problem]));
    if (!sameProblems(expect.problems, actual)) out.push({ kind: 'problems', expected: { ...expect.problems }, actual });
  }
  if (expect.messages !== undefined) {
    const texts = visibleTexts(p);
    if (texts.length !== expect.messages.length) out.push({ kind: 'messageCount', expected: expect.messages.length, actual: texts.length });
    for (let i = 0; i < Math.max(texts.length, expect.messages.length); i++) {
      const expected = expect.messages[i] ?? null;
      const actual = texts[i] ?? null;
      if (expected !== actual) out.push({ kind: 'message', index: i, expected, actual });
    }
  }
  return out;
}

/** Exactly: 1712 is not 1712.5, "9000" is not 9000; lists item by item. */
function sameValue(a: Value, b: Value): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i] ?? null));
  return a === b;
}

function sameProblems(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function describeMismatch(m: GoldenMismatch, p: Plan): string[] {
  switch (m.kind) {
    case 'outcome':
      return [`outcome: expected ${m.expected}, got ${m.actual}${m.reason ? ` (${m.reason})` : ''}`];
    case 'value':
      return [
        m.actual === undefined
          ? `values.${m.name}: expected ${formatValue(m.expected)}, got nothing (${p.outcome === 'sequence' ? 'the plan has no such value' : `the plan is ${p.outcome}: values are computed only for a sequence`})`
          : `values.${m.name}: expected ${formatValue(m.expected)}, got ${formatValue(m.actual)}`,
      ];
    case 'problems':
      return [`problems: expected ${formatProblems(m.expected)}; got ${formatProblems(m.actual)}`];
    case 'messageCount':
      return [`messages: expected ${m.expected}, got ${m.actual}`];
    case 'message':
      return describeMessageMismatch(m.index, m.expected, m.actual);
    default: {
      const _never: never = m;
      throw new Error(`unknown mismatch ${JSON.stringify(_never)}`);
    }
  }
}

function describeMessageMismatch(index: number, expected: string | null, actual: string | null): string[] {
  const block = (label: string, text: string) => [`  ${label}:`, ...text.split('\n').map((l) => `    ${l}`)];
  const n = `message #${index + 1}`;
  if (actual === null) return [`${n} is expected but was not sent:`, ...block('expected', expected ?? '')];
  if (expected === null) return [`${n} was sent but is not expected:`, ...block('actual', actual)];
  const at = whereTheyPart(expected, actual);
  return [`${n} differs at line ${at.line}, column ${at.column}:`, ...block('expected', expected), ...block('actual', actual)];
}

function formatProblems(p: Record<string, string>): string {
  const entries = Object.entries(p);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}
