// Channel Talk webhooks carry no signature, only `?token=`. Compare digests so
// the comparison takes the same time whatever the guess, and so tokens of
// different lengths can be compared at all.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The digest of a presented token, or null when nothing usable was presented. */
export function presentedDigest(given: unknown): Buffer | null {
  return typeof given !== 'string' || given.length === 0 ? null : digest(given);
}

/**
 * A set of accepted tokens, hashed once (a webhook's check then hashes only
 * the presented token). Every accepted token is compared, without early exit.
 */
export class AcceptedTokens {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  matches(given: unknown): boolean {
    return this.matchesDigest(presentedDigest(given));
  }

  /** For a check against several sets: the presented token's digest, from presentedDigest(). */
  matchesDigest(g: Buffer | null): boolean {
    if (g === null) return false;
    let ok = false;
    for (const d of this.digests) ok = timingSafeEqual(g, d) || ok;
    return ok;
  }
}

export function tokenMatches(given: unknown, accepted: readonly string[]): boolean {
  return new AcceptedTokens(accepted).matches(given);
}
