// The PostgreSQL side of connect(): a pool whose waits end as DatabaseBusyError
// and whose broken or refused connections end as DatabaseUnavailableError,
// never as an unhandled 'error' event (which would end the process: a
// PostgreSQL restart would then take every instance down at once).
// connect.ts imports this file only when DATABASE_URL names PostgreSQL, so an
// SQLite service never loads the pg driver.
import { PostgresDialect } from 'kysely';
import pg from 'pg';
import { describeDatabaseUrl, type Db } from './connect.js';
import { guardedDialect } from './guarded-driver.js';
import { NotifyingAdapter } from './job-wakeups.js';
import { PgLink } from './pg-link.js';
import { StoreKysely } from './store-kysely.js';

/** How long a PostgreSQL statement waits for a lock, and a request for a pooled connection, before the database counts as busy. */
export const PG_LOCK_TIMEOUT_MS = 2_000;
export const PG_POOL_WAIT_MS = 5_000;
/**
 * How long making a new connection may take. A refused connection fails at
 * once; this bounds a host that does not answer at all, after which requests
 * are refused at once (pg-link.ts) until the database answers again.
 */
export const PG_CONNECT_TIMEOUT_MS = 2_000;

type ConnectCallback = (err: Error | null, client?: pg.Client) => void;

/** pg's client, reporting its connection attempts and broken connections to the link. */
function linkedClient(link: PgLink): typeof pg.Client {
  return class LinkedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super({ ...(typeof config === 'string' ? { connectionString: config } : config), connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS });
      // A connection that breaks emits 'error', checked out or not: without a listener that ends the process.
      this.on('error', (err) => link.broken(err));
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
      const done = link.connecting();
      if (callback) {
        const cb = callback as ConnectCallback;
        super.connect(((err: Error | null, c?: pg.Client) => {
          done(err ?? undefined);
          cb(err, c);
        }) as ConnectCallback as (err: Error) => void);
        return;
      }
      return super.connect().then(
        (c) => {
          done();
          return c;
        },
        (err: unknown) => {
          done(err);
          throw err;
        },
      );
    }
  };
}

export function connectPostgres(databaseUrl: string): Db {
  const config: pg.PoolConfig = {
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
  };
  // The pool exists before the link that watches it; the link's probe takes connections straight from it.
  let raw: pg.Pool | null = null;
  const link = new PgLink(describeDatabaseUrl(databaseUrl), () => raw!.connect(), PG_CONNECT_TIMEOUT_MS);
  const pool = new pg.Pool({ ...config, Client: linkedClient(link) });
  raw = pool;
  // An idle connection that breaks is dropped by the pool, which then emits 'error' on itself.
  pool.on('error', (err) => link.broken(err));
  // What Kysely sees: the same pool, whose requests are refused at once while new connections fail.
  const guardedPool = {
    options: pool.options,
    connect: () => link.acquire(() => pool.connect()),
    end: () => {
      link.close();
      return pool.end();
    },
  };
  // Its adapter carries the token of this store's job notifications (job-wakeups.ts).
  const adapter = new NotifyingAdapter();
  const dialect = new (class extends PostgresDialect {
    override createAdapter() {
      return adapter;
    }
  })({ pool: guardedPool });
  return {
    kysely: new StoreKysely({ dialect: guardedDialect(dialect) }),
    dialect: 'postgres',
    describe: describeDatabaseUrl(databaseUrl),
    link,
    session: (name) => new (linkedClient(link))({ ...config, application_name: name }),
  };
}
