// One Kysely instance over either database. SQLite is the embedded default
// (one process); PostgreSQL lets several instances share the work
// (connect-postgres.ts, loaded only when DATABASE_URL names PostgreSQL).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Dialect as KyselyDialect } from 'kysely';
import { guardedDialect } from './guarded-driver.js';
import type { DatabaseLink } from './pg-link.js';
import { SQLITE_SYNC, StoreKysely } from './store-kysely.js';
import { withStatementCache } from './statement-cache.js';
import { StoreSqliteDialect } from './sqlite-compiler.js';

/**
 * The page cache per connection, in KiB. better-sqlite3 compiles in 16 MB
 * (SQLite's own default is 2 MB); the store's hot pages (the newest rows of
 * a few indexes) fit in far less, and the cache is memory the process keeps
 * once it has grown. Over a 20 MB store, 4 MB held about 13 MB less outside
 * the V8 heap than 16 MB, at the same CPU per webhook (issue 21, memory).
 */
export const SQLITE_CACHE_KIB = 4096;

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: StoreKysely;
  dialect: Dialect;
  /** A printable description without credentials. */
  describe: string;
  /** PostgreSQL: the state of the connections (pg-link.ts). */
  link?: DatabaseLink;
  /** PostgreSQL: a connection of its own, outside the pool, for a lock held as long as the process lives; `name` is its application_name. */
  session?: (name: string) => SessionClient;
}

/** A PostgreSQL connection outside the pool (node-postgres' Client, as far as it is used). */
export interface SessionClient {
  connect(): Promise<unknown>;
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
  on(event: 'error' | 'end', listener: (err?: Error) => void): unknown;
  /** A NOTIFY on a channel this session LISTENs on (job-wakeups.ts). */
  on(event: 'notification', listener: (msg: { channel: string; payload?: string }) => void): unknown;
}

/** host:port/db of a database URL, without credentials, for logs. */
export function describeDatabaseUrl(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) return databaseUrl;
  const u = new URL(databaseUrl);
  return `postgres://${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
}

/** An SQLite file opened as the service opens it (the benchmark's query timing opens it the same way). */
export function openSqlite(file: string): BetterSqlite3.Database {
  const database = new BetterSqlite3(file);
  try {
    // WAL lets readers run beside the writer; synchronous=FULL makes a commit
    // survive power loss, which is the promise we make before answering 200.
    // Only a batch of deliveries nothing acts on commits under NORMAL, that
    // transaction alone (store-kysely.ts transactionWithoutFsync).
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    // better-sqlite3 is synchronous: a busy timeout would freeze the event loop
    // while another process holds the lock. A held lock fails at once instead
    // (DatabaseBusyError) and is waited for on timers (busy.ts).
    database.pragma('busy_timeout = 0');
    database.pragma('foreign_keys = ON');
    database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
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
    sync: SQLITE_SYNC,
  });
}

export async function connect(databaseUrl: string): Promise<Db> {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    return { kysely: new StoreKysely({ dialect: sqliteDialect(openSqlite(file)) }), dialect: 'sqlite', describe: `sqlite:${file}` };
  }
  // Loaded only here: the SQLite default never needs the pg driver (a few MB of every idle process).
  const { connectPostgres } = await import('./connect-postgres.js');
  return connectPostgres(databaseUrl);
}
