// The last sweeps and what they recovered, in memory, for the console.
import type { SweepResult } from './sweep.js';

/** Why a sweep ran: the service started, its interval came, a webhook block was lifted, an operator asked. */
export const SWEEP_REASONS = ['start', 'interval', 'unblocked', 'manual'] as const;
export type SweepReason = (typeof SWEEP_REASONS)[number];

export interface SweepRecord extends SweepResult {
  channel: string;
  reason: SweepReason;
  finishedAt: number;
}

export class SweepLog {
  private records: SweepRecord[] = [];

  constructor(private readonly keep = 20) {}

  add(r: SweepRecord): void {
    this.records = [r, ...this.records].slice(0, this.keep);
  }

  /** Newest first. */
  recent(limit = this.keep): SweepRecord[] {
    return this.records.slice(0, limit);
  }
}
