// Kysely's drivers, wrapped so the rest of the store sees errors it can act on:
// a held lock becomes DatabaseBusyError, a refused or broken connection
// DatabaseUnavailableError, and a failed ROLLBACK never replaces
// the error that caused it (SQLite ends a transaction by itself on SQLITE_FULL,
// and the ROLLBACK that follows would otherwise report only "cannot rollback -
// no transaction is active").
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
  type AbortableOperationOptions,
} from 'kysely';
import { asBusyError } from './busy.js';
import { asUnavailableError } from './unavailable.js';

/** The driver's error as one the store acts on (busy, unreachable), or unchanged. */
function classify(err: unknown): unknown {
  return asUnavailableError(asBusyError(err));
}

export interface GuardOptions {
  /** The statement that opens a transaction, when not the driver's own (SQLite: BEGIN IMMEDIATE). */
  begin?: string;
  /** Whether the connection is still inside a transaction (better-sqlite3's `inTransaction`). */
  inTransaction?: () => boolean;
  /** SQLite: the pragmas that turn a commit's fsync off and back on (store-kysely.ts transactionWithoutFsync). */
  sync?: SyncPragmas;
}

export interface SyncPragmas {
  off: string;
  full: string;
}

/**
 * Whether the connection's commits skip the fsync right now (SQLite has one
 * connection). Set before the `off` pragma runs and cleared only once `full`
 * has run. Only the holder that turned it off (GuardedConnection.relaxedHere)
 * may run a statement while it is off; it is turned on again when that holder
 * gives the connection back, and should that fail, before the next holder's
 * first statement (a BEGIN among them), which fails if it cannot be. So no
 * other transaction ever commits without the fsync.
 */
class SyncWatch {
  relaxed = false;

  constructor(readonly pragmas: SyncPragmas) {}
}

export function guardedDialect(inner: Dialect, opts: GuardOptions = {}): Dialect {
  return {
    createAdapter: (): DialectAdapter => inner.createAdapter(),
    createDriver: (): Driver => new GuardedDriver(inner.createDriver(), opts),
    createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => inner.createIntrospector(db),
    createQueryCompiler: (): QueryCompiler => inner.createQueryCompiler(),
  };
}

class GuardedConnection implements DatabaseConnection {
  /** The last error of the current transaction, to stand in for a ROLLBACK that fails. */
  lastError: unknown = null;
  /** This holder turned the fsync off (SyncWatch). */
  relaxedHere = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly sync: SyncWatch | null,
  ) {}

  async executeQuery<R>(query: CompiledQuery, options?: AbortableOperationOptions): Promise<QueryResult<R>> {
    if (this.sync === null) return this.guard(() => this.inner.executeQuery<R>(query, options));
    const { pragmas } = this.sync;
    if (query.sql === pragmas.off) {
      this.sync.relaxed = this.relaxedHere = true;
    } else if (this.sync.relaxed && !this.relaxedHere && query.sql !== pragmas.full) {
      await this.syncFully();
    }
    const result = await this.guard(() => this.inner.executeQuery<R>(query, options));
    if (query.sql === pragmas.full) this.sync.relaxed = this.relaxedHere = false;
    return result;
  }

  /** Turns the fsync back on (SyncWatch). */
  async syncFully(): Promise<void> {
    await this.executeQuery(CompiledQuery.raw(this.sync!.pragmas.full));
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize: number, options?: AbortableOperationOptions): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize, options);
    } catch (err) {
      throw this.note(err);
    }
  }

  async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.note(err);
    }
  }

  private note(err: unknown): unknown {
    this.lastError = classify(err);
    return this.lastError;
  }
}

class GuardedDriver implements Driver {
  private readonly sync: SyncWatch | null;

  constructor(
    private readonly inner: Driver,
    private readonly opts: GuardOptions,
  ) {
    this.sync = opts.sync ? new SyncWatch(opts.sync) : null;
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    try {
      return new GuardedConnection(await this.inner.acquireConnection(), this.sync);
    } catch (err) {
      // PostgreSQL: every pooled connection stayed taken (e.g. all waiting on a lock), or none could be made.
      throw classify(err);
    }
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = guarded(connection);
    c.lastError = null;
    // SQLite: IMMEDIATE takes the write lock up front, so a held lock fails the
    // transaction before any work, never half-way (SQLITE_BUSY_SNAPSHOT).
    if (this.opts.begin) await c.executeQuery(CompiledQuery.raw(this.opts.begin));
    else await c.guard(() => this.inner.beginTransaction(c.inner, settings));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = guarded(connection);
    await c.guard(() => this.inner.commitTransaction(c.inner));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = guarded(connection);
    // Already rolled back by SQLite itself (SQLITE_FULL, SQLITE_IOERR, …): nothing to undo.
    if (this.opts.inTransaction && !this.opts.inTransaction()) return;
    try {
      await this.inner.rollbackTransaction(c.inner);
    } catch (err) {
      throw c.lastError ?? classify(err);
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    const c = guarded(connection);
    if (!this.inner.savepoint) throw new Error('this database driver has no savepoints');
    await c.guard(() => this.inner.savepoint!(c.inner, name, compile));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    const c = guarded(connection);
    if (!this.inner.rollbackToSavepoint) throw new Error('this database driver has no savepoints');
    await c.guard(() => this.inner.rollbackToSavepoint!(c.inner, name, compile));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    const c = guarded(connection);
    if (!this.inner.releaseSavepoint) throw new Error('this database driver has no savepoints');
    await c.guard(() => this.inner.releaseSavepoint!(c.inner, name, compile));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = guarded(connection);
    // Whatever the holder did (committed, rolled back, or neither), the fsync is on again before anyone else
    // holds the connection. Kysely's release must not throw (it would keep SQLite's connection lock): should
    // this fail, the next holder's first statement turns it on, or fails (GuardedConnection.executeQuery).
    if (c.relaxedHere) await c.syncFully().catch(() => undefined);
    await this.inner.releaseConnection(c.inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function guarded(connection: DatabaseConnection): GuardedConnection {
  if (!(connection instanceof GuardedConnection)) throw new Error('a connection from another driver was passed to the guarded driver');
  return connection;
}
