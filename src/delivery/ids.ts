// Deterministic ids: the same delivery always maps to the same event and run,
// and a planned message's requestId is `${runId}-${seq}`, so every retry of a
// send carries the same idempotency key.
import { createHash } from 'node:crypto';

const h = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

export const eventIdFor = (dedupeKey: string): string => `e_${h(dedupeKey)}`;
export const runIdFor = (curationId: string, dedupeKey: string): string => `r_${h(`${curationId}\n${dedupeKey}`)}`;
