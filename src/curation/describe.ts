// A plan as a person reads it: what `curation preview` prints. It is derived
// from the Plan itself, so it shows exactly what would be sent.
import { viewAttachments, viewBlock } from './blocks/registry.js';
import { describeButton } from './buttons.js';
import type { FieldProblem, Plan, Value } from './plan-types.js';
import type { ReasonWords } from './reason-words.js';
import { formatDuration } from './durations.js';
import type { MessageBody } from '../channeltalk/wire.js';

export { readable } from './blocks/spans.js';

/** The framing words of a described plan; `curation preview` gives them in the operator's language. */
export interface PlanFrame {
  head(p: { id: string; outcome: Plan['outcome']; lang: string; count: number }): string;
  /** The plan's reason: its English sentence, and the same as catalogue words. */
  reason(reason: string, words: readonly ReasonWords[] | undefined): string;
  problem(p: FieldProblem): string;
  /** A message's wait and its moment from the start. */
  duration(ms: number): string;
  values: string;
  message(p: { n: number; after: string; at: string }): string;
  options(list: string): string;
  userEvent(event: string): string;
}

export const ENGLISH_FRAME: PlanFrame = {
  head: ({ id, outcome, lang, count }) => `${id}: ${outcome} in ${lang}, ${count} message${count === 1 ? '' : 's'}`,
  reason: (reason) => `reason: ${reason}`,
  problem: (p) => `problem: ${p.message}`,
  duration: formatDuration,
  values: 'values:',
  message: ({ n, after, at }) => `#${n}  after ${after} (at ${at})`,
  options: (list) => `options: ${list}`,
  userEvent: (event) => `once completed: user event ${event}`,
};

export function describePlan(plan: Plan, frame: PlanFrame = ENGLISH_FRAME): string {
  const lines: string[] = [];
  lines.push(frame.head({ id: plan.curationId, outcome: plan.outcome, lang: plan.lang, count: plan.messages.length }));
  if (plan.reason) lines.push(frame.reason(plan.reason, plan.reasonWords));
  for (const p of plan.problems) lines.push(`  ${frame.problem(p)}`);
  const names = Object.keys(plan.values);
  if (names.length > 0) {
    lines.push('', frame.values);
    const width = Math.max(...names.map((n) => n.length));
    for (const n of names) lines.push(`  ${n.padEnd(width)}  ${formatValue(plan.values[n] ?? null)}`);
  }
  let at = 0;
  for (const m of plan.messages) {
    at += m.delayMs;
    lines.push('', frame.message({ n: m.seq + 1, after: frame.duration(m.delayMs), at: frame.duration(at) }));
    lines.push(...describeMessage(m.body).map((l) => `    ${l}`));
    if (m.body.options) lines.push(`    ${frame.options(m.body.options.join(', '))}`);
  }
  if (plan.userEvent) {
    const props = Object.entries(plan.userEvent.property ?? {}).map(([k, v]) => `${k}: ${formatValue(v)}`);
    lines.push('', frame.userEvent(`${plan.userEvent.name}${props.length > 0 ? ` {${props.join(', ')}}` : ''}`));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * One message as the customer sees it, line by line: markup as **bold** and
 * _italic_, bullets, files, a link preview, a form's inputs, then the buttons
 * with where they lead. Its options (silent, …) are not shown: the customer
 * does not see them. Golden tests compare these lines.
 */
export function describeMessage(body: MessageBody): string[] {
  const parts = [...(body.blocks ?? []).map(viewBlock), ...viewAttachments(body)];
  return [...parts.flatMap((part) => part.describe()), ...(body.buttons ?? []).map(describeButton)];
}

function formatValue(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
