// The databases a store test runs against: always a real SQLite file, and a
// real PostgreSQL when TEST_DATABASE_URL is set (CI always sets it; a CI run
// without it fails rather than silently testing less).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { tempDir } from './processes.js';

export interface TestDb {
  name: 'sqlite' | 'postgres';
  url: string;
}

export function postgresAvailable(): string | null {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && process.env.CI === 'true') throw new Error('CI=true but TEST_DATABASE_URL is not set: .ci/run must start PostgreSQL');
  return url ?? null;
}

/** A brand-new empty database of each available kind. */
export async function freshDatabases(): Promise<TestDb[]> {
  const out: TestDb[] = [{ name: 'sqlite', url: `sqlite:${path.join(tempDir(), 'test.db')}` }];
  const admin = postgresAvailable();
  if (admin) out.push({ name: 'postgres', url: await freshPostgres(admin) });
  return out;
}

export async function freshPostgres(adminUrl: string): Promise<string> {
  const name = `curation_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops a database made by freshPostgres (benchmarks clean up after themselves). */
export async function dropPostgres(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^curation_test_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}: not made by freshPostgres`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
  } finally {
    await client.end();
  }
}
