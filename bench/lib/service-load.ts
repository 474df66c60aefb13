// What one load of a service measured (stages/intake.ts loadService), in a
// file of its own so that the stages that read it need not import the stage.
import type { DbCounts } from './db.js';
import type { LoadResult } from './load-spec.js';

export interface ServiceLoad {
  load: LoadResult;
  warmup: LoadResult | null;
  /** The service's CPU time (user + system) per answered request during the measured load. */
  cpuMsPerRequest: number | null;
  peakMb: number;
  idleMb: number;
  memMethod: string;
  sanity: Record<string, unknown>;
  counts: DbCounts;
  errorLines: number;
  /** After an acted load: seconds from the load's end until no event waited for its planEvent job (null: none waited). */
  drainSeconds: number | null;
  /** Events still queued when the load ended. */
  backlog: number;
  /**
   * After an acted load, all in: the service's CPU from the start of the
   * measured load until the backlog it left was planned (every event acted,
   * its messages stored), per run started in that window, ms. Null for an
   * ignored load or without /proc.
   */
  allIn: { cpuMsPerRun: number; runs: number; cpuSeconds: number } | null;
}
