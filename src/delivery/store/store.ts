// The durable store: one Kysely connection, its migrations, the group-committed
// intake and the dispatcher's operations, behind one object.
import type { Kysely } from 'kysely';
import { connect, type Dialect } from './connect.js';
import { migrateToLatest, type MigrationProgress } from './migrations.js';
import { DispatchOps } from './dispatch-ops.js';
import { GroupCommitter } from './group-commit.js';
import type { Database } from './schema.js';
import type { IntakeItem, IntakeOutcome } from './intake-tx.js';
import type { DatabaseState } from './busy.js';
import { pruneBefore, type PruneResult } from './retention.js';

export class Store {
  readonly dispatch: DispatchOps;
  private readonly committer: GroupCommitter;

  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    readonly describe: string,
    delayScale: number,
  ) {
    this.dispatch = new DispatchOps(db, dialect);
    // PostgreSQL: commits are round trips, so several lanes (the pool has 10 connections; the rest serve the dispatcher and the console).
    this.committer = new GroupCommitter(db, delayScale, dialect === 'postgres' ? 4 : 1);
  }

  static async open(databaseUrl: string, opts: { delayScale: number; onMigration?: (p: MigrationProgress) => void }): Promise<Store> {
    const c = connect(databaseUrl);
    const store = new Store(c.kysely, c.dialect, c.describe, opts.delayScale);
    try {
      await migrateToLatest(c.kysely as unknown as Kysely<unknown>, c.dialect, opts.onMigration);
    } catch (err) {
      await c.kysely.destroy();
      throw err;
    }
    return store;
  }

  /** Resolves once the item is committed (with others that arrived meanwhile). */
  intake(item: IntakeItem): Promise<IntakeOutcome> {
    return this.committer.submit(item);
  }

  /** Deletes finished runs and events older than `cutoff` (epoch ms). */
  prune(cutoff: number): Promise<PruneResult> {
    return pruneBefore(this.db, cutoff);
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('events').select('id').limit(1).execute();
  }

  /** Whether a write could start now (stub). */
  async health(): Promise<DatabaseState> {
    try {
      await this.ping();
      return 'ok';
    } catch {
      return 'unreachable';
    }
  }

  queueDepth(): Promise<number> {
    return this.dispatch.queueDepth();
  }

  async close(): Promise<void> {
    await this.committer.drain();
    await this.db.destroy();
  }
}
