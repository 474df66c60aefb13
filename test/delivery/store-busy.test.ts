// Another connection holds the database's write lock (SQLite: BEGIN
// EXCLUSIVE on the same file; PostgreSQL: LOCK TABLE … IN EXCLUSIVE MODE).
// The store must neither freeze the event loop nor lose anything: intake
// fails fast with a typed error, health says busy at once, the dispatcher's
// writes and start-up wait asynchronously and go through after the release.
import { intake } from '../support/intake.js';
import { sendOps } from '../support/sends.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Store } from '../../src/delivery/store/store.js';
import type { IntakeItem } from '../../src/delivery/store/start-runs.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { freshDatabases, freshPostgres, postgresAvailable, type TestDb } from '../support/databases.js';
import { planOf } from '../support/plans.js';
import { tempDir } from '../support/processes.js';

const DB_KINDS = await freshDatabases();

function opened(chatId: string): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

function item(chatId: string, delays: number[]): IntakeItem {
  const runId = `r-${chatId}`;
  return {
    eventId: `e-${chatId}`,
    event: opened(chatId),
    receivedAt: 1_000,
    takeover: false,
    candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: planOf(runId, delays) }],
  };
}

interface Hold {
  /** True while the other connection still holds the lock. */
  held(): boolean;
  release(): Promise<void>;
}

async function holdLock(db: TestDb): Promise<Hold> {
  if (db.name === 'sqlite') {
    const other = new BetterSqlite3(db.url.slice('sqlite:'.length));
    other.exec('BEGIN EXCLUSIVE');
    return {
      held: () => other.inTransaction,
      release: () => {
        other.exec('COMMIT');
        other.close();
        return Promise.resolve();
      },
    };
  }
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  await other.query('BEGIN');
  // Blocks every insert and update (ROW EXCLUSIVE), not plain reads, like SQLite's write lock in WAL mode.
  await other.query('LOCK TABLE events, runs, messages, chats IN EXCLUSIVE MODE');
  let held = true;
  return {
    held: () => held,
    release: async () => {
      await other.query('COMMIT');
      held = false;
      await other.end();
    },
  };
}

/** Counts setInterval ticks; `during(p)` counts those that fired while `p` was unsettled. */
function ticker() {
  let count = 0;
  const timer = setInterval(() => count++, 1);
  return {
    get count() {
      return count;
    },
    stop: () => clearInterval(timer),
  };
}

/** Lets the event loop turn twice (other callbacks run), then says whether `p` is still unsettled. */
async function stillPendingAfterTurns(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 2; i++) await new Promise<void>((r) => setImmediate(r));
  return !settled;
}

for (const kind of DB_KINDS) {
  describe(`a held lock on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
    });
    after(async () => {
      await store.close();
    });

    test('intake fails fast with DatabaseBusyError without blocking the loop; the same item commits after the release', { timeout: 60_000 }, async () => {
      const hold = await holdLock(kind);
      const ticks = ticker();
      try {
        const attempt = intake(store, item('busy-intake', [0, 0]));
        assert.ok(await stillPendingAfterTurns(attempt), 'the intake waits without holding the event loop');
        const at = ticks.count;
        await assert.rejects(attempt, (e: Error) => e.name === 'DatabaseBusyError' && /database busy/.test(e.message));
        assert.ok(ticks.count > at, 'timers kept firing while the intake waited');
        assert.ok(hold.held(), 'the intake gave up while the lock was still held');
        assert.equal(await store.health(), 'busy');
      } finally {
        ticks.stop();
        await hold.release();
      }
      assert.equal(await store.health(), 'ok');
      const out = await intake(store, item('busy-intake', [0, 0]));
      assert.equal(out.duplicate, false, 'nothing of the refused attempt was stored');
      assert.deepEqual(out.runs.map((r) => r.runId), ['r-busy-intake']);
      const messages = await store.db.selectFrom('messages').select('seq').where('run_id', '=', 'r-busy-intake').execute();
      assert.equal(messages.length, 2);
    });

    test("the dispatcher's write after a send waits for the lock asynchronously and then commits", { timeout: 60_000 }, async () => {
      await intake(store, item('busy-send', [0, 0]));
      const [m] = (await sendOps(store).claimDue(1_000, 100, 'i', 30_000)).filter((x) => x.chat_id === 'busy-send');
      assert.ok(m);
      const hold = await holdLock(kind);
      let write: Promise<string>;
      try {
        write = sendOps(store).markSent(m, 1_100, 'ct-1', 1);
        assert.ok(await stillPendingAfterTurns(write), 'markSent waits without holding the event loop');
        assert.ok(hold.held());
      } finally {
        await hold.release();
      }
      assert.equal(await write, 'next');
      const rows = await store.db.selectFrom('messages').select(['seq', 'state']).where('run_id', '=', 'r-busy-send').orderBy('seq').execute();
      assert.deepEqual(rows.map((r) => r.state), ['sent', 'pending']);
    });
  });
}

describe('start-up while another connection holds the lock', () => {
  test('sqlite: migrations wait asynchronously and run after the release', { timeout: 60_000 }, async () => {
    const file = path.join(tempDir(), 'locked-at-start.db');
    const other = new BetterSqlite3(file);
    other.pragma('journal_mode = WAL');
    other.exec('BEGIN EXCLUSIVE');
    let opening: Promise<Store>;
    try {
      opening = Store.open(`sqlite:${file}`, { delayScale: 1 });
      assert.ok(await stillPendingAfterTurns(opening), 'Store.open waits without holding the event loop');
      assert.ok(other.inTransaction);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    const store = await opening;
    try {
      assert.equal(await store.health(), 'ok');
      assert.equal(await store.queueDepth(), 0);
    } finally {
      await store.close();
    }
  });

  const admin = postgresAvailable();
  test('postgres: migrations wait for the migration lock and run after the release', { skip: admin ? false : 'TEST_DATABASE_URL not set', timeout: 60_000 }, async () => {
    const url = await freshPostgres(admin!);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    // Kysely's migration lock (PostgresAdapter's LOCK_ID): another instance migrating.
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock(3853314791062309107)');
    let opening: Promise<Store>;
    try {
      opening = Store.open(url, { delayScale: 1 });
      assert.ok(await stillPendingAfterTurns(opening));
    } finally {
      await other.query('COMMIT');
      await other.end();
    }
    const store = await opening;
    try {
      assert.equal(await store.health(), 'ok');
    } finally {
      await store.close();
    }
  });
});
