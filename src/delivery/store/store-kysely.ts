// Where transactions are wrapped. The store's Kysely runs every
// `db.transaction().execute(fn)` again while the database is busy, waiting on
// timers between attempts (the connection is given back meanwhile, so other
// queries go on). A transaction is all-or-nothing, so running `fn` again is
// safe as long as it only touches the database, which is the rule in store/.
//
// The webhook path must not wait that long: group commit uses singleAttempt()
// and its own short budget.
import { Kysely, type KyselyConfig, type Transaction, type TransactionBuilder } from 'kysely';
import { DISPATCH_WAIT, retryWhileBusy, type BusyWait } from './busy.js';
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
