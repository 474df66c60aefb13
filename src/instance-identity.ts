// Who this instance is, across restarts: the name its job claims carry
// (jobs.locked_by) and its attempts record. host:pid changed at every start,
// so a restarted instance never knew the claims it had left and its chats
// waited out the whole lease. The name is INSTANCE_ID when configured, else
// the host name and a random seed kept in STATE_DIR (`instance-id`), made
// once. Two processes that would share it are kept apart by the store
// (store/instance-lock.ts), which may add a slot number.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';

const SEED_FILE = 'instance-id';
const SEED = /^[0-9a-f]{8,32}$/;

/** The seed kept in `stateDir`, made on first use; null when the directory cannot be read or written. */
export function persistedSeed(stateDir: string): string | null {
  const file = path.join(stateDir, SEED_FILE);
  try {
    mkdirSync(stateDir, { recursive: true });
    for (let tries = 0; tries < 2; tries++) {
      const found = readSeed(file);
      if (found.kind === 'found') return found.seed;
      // Damaged (not what we write): replaced, as a missing one is made.
      try {
        const seed = randomBytes(4).toString('hex');
        // 'wx': of two processes starting at once, one writes and the other reads what it wrote.
        writeFileSync(file, `${seed}\n`, { flag: found.kind === 'missing' ? 'wx' : 'w' });
        return seed;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
      }
    }
  } catch {
    return null;
  }
  return null;
}

function readSeed(file: string): { kind: 'found'; seed: string } | { kind: 'missing' } | { kind: 'damaged' } {
  try {
    const seed = readFileSync(file, 'utf8').trim();
    return SEED.test(seed) ? { kind: 'found', seed } : { kind: 'damaged' };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return { kind: 'missing' };
    throw err;
  }
}

/** The identity this instance asks for: INSTANCE_ID, or host name and persisted seed. */
export function instanceBase(configured: string | undefined, stateDir: string, logger: Pick<Logger, 'warn'>): string {
  if (configured) return configured;
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64) || 'host';
  const seed = persistedSeed(stateDir);
  if (seed !== null) return `${host}-${seed}`;
  logger.warn({ stateDir }, 'STATE_DIR cannot be written: this instance gets a new identity at every start, and a restart waits out the leases of the claims it left (set STATE_DIR, or INSTANCE_ID)');
  return `${host}-${randomBytes(4).toString('hex')}`;
}
