// Where transactions are wrapped. The store's Kysely runs every
// `db.transaction().execute(fn)` again while the database is busy, waiting on
// timers between attempts (the connection is given back meanwhile, so other
// queries go on). A transaction is all-or-nothing, so running `fn` again is
// safe as long as it only touches the database, which is the rule in store/.
//
// The webhook path must not wait that long: group commit uses singleAttempt()
// and its own short budget.
import { CompiledQuery, Kysely, type KyselyConfig, type Transaction, type TransactionBuilder } from 'kysely';
import { DISPATCH_WAIT, retryWhileBusy, type BusyWait } from './busy.js';
import type { Dialect } from './connect.js';
import type { SyncPragmas } from './guarded-driver.js';
import type { Database } from './schema.js';

export class StoreKysely extends Kysely<Database> {
  constructor(
    config: KyselyConfig,
    private readonly wait: BusyWait = DISPATCH_WAIT,
  ) {
    super(config);
  }

  override transaction(): TransactionBuilder<Database> {
    const builder = super.transaction();
    const wait = this.wait;
    return new Proxy(builder, {
      get(target, prop) {
        if (prop === 'execute') {
          return (fn: (trx: Transaction<Database>) => Promise<unknown>) => retryWhileBusy(() => target.execute(fn), wait);
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** One attempt, no waiting: the caller decides what a busy database means. */
  transactionOnce(): TransactionBuilder<Database> {
    return super.transaction();
  }
}

/** A transaction builder that does not wait on a busy database, for any Kysely. */
export function singleAttempt(db: Kysely<Database>): TransactionBuilder<Database> {
  return db instanceof StoreKysely ? db.transactionOnce() : db.transaction();
}

/**
 * SQLite's safety level for one transaction (connect.ts keeps FULL). SQLite
 * refuses to change it inside a transaction, so it is set on a held
 * connection before BEGIN, and the guarded driver (guarded-driver.ts) sets
 * FULL again before the connection is given back or handed out.
 */
export const SQLITE_SYNC: SyncPragmas = { off: 'pragma synchronous = normal', full: 'pragma synchronous = full' };

const PG_SYNC_OFF = CompiledQuery.raw('set local synchronous_commit = off');

/**
 * One attempt at a transaction whose commit does not wait for the disk: for
 * writes nothing ever acts on (group-commit.ts, a batch of ignored
 * deliveries), so that an fsync per batch is not their cost. The database
 * stays whole: in WAL mode a NORMAL commit is only not yet flushed, and the
 * next FULL commit's fsync makes it durable with its own; PostgreSQL's
 * synchronous_commit = off (this transaction only, SET LOCAL) likewise. A
 * power loss or OS crash before then loses these commits, nothing else.
 */
export function transactionWithoutFsync<T>(db: Kysely<Database>, dialect: Dialect, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (dialect === 'postgres') {
    return singleAttempt(db).execute(async (trx) => {
      await trx.executeQuery(PG_SYNC_OFF);
      return fn(trx);
    });
  }
  // The connection is held from the pragma to the commit: nothing else runs a transaction in between.
  return db.connection().execute(async (held) => {
    await held.executeQuery(CompiledQuery.raw(SQLITE_SYNC.off));
    return held.transaction().execute(fn);
  });
}
