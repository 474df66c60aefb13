// One Kysely instance over either database. SQLite is the embedded default
// (one process); PostgreSQL lets several instances share the work.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { withStatementCache } from './statement-cache.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** A printable description without credentials. */
  describe: string;
}

/** An SQLite file opened as the service opens it (the benchmark's query timing opens it the same way). */
export function openSqlite(file: string): BetterSqlite3.Database {
  const database = new BetterSqlite3(file);
  // WAL lets readers run beside the writer; synchronous=FULL makes a commit
  // survive power loss, which is the promise we make before answering 200.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  return database;
}

export function sqliteDialect(database: BetterSqlite3.Database): SqliteDialect {
  return new SqliteDialect({ database: withStatementCache(database) });
}

export function connect(databaseUrl: string): Db {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    return { kysely: new Kysely<Database>({ dialect: sqliteDialect(openSqlite(file)) }), dialect: 'sqlite', describe: `sqlite:${file}` };
  }
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    // bigint (int8) columns hold epoch milliseconds: well inside 2^53.
    types: {
      getTypeParser: (oid: number, format?: unknown) =>
        oid === 20 ? (v: string) => Number(v) : (pg.types.getTypeParser(oid, format as 'text') as (v: string) => unknown),
    },
  });
  const u = new URL(databaseUrl);
  return {
    kysely: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    dialect: 'postgres',
    describe: `postgres://${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`,
  };
}
