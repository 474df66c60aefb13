// Which commits wait for the disk (issue 21): a group-commit batch in which
// nothing may act (record-event.ts mayAct) commits without the fsync; every
// other commit, a batch with one acting item among inert ones, and any other
// transaction that runs before, between or after, commits durably. On SQLite
// the safety level each COMMIT runs under is read at the COMMIT itself (a
// wrapper around better-sqlite3's prepare), with the events it commits.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { openSqlite, sqliteDialect } from '../../src/delivery/store/connect.js';
import { GroupCommitter } from '../../src/delivery/store/group-commit.js';
import { migrateToLatest } from '../../src/delivery/store/migrations.js';
import { mayAct, type RecordItem } from '../../src/delivery/store/record-event.js';
import { SQLITE_SYNC, StoreKysely, singleAttempt, transactionWithoutFsync } from '../../src/delivery/store/store-kysely.js';
import { Store } from '../../src/delivery/store/store.js';
import type { Database } from '../../src/delivery/store/schema.js';
import { freshPostgres, postgresAvailable } from '../support/databases.js';
import { tempDir } from '../support/processes.js';

const FULL = 2;
const NORMAL = 1;

interface Commit {
  sync: number;
  events: string[];
}

/** An SQLite store whose every COMMIT records the safety level it runs under and the events it commits. */
async function watchedSqlite(dir: string, name: string): Promise<{ db: StoreKysely; database: BetterSqlite3.Database; commits: Commit[] }> {
  const database = openSqlite(path.join(dir, `${name}.db`));
  const commits: Commit[] = [];
  let watching = false;
  let seenRowid = 0;
  const prepare = database.prepare.bind(database);
  const watchCommit = (stmt: BetterSqlite3.Statement) => ({
    reader: false,
    run(...params: unknown[]) {
      if (watching) {
        const sync = database.pragma('synchronous', { simple: true }) as number;
        const rows = prepare('select rowid, id from events where rowid > ? order by rowid').all(seenRowid) as Array<{ rowid: number; id: string }>;
        seenRowid = rows.at(-1)?.rowid ?? seenRowid;
        commits.push({ sync, events: rows.map((r) => r.id) });
      }
      return stmt.run(...params);
    },
  });
  database.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    return sql === 'commit' ? watchCommit(stmt) : stmt;
  }) as typeof database.prepare;
  const db = new StoreKysely({ dialect: sqliteDialect(database) });
  await migrateToLatest(db as unknown as Kysely<unknown>, 'sqlite');
  watching = true;
  return { db, database, commits };
}

let n = 0;
/** A chat opened; with a matched curation it acts (a planEvent job), without one nothing acts on it. */
function item(acts: boolean): RecordItem {
  const k = n++;
  const event: ChatOpenedEvent = { kind: 'chatOpened', dedupeKey: `1/chatOpened:dur-${k}`, channelId: '1', chatId: `dur-chat-${k}`, userId: null, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
  const it: RecordItem = { eventId: `e-dur-${k}-${acts ? 'acts' : 'inert'}`, event, receivedAt: 1_000 + k, candidates: acts ? [{ runId: `r-dur-${k}`, curationId: 'c1' }] : [], takeover: false };
  assert.equal(mayAct(it), acts);
  return it;
}

/** Another writer's transaction (the job runner's, the console's): it must commit durably whenever it runs. */
async function otherTransaction(db: StoreKysely): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.selectFrom('jobs').select('id').limit(1).execute();
  });
}

const turns = [
  () => Promise.resolve(),
  () => new Promise<void>((r) => setImmediate(r)),
  () => new Promise<void>((r) => setTimeout(r, 1)),
];

describe('commits without the fsync on SQLite', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('only a batch of inert events commits under synchronous=NORMAL; acting batches and every other transaction under FULL', async () => {
    const { db, database, commits } = await watchedSqlite(dir, 'mixed');
    try {
      const committer = new GroupCommitter(db, 'sqlite', chatTiming(0));
      const mixes: boolean[][] = [[false, false, false], [false, true, false], [true], [false], [true, true], [false, false]];
      for (let round = 0; round < 24; round++) {
        const mix = mixes[round % mixes.length]!;
        // The other transaction starts before, with, or after the batch's own turn.
        const other = turns[round % turns.length]!().then(() => otherTransaction(db));
        await Promise.all([...mix.map((acts) => committer.submit(item(acts))), other]);
      }
      await committer.drain();

      const inertOnly = commits.filter((c) => c.events.length > 0 && c.events.every((id) => id.endsWith('-inert')));
      const durable = commits.filter((c) => !inertOnly.includes(c));
      assert.ok(inertOnly.length >= 8, `batches of inert events seen: ${inertOnly.length}`);
      assert.ok(durable.some((c) => c.events.length === 0), 'other transactions seen');
      assert.ok(
        durable.some((c) => c.events.some((id) => id.endsWith('-acts')) && c.events.some((id) => id.endsWith('-inert'))),
        'an acting event and an inert one committed together',
      );
      for (const c of inertOnly) assert.equal(c.sync, NORMAL, `inert batch ${c.events.join(',')}: no fsync`);
      for (const c of durable) assert.equal(c.sync, FULL, `commit of [${c.events.join(',')}]: durable`);
      // Given back durable.
      assert.equal(database.pragma('synchronous', { simple: true }), FULL);
    } finally {
      await db.destroy();
    }
  });

  test('a connection whose FULL could not be set again is set FULL before anyone else gets it', async () => {
    const { db, database, commits } = await watchedSqlite(dir, 'refused');
    try {
      const prepare = database.prepare.bind(database);
      let refuse = true;
      database.prepare = ((sql: string) => {
        if (sql === SQLITE_SYNC.full && refuse) {
          refuse = false;
          throw new Error('disk I/O error (test)');
        }
        return prepare(sql);
      });
      const committer = new GroupCommitter(db, 'sqlite', chatTiming(0));
      // The inert batch commits; giving the connection back fails to set FULL (a store error for that batch).
      await committer.submit(item(false)).catch(() => undefined);
      assert.equal(refuse, false, 'setting FULL again was refused once');
      await committer.submit(item(true));
      await otherTransaction(db);
      const after = commits.filter((c) => c.events.length === 0 || c.events.some((id) => id.endsWith('-acts')));
      assert.ok(after.length >= 2);
      for (const c of after) assert.equal(c.sync, FULL, `commit of [${c.events.join(',')}]: durable`);
    } finally {
      await db.destroy();
    }
  });
});

const admin = postgresAvailable();
if (admin) {
  describe('commits without waiting for the WAL flush on PostgreSQL', () => {
    let store: Store | null = null;
    after(async () => store?.close());

    test('synchronous_commit is off inside that transaction only', async () => {
      store = await Store.open(await freshPostgres(admin), { delayScale: 0 });
      const setting = CompiledQuery.raw("select current_setting('synchronous_commit') as v");
      const read = async (trx: Transaction<Database>) => ((await trx.executeQuery<{ v: string }>(setting)).rows[0]!.v);
      const db = store.db;
      const seen = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2 === 0 ? transactionWithoutFsync(db, 'postgres', (trx) => read(trx)) : singleAttempt(db).execute((trx) => read(trx)),
        ),
      );
      assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'off' : 'on')));
      // After them, on every pooled connection (the pool holds 10): the session's own setting.
      const later = await Promise.all(Array.from({ length: 10 }, () => singleAttempt(db).execute((trx) => read(trx))));
      assert.deepEqual(later, Array.from({ length: 10 }, () => 'on'));
    });
  });
}
