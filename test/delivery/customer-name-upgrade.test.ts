// Migration 0016 gives runs their customer's name. Runs stored before it
// take the name from the profile they kept (a string `name`, trimmed and
// bounded as new runs do); a profile without one, or with another type
// there, leaves it empty. On SQLite and PostgreSQL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { connect } from '../../src/delivery/store/connect.js';
import { migrateTo } from '../../src/delivery/store/migrations.js';
import { Store } from '../../src/delivery/store/store.js';
import { CUSTOMER_NAME_MAX } from '../../src/channeltalk/event.js';
import { freshDatabases } from '../support/databases.js';

const DB_KINDS = await freshDatabases();
const LONG = '가'.repeat(CUSTOMER_NAME_MAX + 20);
const PROFILES: Record<string, string | null> = {
  named: JSON.stringify({ name: ' 홍길동 ', weight: 72.5 }),
  long: JSON.stringify({ name: LONG }),
  nameless: JSON.stringify({ weight: 60 }),
  numeric: JSON.stringify({ name: 42 }),
  blank: JSON.stringify({ name: '  ' }),
  none: null,
};

for (const kind of DB_KINDS) {
  describe(`customer names of older runs on ${kind.name}`, () => {
    test('the upgrade copies each run\'s name from its stored profile', async () => {
      const c = await connect(kind.url);
      const db = c.kysely as unknown as Kysely<Record<string, Record<string, unknown>>>;
      await migrateTo(db as Kysely<unknown>, c.dialect, '0014_curation_switch');
      for (const [id, profile] of Object.entries(PROFILES)) {
        await db.insertInto('runs').values({ id, curation_id: 'diet-main', event_id: `e-${id}`, channel_id: '95334', chat_id: `chat-${id}`, state: 'completed', profile_json: profile, created_at: 1, updated_at: 1 }).execute();
      }
      await c.kysely.destroy();
      const store = await Store.open(kind.url, { delayScale: 1 });
      try {
        const rows = await store.db.selectFrom('runs').select(['id', 'customer_name']).execute();
        const names = Object.fromEntries(rows.map((r) => [r.id, r.customer_name]));
        assert.deepEqual(names, { named: '홍길동', long: '가'.repeat(CUSTOMER_NAME_MAX), nameless: null, numeric: null, blank: null, none: null });
      } finally {
        await store.close();
      }
    });
  });
}
