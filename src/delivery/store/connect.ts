// One Kysely instance over either database. SQLite is the embedded default
// (one process); PostgreSQL lets several instances share the work.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { PostgresDialect, type Dialect as KyselyDialect } from 'kysely';
import pg from 'pg';
import { guardedDialect } from './guarded-driver.js';
import { StoreKysely } from './store-kysely.js';
import { withStatementCache } from './statement-cache.js';
import { StoreSqliteDialect } from './sqlite-compiler.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: StoreKysely;
  dialect: Dialect;
  /** A printable description without credentials. */
  describe: string;
}

/** An SQLite file opened as the service opens it (the benchmark's query timing opens it the same way). */
export function openSqlite(file: string): BetterSqlite3.Database {
  const database = new BetterSqlite3(file);
  try {
    // WAL lets readers run beside the writer; synchronous=FULL makes a commit
    // survive power loss, which is the promise we make before answering 200.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    // better-sqlite3 is synchronous: a busy timeout would freeze the event loop
    // while another process holds the lock. A held lock fails at once instead
    // (DatabaseBusyError) and is waited for on timers (busy.ts).
    database.pragma('busy_timeout = 0');
    database.pragma('foreign_keys = ON');
  } catch (err) {
    // Switching to WAL needs the lock; the caller may try again later.
    database.close();
    throw err;
  }
  return database;
}

export function sqliteDialect(database: BetterSqlite3.Database): KyselyDialect {
  return guardedDialect(new StoreSqliteDialect({ database: withStatementCache(database) }), {
    begin: 'begin immediate',
    inTransaction: () => database.inTransaction,
  });
}

/** How long a PostgreSQL statement waits for a lock, and a request for a pooled connection, before the database counts as busy. */
export const PG_LOCK_TIMEOUT_MS = 2_000;
export const PG_POOL_WAIT_MS = 5_000;

export function connect(databaseUrl: string): Db {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    return { kysely: new StoreKysely({ dialect: sqliteDialect(openSqlite(file)) }), dialect: 'sqlite', describe: `sqlite:${file}` };
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    // Without these a held lock would keep a webhook waiting for as long as it
    // is held, and the pool would run dry; with them it becomes DatabaseBusyError.
    // A lock_timeout in DATABASE_URL takes precedence.
    lock_timeout: PG_LOCK_TIMEOUT_MS,
    connectionTimeoutMillis: PG_POOL_WAIT_MS,
    // bigint (int8) columns hold epoch milliseconds: well inside 2^53.
    types: {
      getTypeParser: (oid: number, format?: unknown) =>
        oid === 20 ? (v: string) => Number(v) : (pg.types.getTypeParser(oid, format as 'text') as (v: string) => unknown),
    },
  });
  const u = new URL(databaseUrl);
  return {
    kysely: new StoreKysely({ dialect: guardedDialect(new PostgresDialect({ pool })) }),
    dialect: 'postgres',
    describe: `postgres://${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`,
  };
}
