// A plan as a person reads it: what `curation preview` prints. It is derived
// from the Plan itself, so it shows exactly what would be sent.
import type { Block } from '../channeltalk/wire.js';
import type { Plan, Value } from './plan-types.js';
import { formatDuration } from './durations.js';

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
    for (const b of m.body.blocks ?? []) lines.push(...describeBlock(b));
    for (const b of m.body.buttons ?? []) lines.push(`    [ ${b.title} ] → ${b.action.attributes.url}${b.colorVariant ? ` (${b.colorVariant})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function describeBlock(b: Block): string[] {
  const indent = (s: string, first: string, rest: string) => s.split('\n').map((l, i) => `${i === 0 ? first : rest}${l}`);
  if (b.type === 'text') return indent(readable(b.value), '    ', '    ');
  if (b.type === 'code') return ['    ```', ...indent(b.value, '    ', '    '), '    ```'];
  return b.blocks.flatMap((item) => indent(readable(item.value), '    • ', '      '));
}

/** Channel Talk markup as plain text: **bold**, _italic_, label (url). */
export function readable(markup: string): string {
  return markup
    .replace(/<link type="url" value="([^"]*)">(.*?)<\/link>/g, '$2 ($1)')
    .replace(/<link type="url">(.*?)<\/link>/g, '$1')
    .replace(/<\/?b>/g, '**')
    .replace(/<\/?i>/g, '_')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function formatValue(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
