// Durations in curation files are written the way people say them: `2s`,
// `40ms`, `24h`, `1h30m`. Bare numbers are refused because `2000` and `2`
// are both plausible readings of "two seconds".

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+)$';
const WHOLE = new RegExp(DURATION_PATTERN);
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g;

/** Milliseconds, or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!WHOLE.test(t)) return null;
  if (t === '0') return 0;
  let total = 0;
  for (const m of t.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  return Number.isFinite(total) ? Math.round(total) : null;
}

/** `2000` → `2s`, `1500` → `1.5s`, `90000` → `1m30s`: for previews and messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${Number((rest / 1000).toFixed(2))}s`);
  return parts.join('');
}
