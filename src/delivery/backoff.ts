// Exponential backoff with "full jitter": spreads retries of many messages
// over the window instead of having them hit a recovering API at once.
const BASE_MS = 500;
const MAX_MS = 60_000;

export function backoffMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
