// CompiledStatement (store/compiled-statement.ts): a statement is built and
// compiled once per database and shape (which values are null), then run
// with each call's named values, each landing where the built query would
// bind it; a statement that computes with a value, or leaves one unbound, is
// refused when compiled. Then the hot statements compiled with it (enqueue,
// settle's delete and update of a held job) write each value where it
// belongs. SQLite and, when available, PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import { CompiledStatement } from '../../src/delivery/store/compiled-statement.js';
import { enqueueJob, JobOps } from '../../src/delivery/store/job-ops.js';
import { freshDatabases } from '../support/databases.js';

const DB_KINDS = await freshDatabases();

for (const kind of DB_KINDS) {
  describe(`a compiled statement on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    const chats = async (prefix: string) =>
      (await store.db.selectFrom('chats').select(['chat_id', 'updated_at']).where('chat_id', 'like', `${prefix}%`).orderBy('chat_id').execute()).map((r) => ({
        chat_id: r.chat_id,
        updated_at: Number(r.updated_at),
      }));

    test('compiled once per shape; each call binds its own values, a value used twice in both places', async () => {
      const p = `cs-a-${kind.name}-`;
      await store.db
        .insertInto('chats')
        .values([1, 2, 3].map((i) => ({ chat_id: `${p}${i}`, updated_at: i })))
        .execute();
      let builds = 0;
      // Declared in another order than the query binds them; `at` bound twice.
      const bump = new CompiledStatement<{ at: number; id: string; floor: number | null }>(['at', 'id', 'floor'], (db, v) => {
        builds++;
        return db
          .updateTable('chats')
          .set({ updated_at: v.at })
          .where('chat_id', '=', v.id)
          .where('updated_at', '<', v.at)
          .$if(v.floor !== null, (q) => q.where('updated_at', '>=', v.floor!));
      });
      assert.equal(await bump.changed(store.db, { at: 10, id: `${p}1`, floor: null }), 1);
      await store.db.transaction().execute(async (trx) => {
        assert.equal(await bump.changed(trx, { at: 20, id: `${p}2`, floor: null }), 1);
      });
      assert.equal(builds, 1, 'one shape: compiled once, for the database and its transactions');
      assert.equal(await bump.changed(store.db, { at: 5, id: `${p}1`, floor: null }), 0, 'the second `at` binds too: 10 < 5 is false');
      assert.equal(await bump.changed(store.db, { at: 30, id: `${p}3`, floor: 4 }), 0, 'with a floor: another shape, whose condition applies (3 < 4)');
      assert.equal(await bump.changed(store.db, { at: 30, id: `${p}3`, floor: 3 }), 1);
      assert.equal(builds, 2);
      assert.deepEqual(await chats(p), [
        { chat_id: `${p}1`, updated_at: 10 },
        { chat_id: `${p}2`, updated_at: 20 },
        { chat_id: `${p}3`, updated_at: 30 },
      ]);
    });

    test('a null value is its own shape, written as the built query writes it (IS NULL)', async () => {
      const id = `cs-n-${kind.name}`;
      await store.db.insertInto('messages').values({ run_id: id, seq: 1, chat_id: id, channel_id: null, request_id: `${id}-1`, state: 'waiting', delay_ms: 7, body_json: '{}', is_last: 1, created_at: 1 }).execute();
      await store.db.insertInto('messages').values({ run_id: id, seq: 2, chat_id: id, channel_id: 'ch', request_id: `${id}-2`, state: 'waiting', delay_ms: 8, body_json: '{}', is_last: 1, created_at: 1 }).execute();
      const read = new CompiledStatement<{ chat: string; channel: string | null }>(['chat', 'channel'], (db, v) =>
        db
          .selectFrom('messages')
          .select('seq')
          .where('chat_id', '=', v.chat)
          .where('channel_id', v.channel === null ? 'is' : '=', v.channel),
      );
      assert.deepEqual((await read.run<{ seq: number }>(store.db, { chat: id, channel: null })).rows, [{ seq: 1 }]);
      assert.deepEqual((await read.run<{ seq: number }>(store.db, { chat: id, channel: 'ch' })).rows, [{ seq: 2 }]);
      assert.deepEqual((await read.run<{ seq: number }>(store.db, { chat: id, channel: 'other' })).rows, []);
      assert.deepEqual((await read.run<{ seq: number }>(store.db, { chat: id, channel: null })).rows, [{ seq: 1 }]);
    });

    test('an undefined value leaves its column out of an update, a null one writes NULL: two shapes', async () => {
      const id = `cs-u-${kind.name}`;
      await store.db.insertInto('messages').values({ run_id: id, seq: 1, chat_id: id, channel_id: null, request_id: `${id}-1`, state: 'waiting', delay_ms: 0, body_json: '{}', is_last: 1, created_at: 1 }).execute();
      const write = new CompiledStatement<{ id: string; due: number | null | undefined; delay: number }>(['id', 'due', 'delay'], (db, v) =>
        db.updateTable('messages').set({ due_at: v.due, delay_ms: v.delay }).where('run_id', '=', v.id),
      );
      const row = async () => {
        const r = await store.db.selectFrom('messages').select(['due_at', 'delay_ms']).where('run_id', '=', id).executeTakeFirstOrThrow();
        return { due_at: r.due_at === null ? null : Number(r.due_at), delay_ms: r.delay_ms };
      };
      await write.run(store.db, { id, due: 5, delay: 1 });
      assert.deepEqual(await row(), { due_at: 5, delay_ms: 1 });
      await write.run(store.db, { id, due: null, delay: 2 });
      assert.deepEqual(await row(), { due_at: null, delay_ms: 2 });
      await write.run(store.db, { id, due: 7, delay: 3 });
      await write.run(store.db, { id, due: undefined, delay: 4 });
      assert.deepEqual(await row(), { due_at: 7, delay_ms: 4 }, 'undefined: the column is left as it is');
    });

    test('a statement that computes with a value, or does not bind one, is refused and runs nothing', async () => {
      const computes = new CompiledStatement<{ id: string; at: number }>(['id', 'at'], (db, v) => db.updateTable('chats').set({ updated_at: v.at + 1 }).where('chat_id', '=', v.id));
      await assert.rejects(computes.run(store.db, { id: 'cs-x', at: 1 }), /computes with a value instead of binding it/);
      const joins = new CompiledStatement<{ id: string }>(['id'], (db, v) => db.selectFrom('chats').select('chat_id').where('chat_id', '=', `${v.id}-x`));
      await assert.rejects(joins.run(store.db, { id: 'cs-x' }), /computes with a value instead of binding it/);
      const unbound = new CompiledStatement<{ id: string; at: number }>(['id', 'at'], (db, v) => db.selectFrom('chats').select('chat_id').where('chat_id', '=', v.id));
      await assert.rejects(unbound.run(store.db, { id: 'cs-x', at: 1 }), /does not bind its value at/);
    });

    test('enqueueJob writes each value in its column, due now or later, with and without the optional ones', async () => {
      const now = 1_000_000;
      const full = { kind: 'csKind', key: `cs-k-${kind.name}`, payload: { a: 1 }, runAt: now, lane: 'cs-lane', pool: 'cs-pool', maxAttempts: 3, maxAgeMs: 500, createdAt: now - 7 };
      assert.equal(await enqueueJob(store.db, full, now), true);
      assert.equal(await enqueueJob(store.db, full, now), false, 'its key exists: nothing added');
      assert.equal(await enqueueJob(store.db, { kind: 'csKind', payload: [2], runAt: now + 60_000 }, now), true);
      await store.db.transaction().execute(async (trx) => {
        assert.equal(await enqueueJob(trx, { kind: 'csKind', payload: null }, now + 1), true);
      });
      const rows = await store.db.selectFrom('jobs').select(['kind', 'key', 'payload_json', 'run_at', 'lane', 'pool', 'max_attempts', 'max_age_ms', 'created_at', 'state']).where('kind', '=', 'csKind').orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => ({ ...r, run_at: Number(r.run_at), created_at: Number(r.created_at), max_age_ms: r.max_age_ms === null ? null : Number(r.max_age_ms) })),
        [
          { kind: 'csKind', key: full.key, payload_json: '{"a":1}', run_at: now, lane: 'cs-lane', pool: 'cs-pool', max_attempts: 3, max_age_ms: 500, created_at: now - 7, state: 'pending' },
          { kind: 'csKind', key: null, payload_json: '[2]', run_at: now + 60_000, lane: null, pool: null, max_attempts: null, max_age_ms: null, created_at: now, state: 'pending' },
          { kind: 'csKind', key: null, payload_json: 'null', run_at: now + 1, lane: null, pool: null, max_attempts: null, max_age_ms: null, created_at: now + 1, state: 'pending' },
        ],
      );
    });

    test("settle's delete, reschedule and fail touch only the job as its owner holds it, and write their values", async () => {
      const ops = new JobOps(store.db, store.dialect);
      const now = 2_000_000;
      for (const i of [1, 2, 3]) await enqueueJob(store.db, { kind: 'csHeld', key: `cs-h${i}-${kind.name}`, payload: i, runAt: now }, now);
      const claimed = await ops.claim(now, 10, 'me', new Map([['csHeld', 1000]]));
      assert.equal(claimed.length, 3);
      const [a, b, c] = claimed as [(typeof claimed)[0], (typeof claimed)[0], (typeof claimed)[0]];
      await store.db.transaction().execute(async (trx) => {
        assert.equal(await ops.remove(trx, a.id, 'other'), false, 'not its owner');
        assert.equal(await ops.remove(trx, a.id, 'me', a.attempts + 1), false, 'not this claim');
        assert.equal(await ops.remove(trx, a.id, 'me', a.attempts), true);
        assert.equal(await ops.reschedule(trx, b.id, 'other', now + 5, 'why'), false);
        assert.equal(await ops.reschedule(trx, b.id, 'me', now + 5, 'retry later'), true);
        assert.equal(await ops.fail(trx, c.id, 'me', 'gave up', c.attempts + 1), false);
        assert.equal(await ops.fail(trx, c.id, 'me', 'gave up', c.attempts), true);
      });
      const rows = await store.db.selectFrom('jobs').select(['id', 'state', 'run_at', 'last_error', 'locked_by', 'locked_until']).where('kind', '=', 'csHeld').orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => ({ ...r, run_at: Number(r.run_at) })),
        [
          { id: b.id, state: 'pending', run_at: now + 5, last_error: 'retry later', locked_by: null, locked_until: null },
          { id: c.id, state: 'failed', run_at: now, last_error: 'gave up', locked_by: null, locked_until: null },
        ],
      );
    });
  });
}
