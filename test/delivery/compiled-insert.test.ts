// CompiledInsert (store/compiled-insert.ts): an insert is built and compiled
// once per database and row count, then run with each call's values, which
// land in their columns; an insert that would not bind its values in column
// order is refused when compiled. SQLite and, when available, PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import { CompiledInsert } from '../../src/delivery/store/compiled-insert.js';
import type { ChatsTable } from '../../src/delivery/store/schema.js';
import { freshDatabases } from '../support/databases.js';

const DB_KINDS = await freshDatabases();

for (const kind of DB_KINDS) {
  describe(`a compiled insert on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    test('compiled once per row count, in and out of a transaction; each call inserts its own values', async () => {
      let builds = 0;
      const insert = new CompiledInsert<ChatsTable>(['chat_id', 'updated_at'], (db, rows) => {
        builds++;
        return db
          .insertInto('chats')
          .values(rows)
          .onConflict((oc) => oc.column('chat_id').doNothing())
          .returning('chat_id');
      });
      const first = await insert.run<{ chat_id: string }>(store.db, [{ chat_id: `ci-a-${kind.name}`, updated_at: 1 }]);
      assert.deepEqual(first.rows, [{ chat_id: `ci-a-${kind.name}` }]);
      await store.db.transaction().execute(async (trx) => {
        const again = await insert.run<{ chat_id: string }>(trx, [{ chat_id: `ci-b-${kind.name}`, updated_at: 2 }]);
        assert.deepEqual(again.rows, [{ chat_id: `ci-b-${kind.name}` }]);
      });
      assert.equal(builds, 1, 'one row: compiled once, for the database and its transactions');
      const two = await insert.run<{ chat_id: string }>(store.db, [
        { chat_id: `ci-c-${kind.name}`, updated_at: 3 },
        { chat_id: `ci-a-${kind.name}`, updated_at: 9 },
      ]);
      assert.deepEqual(two.rows, [{ chat_id: `ci-c-${kind.name}` }], 'the conflicting row is left out, as the built query would');
      assert.equal(builds, 2, 'two rows: a text of their own');
      await insert.run(store.db, [{ chat_id: `ci-d-${kind.name}`, updated_at: 4 }]);
      assert.equal(builds, 2);
      const rows = await store.db.selectFrom('chats').select(['chat_id', 'updated_at']).where('chat_id', 'like', `ci-%-${kind.name}`).orderBy('chat_id').execute();
      assert.deepEqual(
        rows.map((r) => ({ chat_id: r.chat_id, updated_at: Number(r.updated_at) })),
        [
          { chat_id: `ci-a-${kind.name}`, updated_at: 1 },
          { chat_id: `ci-b-${kind.name}`, updated_at: 2 },
          { chat_id: `ci-c-${kind.name}`, updated_at: 3 },
          { chat_id: `ci-d-${kind.name}`, updated_at: 4 },
        ],
      );
    });

    test('an insert that writes its columns in another order than given is refused, and inserts nothing', async () => {
      const insert = new CompiledInsert<ChatsTable>(['updated_at', 'chat_id'], (db, rows) => db.insertInto('chats').values(rows.map((r) => ({ chat_id: r.chat_id, updated_at: r.updated_at }))));
      await assert.rejects(insert.run(store.db, [{ chat_id: `ci-x-${kind.name}`, updated_at: 5 }]), /does not bind its values in column order/);
      const row = await store.db.selectFrom('chats').select('chat_id').where('chat_id', '=', `ci-x-${kind.name}`).executeTakeFirst();
      assert.equal(row, undefined);
    });
  });
}
