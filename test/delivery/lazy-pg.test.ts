// The pg driver is loaded only for a PostgreSQL DATABASE_URL: an SQLite
// service never pays for it, and PostgreSQL mode still opens, migrates and
// stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../support/child-process.js';
import { freshPostgres, postgresAvailable } from '../support/databases.js';
import { tempDir } from '../support/processes.js';

/** Opens a store in a fresh process (nothing else loaded) and says whether the pg driver was loaded. */
async function opensAndLoadsPg(databaseUrl: string): Promise<{ loadedPg: boolean; dialect: string; events: number }> {
  const script = `
    import { createRequire } from 'node:module';
    const { Store } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/delivery/store/store.js'))});
    const store = await Store.open(process.env.DB_URL, { delayScale: 1 });
    const rows = await store.db.selectFrom('events').select('id').execute();
    await store.close();
    const cache = Object.keys(createRequire(import.meta.url).cache);
    process.stdout.write(JSON.stringify({ loadedPg: cache.some((f) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(f)), dialect: store.dialect, events: rows.length }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DB_URL: databaseUrl },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as { loadedPg: boolean; dialect: string; events: number };
}

test('an SQLite store opens without loading the pg driver', async () => {
  const r = await opensAndLoadsPg(`sqlite:${path.join(tempDir(), 'lazy.db')}`);
  assert.deepEqual(r, { loadedPg: false, dialect: 'sqlite', events: 0 });
});

test('a PostgreSQL store loads the driver when asked for, and opens and migrates', { skip: postgresAvailable() === null ? 'TEST_DATABASE_URL is not set' : false }, async () => {
  const r = await opensAndLoadsPg(await freshPostgres(postgresAvailable()!));
  assert.deepEqual(r, { loadedPg: true, dialect: 'postgres', events: 0 });
});
