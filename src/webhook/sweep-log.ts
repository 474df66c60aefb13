// The last sweeps and what they recovered, in memory, for the console.
import type { SweepResult } from './sweep.js';

/** Why a sweep ran: the service started, its interval came, a webhook block was lifted, an operator asked. */
export { SWEEP_REASONS, type SweepReason } from '../delivery/job-kinds.js';
import type { SweepReason } from '../delivery/job-kinds.js';

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
