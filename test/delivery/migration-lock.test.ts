// Instances that start together against a new PostgreSQL database migrate it
// once, one after the other, and leave no ERROR in the server's own log (the
// migration library's race over its tables showed up there as duplicate keys
// and "relation already exists", paging operators for nothing).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import type { MigrationProgress } from '../../src/delivery/store/migrations.js';
import { PrivatePostgres, privatePostgresSkip } from '../support/private-postgres.js';

const skip = privatePostgresSkip();
let cluster: PrivatePostgres;

before(async () => {
  if (!skip) cluster = await PrivatePostgres.start();
});
after(async () => {
  await cluster?.destroy();
});

test('three stores opened at once on a fresh database: each migration runs once, and the server logs no ERROR', { skip }, async () => {
  for (let round = 0; round < 3; round++) {
    const url = await cluster.createDatabase(`migrate_race_${round}`);
    const logBefore = cluster.log().length;
    const seen: MigrationProgress[] = [];
    const stores = await Promise.all([0, 1, 2].map(() => Store.open(url, { delayScale: 1, onMigration: (p) => seen.push(p) })));
    await Promise.all(stores.map((s) => s.close()));
    const starts = seen.filter((p) => p.phase === 'start').map((p) => p.migration);
    assert.equal(new Set(starts).size, starts.length, `each migration ran once: ${starts.join(', ')}`);
    const errors = cluster.log().slice(logBefore).split('\n').filter((l) => /\b(ERROR|FATAL|PANIC):/.test(l));
    assert.deepEqual(errors, [], 'no ERROR in the PostgreSQL log');
  }
});
