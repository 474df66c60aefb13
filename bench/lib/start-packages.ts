// The packages `curation start` loads (SQLite, console off), from the module
// inventory (bench/lib/module-inventory.ts: every package of node_modules
// among the files it loads, through these direct dependencies), for the
// memory floor of the chosen libraries (bare-server.ts `deps`) and the
// per-package import cost (import-cost.ts). Every dependency of package.json
// is either here or in NOT_AT_START (test/bench/bare-deps-floor.test.ts).
import type { FastifyPluginCallback } from 'fastify';
import type { Logger } from 'pino';

export const START_PACKAGES = [
  'fastify',
  '@fastify/formbody',
  '@fastify/helmet',
  'better-sqlite3',
  'kysely',
  'pino',
  'zod',
  'yaml',
  'liquidjs',
  're2js',
  'prom-client',
  'dotenv',
] as const;

/** The dependencies `curation start` does not load in the bench's configuration (SQLite, console off), and why. */
export const NOT_AT_START: Readonly<Record<string, string>> = {
  pg: 'the PostgreSQL driver, imported only for a postgres:// DATABASE_URL',
  '@fastify/cookie': 'the console with ADMIN_TOKEN only (src/server/console/on.ts)',
  '@fastify/rate-limit': 'only when WEBHOOK_RATE_LIMIT is set above 0 (off by default)',
  'pino-pretty': 'only for LOG_FORMAT=pretty (a transport worker)',
  'chart.js': "a browser file the console serves, never imported by Node",
};

export type StartPackage = (typeof START_PACKAGES)[number];

/** Imports one package by name (a literal per package, so the build's type check sees every one). */
export function importPackage(name: StartPackage | 'zod/mini'): Promise<unknown> {
  switch (name) {
    case 'fastify':
      return import('fastify');
    case '@fastify/formbody':
      return import('@fastify/formbody');
    case '@fastify/helmet':
      return import('@fastify/helmet');
    case 'better-sqlite3':
      return import('better-sqlite3');
    case 'kysely':
      return import('kysely');
    case 'pino':
      return import('pino');
    case 'zod':
      return import('zod');
    case 'zod/mini':
      return import('zod/mini');
    case 'yaml':
      return import('yaml');
    case 'liquidjs':
      return import('liquidjs');
    case 're2js':
      return import('re2js');
    case 'prom-client':
      return import('prom-client');
    case 'dotenv':
      return import('dotenv');
  }
}

export interface HeldPackages {
  logger: Logger;
  formbody: FastifyPluginCallback;
  close(): void;
}

/**
 * Every start package loaded, and one instance of what the service keeps of
 * each: a pino logger on stdout, one SQLite file opened as the service opens
 * it (WAL, synchronous=FULL) under a Kysely instance, prom-client's default
 * process metrics in a registry, a Liquid engine, a compiled RE2JS pattern, a
 * zod object schema, a parsed YAML document. None of our code.
 */
export async function loadStartPackages(dbFile: string): Promise<HeldPackages> {
  for (const name of START_PACKAGES) await importPackage(name);
  const { default: pino } = await import('pino');
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const { Kysely, SqliteDialect, sql } = await import('kysely');
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const { Liquid } = await import('liquidjs');
  const { RE2JS } = await import('re2js');
  const { z } = await import('zod');
  const { parse: parseYaml } = await import('yaml');
  const { default: formbody } = await import('@fastify/formbody');

  const logger = pino({ level: 'info', name: 'bare-deps' });
  const database = new BetterSqlite3(dbFile);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  const kysely = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database }) });
  await sql`select 1`.execute(kysely);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const liquid = new Liquid({ templates: {} });
  const held = {
    template: liquid.parse('{{ name }}'),
    pattern: RE2JS.compile('^[a-z]+$'),
    schema: z.object({ name: z.string(), count: z.number().int() }),
    doc: parseYaml('name: floor\ncount: 1\n') as unknown,
    registry,
  };
  return {
    logger,
    formbody: formbody as unknown as FastifyPluginCallback,
    close: () => {
      void held;
      database.close();
    },
  };
}
