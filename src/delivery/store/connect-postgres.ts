// The PostgreSQL side of connect(): a pool whose waits end as DatabaseBusyError.
// connect.ts imports this file only when DATABASE_URL names PostgreSQL, so an
// SQLite service never loads the pg driver.
import { PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Db } from './connect.js';
import { guardedDialect } from './guarded-driver.js';
import { StoreKysely } from './store-kysely.js';

/** How long a PostgreSQL statement waits for a lock, and a request for a pooled connection, before the database counts as busy. */
export const PG_LOCK_TIMEOUT_MS = 2_000;
export const PG_POOL_WAIT_MS = 5_000;

export function connectPostgres(databaseUrl: string): Db {
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
