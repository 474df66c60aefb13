// The partial indexes on a state hold exactly the states the lifecycle's
// constants name (state-sql.ts STATE_INDEX_PREDICATES): the old migrations
// spell their predicates out and must never change, so this checks that the
// text they stored is what the constants give. And the columns the job
// engine left unused (0011) are gone from runs, on SQLite and PostgreSQL,
// while a run stored before keeps its data.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { Store } from '../../src/delivery/store/store.js';
import { STATE_INDEX_PREDICATES } from '../../src/delivery/store/state-sql.js';
import { migrateTo, migrateToLatest } from '../../src/delivery/store/migrations.js';
import { connect, openSqlite } from '../../src/delivery/store/connect.js';
import { freshDatabases } from '../support/databases.js';
import { tempDir } from '../support/processes.js';

const DB_KINDS = await freshDatabases();
const DEAD_RUN_COLUMNS = ['claimed_by', 'claim_until', 'writeback_due_at'];

test('every partial index on a state says what the lifecycle constants give, word for word (SQLite keeps the text)', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'ix.db');
    const store = await Store.open(`sqlite:${file}`, { delayScale: 1 });
    await store.close();
    const raw = openSqlite(file);
    const rows = raw.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'").all() as Array<{ name: string; sql: string }>;
    raw.close();
    const stored = Object.fromEntries(rows.map((r) => [r.name, r.sql.slice(r.sql.indexOf(' WHERE ') + ' WHERE '.length)]));
    // runs_finished is on a time, not a state.
    const onState = Object.fromEntries(Object.entries(stored).filter(([name]) => name !== 'runs_finished'));
    assert.deepEqual(onState, { ...STATE_INDEX_PREDICATES });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const kind of DB_KINDS) {
  describe(`the run columns nothing uses any more, on ${kind.name}`, () => {
    test('an older store upgraded drops them, and keeps its runs and their indexes', async () => {
      const db = await connect(kind.url);
      try {
        await migrateTo(db.kysely as unknown as Kysely<unknown>, db.dialect, '0010_channel_scope');
        await sql`INSERT INTO runs (id, curation_id, event_id, channel_id, chat_id, user_id, state, created_at, updated_at, planning_attempts, claimed_by, claim_until, writeback_due_at)
          VALUES ('r-old', 'c', 'e-old', '95334', 'chat-old', 'u-old', 'planning', 1000, 1000, 0, 'old-instance', 5000, 7000)`.execute(db.kysely);
        await migrateToLatest(db.kysely as unknown as Kysely<unknown>, db.dialect);
        const columns =
          db.dialect === 'postgres'
            ? (await sql<{ name: string }>`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'runs'`.execute(db.kysely)).rows
            : (await sql<{ name: string }>`SELECT name FROM pragma_table_info('runs')`.execute(db.kysely)).rows;
        const names = columns.map((c) => c.name);
        for (const dead of DEAD_RUN_COLUMNS) assert.ok(!names.includes(dead), `runs.${dead} is gone`);
        assert.ok(names.includes('state') && names.includes('planning_attempts'));
        const run = await sql<{ id: string; state: string }>`SELECT id, state FROM runs WHERE id = 'r-old'`.execute(db.kysely);
        assert.deepEqual(run.rows.map((r) => ({ ...r })), [{ id: 'r-old', state: 'planning' }]);
        const indexes =
          db.dialect === 'postgres'
            ? (await sql<{ name: string; def: string }>`SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'runs'`.execute(db.kysely)).rows
            : (await sql<{ name: string; def: string }>`SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL`.execute(db.kysely)).rows;
        assert.ok(!indexes.some((i) => i.name === 'runs_writeback_due'), 'its index went with writeback_due_at');
        const planning = indexes.find((i) => i.name === 'runs_planning');
        assert.ok(planning && !planning.def.includes('claim_until'), `runs_planning without the claim: ${planning?.def}`);
        // PostgreSQL rewrites the text ((state = 'planning'::text)); the state it names is the constant's.
        assert.deepEqual([...planning.def.slice(planning.def.indexOf('WHERE')).matchAll(/'([a-z_]+)'/g)].map((m) => m[1]), ['planning']);
      } finally {
        await db.kysely.destroy();
      }
    });
  });
}
