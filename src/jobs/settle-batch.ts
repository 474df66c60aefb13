// Settles that arrive while one commits share the next transaction, as
// intakes do (group-commit.ts): on SQLite every commit is an fsync that holds
// the event loop, so with many sends in flight one commit per settle would
// delay the next send's wake-up and the next answer. Each job's settle is the
// same as alone (settleIn); the batch takes the chats' locks in lane order.
// A batch that fails is settled again one job at a time, so one bad write
// fails only its own job (the others' writes run again: only `committed`,
// after the commit, may log or count).
//
// The runner's next claim rides in the batch's transaction (RidingClaim):
// the jobs the settles free (their slots, and the next message of a chat the
// settle made due) are claimed in the same commit, where they took a commit
// of their own after it (issue 21: 0.21 of the 0.46 commits per delivered
// message in the end-to-end bench). The claimed jobs start only after that
// commit. A batch that fails drops its claim (the runner's own pass claims
// them) and settles each job alone, even a batch of one. A riding claim that
// left nothing it could take (Ridden.mayHaveMore false) spares the batch's
// jobs' ends a claim of their own: the runner's pass only looks.
//
// For SQLite only: it has one writer anyway. On PostgreSQL settles commit
// side by side on their own connections, and one transaction holding several
// chats' locks could deadlock with an intake batch that takes them in
// another order.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../delivery/store/schema.js';
import type { JobOps, JobRow } from '../delivery/store/job-ops.js';
import { DatabaseBusyError } from '../delivery/store/busy.js';
import { settle, settleIn, withinLimits, type CommittedTransaction, type Limits } from './settle.js';
import type { Job, JobOutcome, SettledOutcome } from './types.js';

interface Waiting {
  job: Job<unknown>;
  owner: string;
  outcome: JobOutcome;
  limits: Limits;
  now: number;
  resolve: (r: SettledOutcome | 'lost') => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 64;

/** What a riding claim took, and whether more may be claimable now (it stopped at its room, keeping all it took). */
export interface Ridden {
  rows: readonly JobRow[];
  /** False: the batch's jobs' ends need no claim of their own, only a look (runner.ts claimNext). */
  mayHaveMore: boolean;
}

/** The runner's claim, done inside a batch's transaction after its settles. */
export interface RidingClaim {
  /** Claims inside `trx`, counting the batch's jobs (`settling`) as ended. */
  claim(trx: Transaction<Database>, settling: ReadonlyArray<Job<unknown>>): Promise<Ridden>;
  /** What claim() returned, once the batch's transaction committed (before the batch's settles return): the jobs start. */
  committed(ridden: Ridden, settling: ReadonlyArray<Job<unknown>>): void;
}

const NOTHING_RIDDEN: Ridden = { rows: [], mayHaveMore: true };

export class SettleBatcher {
  private queue: Waiting[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ops: JobOps,
    private readonly onCommitted?: CommittedTransaction,
    private readonly riding?: RidingClaim,
  ) {}

  settle(job: Job<unknown>, owner: string, outcome: JobOutcome, limits: Limits, now: number): Promise<SettledOutcome | 'lost'> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, owner, outcome, limits, now, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    // An outcome queued after run() saw an empty queue but before `running` was cleared is picked up here.
    this.running ??= this.run().finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async run(): Promise<void> {
    // Let the outcomes already in this tick join the batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH).sort((a, b) => (a.job.lane ?? '').localeCompare(b.job.lane ?? '') || a.job.id - b.job.id);
      if (batch.length === 1 && !this.riding) {
        await this.alone(batch[0]!);
        continue;
      }
      try {
        let last: Transaction<Database> | null = null;
        const { applied, claimed } = await this.db.transaction().execute(async (trx) => {
          last = trx;
          const out: Array<SettledOutcome | 'lost'> = [];
          for (const w of batch) out.push(await settleIn(trx, this.ops, w.job, w.owner, w.outcome, withinLimits(w.outcome, w.job, w.limits, w.now)));
          const ridden = this.riding ? await this.riding.claim(trx, batch.map((w) => w.job)) : NOTHING_RIDDEN;
          return { applied: out, claimed: ridden };
        });
        if (last !== null) this.onCommitted?.(last);
        this.riding?.committed(claimed, batch.map((w) => w.job));
        batch.forEach((w, i) => w.resolve(applied[i]!));
      } catch (err) {
        // Busy is about the database, not the jobs (and was waited for already): each would only wait again.
        if (err instanceof DatabaseBusyError) {
          for (const w of batch) w.reject(err);
          continue;
        }
        // One bad write must not fail its neighbours: each on its own.
        for (const w of batch) await this.alone(w);
      }
    }
  }

  private async alone(w: Waiting): Promise<void> {
    try {
      w.resolve(await settle(this.db, this.ops, w.job, w.owner, w.outcome, w.limits, w.now, this.onCommitted));
    } catch (err) {
      w.reject(err);
    }
  }
}
