// A plan as a person reads it: what `curation preview` prints. It is derived
// from the Plan itself, so it shows exactly what would be sent.
import { viewAttachments, viewBlock } from './blocks/registry.js';
import { describeButton } from './buttons.js';
import type { Plan, Value } from './plan-types.js';
import { formatDuration } from './durations.js';

export { readable } from './blocks/spans.js';

export function describePlan(plan: Plan): string {
  const lines: string[] = [];
  const count = `${plan.messages.length} message${plan.messages.length === 1 ? '' : 's'}`;
  lines.push(`${plan.curationId}: ${plan.outcome} in ${plan.lang}, ${count}`);
  if (plan.reason) lines.push(`reason: ${plan.reason}`);
  for (const p of plan.problems) lines.push(`  problem: ${p.message}`);
  const names = Object.keys(plan.values);
  if (names.length > 0) {
    lines.push('', 'values:');
    const width = Math.max(...names.map((n) => n.length));
    for (const n of names) lines.push(`  ${n.padEnd(width)}  ${formatValue(plan.values[n] ?? null)}`);
  }
  let at = 0;
  for (const m of plan.messages) {
    at += m.delayMs;
    lines.push('', `#${m.seq + 1}  after ${formatDuration(m.delayMs)} (at ${formatDuration(at)})`);
    const parts = [...(m.body.blocks ?? []).map(viewBlock), ...viewAttachments(m.body)];
    for (const part of parts) lines.push(...part.describe().map((l) => `    ${l}`));
    for (const b of m.body.buttons ?? []) lines.push(`    ${describeButton(b)}`);
    if (m.body.options) lines.push(`    options: ${m.body.options.join(', ')}`);
  }
  if (plan.userEvent) {
    const props = Object.entries(plan.userEvent.property ?? {}).map(([k, v]) => `${k}: ${formatValue(v)}`);
    lines.push('', `once completed: user event ${plan.userEvent.name}${props.length > 0 ? ` {${props.join(', ')}}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatValue(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
