// The store's SQLite compiler writes a LIMIT or OFFSET count and a state
// compared in a WHERE clause as literals, so the statement is prepared once
// and reused (bound, either would make SQLite re-prepare it on every run:
// the planner reads them), and keeps every other value a bound parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { sqliteDialect } from '../../src/delivery/store/connect.js';
import type { Database as Schema } from '../../src/delivery/store/schema.js';

function db(): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: sqliteDialect(new Database(':memory:')) });
}

test('a state compared with =, <>, in or not in is written as a literal; the other values stay bound', async () => {
  const k = db();
  try {
    const q = k
      .selectFrom('messages as m')
      .select('m.run_id')
      .where('m.chat_id', '=', 'chat-1')
      .where('m.state', '=', 'pending')
      .where('state', 'in', ['pending', 'sending'])
      .where('state', '<>', 'failed')
      .compile();
    assert.equal(q.sql, `select "m"."run_id" from "messages" as "m" where "m"."chat_id" = ? and "m"."state" = 'pending' and "state" in ('pending', 'sending') and "state" <> 'failed'`);
    assert.deepEqual(q.parameters, ['chat-1']);
    const runs = k.selectFrom('runs').select('id').where('user_id', '=', 'u').where('state', 'not in', ['skipped', 'failed']).where('writeback_state', '=', 'pending').compile();
    assert.equal(runs.sql, `select "id" from "runs" where "user_id" = ? and "state" not in ('skipped', 'failed') and "writeback_state" = 'pending'`);
    assert.deepEqual(runs.parameters, ['u']);
  } finally {
    await k.destroy();
  }
});

test('a LIMIT or OFFSET count is written as a literal', async () => {
  const k = db();
  try {
    const q = k.selectFrom('events').select('status').where('id', '=', 'e-1').limit(1).offset(20).compile();
    assert.equal(q.sql, 'select "status" from "events" where "id" = ? limit 1 offset 20');
    assert.deepEqual(q.parameters, ['e-1']);
  } finally {
    await k.destroy();
  }
});

test('a value outside the state vocabulary, a state set by an update, and other columns stay bound parameters', async () => {
  // Loosely typed, so a value no state column accepts can be passed at all.
  const k = new Kysely<{ runs: { id: string; state: string; reason: string }; messages: { run_id: string; state: string } }>({ dialect: sqliteDialect(new Database(':memory:')) });
  try {
    const hostile = "pending' OR 1=1 --";
    const q = k.selectFrom('runs').select('id').where('state', '=', hostile).where('state', 'in', ['pending', hostile]).where('reason', '=', 'pending').compile();
    assert.equal(q.sql, 'select "id" from "runs" where "state" = ? and "state" in (?, ?) and "reason" = ?');
    assert.deepEqual(q.parameters, [hostile, 'pending', hostile, 'pending']);
    const u = k.updateTable('messages').set({ state: 'cancelled' }).where('run_id', '=', 'r').where('state', '=', 'pending').compile();
    assert.equal(u.sql, `update "messages" set "state" = ? where "run_id" = ? and "state" = 'pending'`);
    assert.deepEqual(u.parameters, ['cancelled', 'r']);
  } finally {
    await k.destroy();
  }
});

test('queries with inlined states read and write the same rows as before', async () => {
  const raw = new Database(':memory:');
  const k = new Kysely<{ t: { id: number; state: string } }>({ dialect: sqliteDialect(raw) });
  try {
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT NOT NULL)`.execute(k);
    await sql`CREATE INDEX t_pending ON t (id) WHERE state = 'pending'`.execute(k);
    await k.insertInto('t').values([{ id: 1, state: 'pending' }, { id: 2, state: 'sent' }, { id: 3, state: 'pending' }, { id: 4, state: 'failed' }]).execute();
    const ids = async (rows: Promise<Array<{ id: number }>>) => (await rows).map((r) => r.id);
    assert.deepEqual(await ids(k.selectFrom('t').select('id').where('state', '=', 'pending').orderBy('id').execute()), [1, 3]);
    assert.deepEqual(await ids(k.selectFrom('t').select('id').where('state', 'not in', ['pending', 'failed']).orderBy('id').execute()), [2]);
    await k.updateTable('t').set({ state: 'sent' }).where('state', '=', 'pending').where('id', '=', 3).execute();
    assert.deepEqual(await ids(k.selectFrom('t').select('id').where('state', 'in', ['sent']).orderBy('id').execute()), [2, 3]);
    assert.deepEqual(await ids(k.selectFrom('t').select('id').orderBy('id').limit(2).offset(1).execute()), [2, 3]);
  } finally {
    await k.destroy();
  }
});
