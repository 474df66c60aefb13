// The webhook's events insert, compiled once (record-event.ts EventInsert):
// on both databases it writes every column as given, nulls included, and
// leaves a stored event of the same dedupe key alone.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import { EventInsert } from '../../src/delivery/store/record-event.js';
import type { EventsTable } from '../../src/delivery/store/schema.js';
import { freshDatabases, type TestDb } from '../support/databases.js';

let databases: TestDb[] = [];
before(async () => {
  databases = await freshDatabases();
});

const row = (id: string, over: Partial<EventsTable> = {}): EventsTable => ({
  id,
  dedupe_key: `95334/botMessage:${id}`,
  kind: 'botMessage',
  channel_id: '95334',
  chat_id: 'chat-1',
  user_id: null,
  status: 'no_match',
  reason: 'no curation matched',
  reason_words: '[{"key":"reasons.noCurationMatched"}]',
  received_at: 1_765_000_000_123,
  summary_json: '{"kind":"botMessage"}',
  event_json: null,
  ...over,
});

test('every column as given; a repeat of the dedupe key inserts nothing and changes nothing', async () => {
  for (const { name, url } of databases) {
    const store = await Store.open(url, { delayScale: 0 });
    try {
      const insert = new EventInsert(store.db);
      const first = row('ev-1');
      const nulls = row('ev-2', { channel_id: null, chat_id: null, reason: null, reason_words: null, status: 'queued', event_json: '{"kind":"chatOpened"}' });
      assert.equal(await store.db.transaction().execute((trx) => insert.run(trx, first)), true, name);
      assert.equal(await store.db.transaction().execute((trx) => insert.run(trx, nulls)), true, name);
      const again = { ...first, id: 'ev-3', status: 'ignored' as const, summary_json: '{}' };
      assert.equal(await store.db.transaction().execute((trx) => insert.run(trx, again)), false, `${name}: a duplicate`);
      const stored = await store.db.selectFrom('events').selectAll().orderBy('id').execute();
      assert.deepEqual(
        stored.map((r) => ({ ...r, received_at: Number(r.received_at) })),
        [first, nulls],
        name,
      );
    } finally {
      await store.close();
    }
  }
});
