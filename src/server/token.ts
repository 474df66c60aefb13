// Channel Talk webhooks carry no signature, only `?token=`. Compare digests so
// the comparison takes the same time whatever the guess, and so tokens of
// different lengths can be compared at all.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatches(given: unknown, accepted: readonly string[]): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const g = digest(given);
  // Check every accepted token (rotation keeps several), without early exit.
  let ok = false;
  for (const t of accepted) ok = timingSafeEqual(g, digest(t)) || ok;
  return ok;
}
