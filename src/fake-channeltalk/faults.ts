// Fault injection for the fake Channel Talk. A fault is decided once per
// /open/v5 request, either from the script (`next`) or at random (`failRate`,
// `mix`), with a seeded generator so a failing test can be replayed.
//
// "After commit" faults let the request take effect and then lose the answer:
// the case where a client cannot know whether its message was posted, which is
// exactly what requestId idempotency is for.
import { z } from 'zod';
import { mulberry32 } from './seeded-random.js';

export const FAULT_KINDS = ['500', '503', '429', 'timeout', 'drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FaultConfigSchema = z.strictObject({
  failRate: z.number().min(0).max(1).optional(),
  mix: z.array(z.enum(FAULT_KINDS)).min(1).optional(),
  next: z.array(z.enum([...FAULT_KINDS, 'ok'])).optional(),
  stallMs: z.number().int().min(0).max(600_000).optional(),
  seed: z.number().int().optional(),
  failAfterCommitRate: z.number().min(0).max(1).optional(),
});
export type FaultConfig = z.infer<typeof FaultConfigSchema>;

export interface Fault {
  kind: FaultKind;
  /** Let the request take effect, then fail the answer. Never for 429: a throttled request is not processed. */
  afterCommit: boolean;
}

const DEFAULT_MIX: FaultKind[] = ['500', '503', '429', 'timeout', 'drop'];
const DEFAULT_AFTER_COMMIT_RATE = 0.5;
export const DEFAULT_STALL_MS = 30_000;

export class FaultInjector {
  private config: FaultConfig = {};
  private script: Array<FaultKind | 'ok'> = [];
  private random: () => number = mulberry32(Date.now() >>> 0);

  configure(config: FaultConfig): void {
    this.config = config;
    this.script = [...(config.next ?? [])];
    this.random = mulberry32((config.seed ?? Date.now()) >>> 0);
  }

  current(): FaultConfig & { scriptLeft: number } {
    return { ...this.config, scriptLeft: this.script.length };
  }

  get stallMs(): number {
    return this.config.stallMs ?? DEFAULT_STALL_MS;
  }

  /** Consumes one decision: call exactly once per /open/v5 request. */
  decide(): Fault | null {
    const scripted = this.script.shift();
    let kind: FaultKind | null;
    if (scripted !== undefined) {
      kind = scripted === 'ok' ? null : scripted;
    } else if (this.config.failRate !== undefined && this.random() < this.config.failRate) {
      const mix = this.config.mix ?? DEFAULT_MIX;
      kind = mix[Math.floor(this.random() * mix.length)] ?? null;
    } else {
      kind = null;
    }
    if (kind === null) return null;
    const rate = kind === '429' ? 0 : (this.config.failAfterCommitRate ?? DEFAULT_AFTER_COMMIT_RATE);
    return { kind, afterCommit: rate > 0 && this.random() < rate };
  }
}

/** Small seeded PRNG: reproducible fault sequences from a number. */
export { mulberry32 } from './seeded-random.js';
