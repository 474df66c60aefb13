// The job engine's vocabulary. A job is one piece of timed work (send,
// plan, write back, a health check...): a row in `jobs` with a kind, a due
// time and a lease. Its handler does the work and says how it went; one
// settle() (settle.ts) applies that, with the backoff and the limits.
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../delivery/store/schema.js';
import type { EnqueueSpec } from '../delivery/store/job-ops.js';

/**
 * Runs inside settle's transaction, after the job's own row changed: the
 * handler's effects commit together with its outcome, or not at all.
 * `final` is the outcome applied, which may be a fail where the handler
 * asked for a retry (the job reached its maximum age or attempts).
 *
 * It touches only the database: it may run more than once for one outcome
 * (a busy database runs the transaction again, an unreachable one makes the
 * runner settle the kept outcome again, a failed SQLite settle batch settles
 * each job again alone), and only the last run commits. A log line, a metric
 * or a wake-up goes in `committed`; what it needs from the write (did it
 * change anything?) goes through a variable that every run of the write sets
 * afresh, so the committed run's value is the one read.
 */
export type JobWrite = (trx: Transaction<Database>, final: SettledOutcome) => Promise<void>;

/**
 * Effects outside the database (log lines, metrics, wake-ups) once the
 * outcome has committed: called once, after the transaction (however often
 * the write ran), and never for an outcome that was dropped because another
 * instance had taken the job over.
 */
export type JobCommitted = (final: SettledOutcome) => void;

/**
 * `logged`: the handler logs this outcome itself, as it settled (a retry or
 * a fail, in `committed`, with its domain's ids), so the runner keeps its own
 * line for it at debug: one line per failed attempt, not two.
 */
export type JobOutcome = (
  | { kind: 'done'; write?: JobWrite; committed?: JobCommitted }
  | { kind: 'retry'; at: number; reason: string; write?: JobWrite; committed?: JobCommitted; logged?: true }
  | { kind: 'fail'; reason: string; write?: JobWrite; committed?: JobCommitted; logged?: true }
) & { lock?: JobLock };

/**
 * Taken first in the settle transaction, before the job's own row changes:
 * what the handler's writes must be serialized with beyond its lane (a
 * send's chat queue, which planning also moves from another lane). First,
 * so every transaction takes that lock before any job row, and two never
 * wait on each other. The engine knows no more of it than that it runs.
 */
export type JobLock = (trx: Transaction<Database>) => Promise<void>;

export type SettledOutcome = { kind: 'done' } | { kind: 'retry'; at: number; reason: string } | { kind: 'fail'; reason: string };

export interface Job<P> {
  id: number;
  kind: string;
  key: string | null;
  payload: P;
  /** Claims so far, this one included. */
  attempts: number;
  runAt: number;
  createdAt: number;
  lane: string | null;
  pool: string | null;
  /** This claim's lease ends here; an attempt must be over (and settled) before. */
  leaseEnd: number;
}

export interface JobContext {
  now(): number;
  logger: Logger;
  /**
   * The same job's logger without pino's redaction walk (logger.ts), made on
   * first use: only for lines whose every field is an id, a count or a kind
   * the handler built (a send's "message sent", once per message; the walk
   * was most of that line's cost). Anything carrying an error, a payload or
   * a reason goes through `logger`. Absent (tests' own contexts): use `logger`.
   */
  idsLogger?: () => Logger;
  /**
   * The one failure rule (delivery/backoff.ts settleFailure) for this job:
   * a transient error younger than the job's maximum age retries with
   * backoff, anything else fails. Pass `write` to record it in the domain.
   */
  failure(err: unknown, write?: JobWrite): JobOutcome;
}

export interface JobHandler<P> {
  kind: string;
  /** Validates the stored payload; a throw fails the job (bad payload) without running it. */
  parse(payload: unknown): P;
  /** How long a claim protects the job from other instances. */
  leaseMs: number;
  /** Limits; a job row's own max_attempts / max_age_ms win. Unset: unlimited. */
  maxAttempts?: number;
  maxAgeMs?: number;
  /**
   * At most this many jobs of one pool (the job row's `pool`, set at
   * enqueue) run at once on this instance; jobs without a pool are not
   * bounded. The claim skips full pools, so one pool's slow or failing
   * work cannot take every slot of the runner.
   */
  poolLimit?: number;
  /** At most this many jobs of this kind run at once on this instance (unset: the runner's concurrency). */
  maxRunning?: number;
  /**
   * Runs inside the claim's transaction, for this kind's jobs just claimed
   * (payloads parsed; a bad payload is left out and fails in run): marks
   * the domain record as in flight at no extra commit.
   */
  claimed?(trx: Transaction<Database>, jobs: ReadonlyArray<Job<P>>, owner: string): Promise<void>;
  run(job: Job<P>, ctx: JobContext): Promise<JobOutcome>;
}

export type JobSpec = EnqueueSpec;
