// A wait that does not hold the chat (issue 18 item 7), through the real
// store on SQLite and PostgreSQL: a message whose wait is longer than
// PARK_AFTER_SECONDS parks its run (no live message, the chat free), its
// wakeRun job makes it pending again at the wait's end, and it then takes
// its turn in the chat's order. Sends are driven by hand (test/support/sends.ts),
// the wakes by the real wakeRun handler, claimed and settled as the runner does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import type { IntakeItem } from '../../src/delivery/store/start-runs.js';
import type { ChatOpenedEvent, Event } from '../../src/channeltalk/event.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { settle } from '../../src/jobs/settle.js';
import type { Job, JobContext } from '../../src/jobs/types.js';
import { wakeRunHandler } from '../../src/jobs/handlers/wake-run.js';
import { wakeRunKey } from '../../src/delivery/job-kinds.js';
import { freshDatabases } from '../support/databases.js';
import { intake } from '../support/intake.js';
import { sendOps, type SendOps } from '../support/sends.js';
import { planOf } from '../support/plans.js';

const DB_KINDS = await freshDatabases();
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const PARK_AFTER_MS = 5 * MINUTE;
const silent = pino({ level: 'silent' });

function opened(chatId: string, n: number): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}:${n}`, channelId: '95334', chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: { name: 'A' }, language: 'ko', occurredAt: null };
}

function item(event: Event, runId: string, delays: number[], at: number, curationId = runId): IntakeItem {
  return {
    eventId: `e-${event.dedupeKey}`,
    event,
    receivedAt: at,
    takeover: event.kind === 'managerMessage',
    candidates: [{ runId, curationId, oncePerChat: false, cooldownMs: null, plan: planOf(runId, delays) }],
  };
}

for (const kind of DB_KINDS) {
  describe(`parked runs on ${kind.name}`, () => {
    let store: Store;
    let sends: SendOps;
    /** Every send, in the order Channel Talk took them: `<runId>-<seq>`. */
    let sent: string[] = [];

    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1, parkAfterMs: PARK_AFTER_MS });
      sends = sendOps(store);
    });
    after(async () => {
      await store.close();
    });

    /** Sends what is due at `now` (one message per chat: the live one), as the sendMessage job would; returns the request ids sent. */
    async function sendDue(now: number): Promise<string[]> {
      const out: string[] = [];
      for (const m of await sends.claimDue(now, 50, 'test', 30_000)) {
        await sends.markSent(m, now, `ct-${m.request_id}`, store.timing);
        out.push(m.request_id);
      }
      sent.push(...out);
      return out;
    }

    /** Sends everything of the chats that becomes due up to `until`, a second at a time; wakes parked runs on the way. */
    async function drive(from: number, until: number): Promise<void> {
      for (let now = from; now <= until; now += SECOND) {
        await wakeDue(now);
        await sendDue(now);
      }
    }

    /** Runs the wakeRun jobs due at `now` through the real handler, claimed and settled as the runner does; returns how many ran. */
    async function wakeDue(now: number): Promise<number> {
      const ops = new JobOps(store.db, store.dialect);
      const handler = wakeRunHandler({ db: store.db, timing: store.timing, leaseMs: 30_000 });
      const rows = await ops.claim(now, 10, 'test', new Map([['wakeRun', handler.leaseMs]]));
      for (const row of rows) {
        const job: Job<{ runId: string }> = { id: row.id, kind: row.kind, key: row.key, payload: handler.parse(JSON.parse(row.payload_json)), attempts: row.attempts, runAt: row.run_at, createdAt: row.created_at, lane: row.lane, pool: row.pool, leaseEnd: row.locked_until ?? now };
        const ctx: JobContext = { now: () => now, logger: silent, failure: (err) => ({ kind: 'fail', reason: String(err) }) };
        await settle(store.db, ops, job, 'test', await handler.run(job, ctx), { maxAttempts: null, maxAgeMs: null }, now);
      }
      return rows.length;
    }

    const runState = async (id: string) => (await store.db.selectFrom('runs').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
    const wakeJob = (id: string) => store.db.selectFrom('jobs').select(['run_at', 'state']).where('key', '=', wakeRunKey(id)).executeTakeFirst();
    const message = (id: string, seq: number) => store.db.selectFrom('messages').select(['state', 'due_at']).where('run_id', '=', id).where('seq', '=', seq).executeTakeFirstOrThrow();
    const liveIn = (chatId: string) => store.db.selectFrom('messages').select(['run_id', 'seq']).where('chat_id', '=', chatId).where('state', 'in', ['pending', 'sending']).execute();

    test('a wait longer than the threshold parks the run; another run of the chat goes meanwhile; the parked one finishes once, at its time', async () => {
      sent = [];
      const t0 = 1_000_000;
      await intake(store, item(opened('park-1', 1), 'follow-up', [0, 2 * HOUR, 2 * SECOND], t0));
      assert.deepEqual(await sendDue(t0), ['follow-up-0']);
      assert.equal(await runState('follow-up'), 'parked');
      assert.deepEqual(await liveIn('park-1'), [], 'the parked run holds no message of the chat');
      assert.deepEqual(await message('follow-up', 1), { state: 'waiting', due_at: t0 + 2 * HOUR });
      assert.deepEqual(await wakeJob('follow-up'), { run_at: t0 + 2 * HOUR, state: 'pending' });

      // The gift keyword, ten minutes later: its sequence goes at once, whole, while the follow-up waits.
      const t1 = t0 + 10 * MINUTE;
      await intake(store, item(opened('park-1', 2), 'gift', [0, SECOND, 2 * SECOND], t1));
      await drive(t1, t1 + 10 * SECOND);
      assert.deepEqual(sent, ['follow-up-0', 'gift-0', 'gift-1', 'gift-2']);
      assert.equal(await runState('gift'), 'completed');
      assert.equal(await runState('follow-up'), 'parked');
      assert.equal(await wakeDue(t0 + 2 * HOUR - 1), 0, 'not woken before its time');

      await drive(t0 + 2 * HOUR, t0 + 2 * HOUR + 10 * SECOND);
      assert.deepEqual(sent, ['follow-up-0', 'gift-0', 'gift-1', 'gift-2', 'follow-up-1', 'follow-up-2']);
      assert.equal(await runState('follow-up'), 'completed');
      assert.equal(await wakeJob('follow-up'), undefined, 'the wake is done');
      const states = await store.db.selectFrom('messages').select('state').where('run_id', '=', 'follow-up').orderBy('seq').execute();
      assert.deepEqual(states.map((m) => m.state), ['sent', 'sent', 'sent']);
    });

    test('a woken run waits for the message in flight of the chat, then goes before the younger runs', async () => {
      sent = [];
      const t0 = 2_000_000;
      await intake(store, item(opened('park-2', 1), 'older', [0, HOUR, 0], t0));
      await sendDue(t0);
      assert.equal(await runState('older'), 'parked');
      // A run that is still sending when the older one wakes, and a younger one queued behind it.
      const t1 = t0 + HOUR - 3 * SECOND;
      await intake(store, item(opened('park-2', 2), 'busy', [0, 4 * MINUTE, 0], t1));
      await intake(store, item(opened('park-2', 3), 'younger', [0], t1 + SECOND));
      await sendDue(t1);
      await drive(t0 + HOUR, t0 + HOUR + 2 * SECOND);
      assert.equal(await runState('older'), 'pending', 'woken, it waits its turn');
      assert.deepEqual(await liveIn('park-2'), [{ run_id: 'busy', seq: 1 }], 'the chat keeps one live message: the busy run holds its place');
      await drive(t1 + 4 * MINUTE, t1 + 4 * MINUTE + 10 * SECOND);
      assert.deepEqual(sent, ['older-0', 'busy-0', 'busy-1', 'busy-2', 'older-1', 'older-2', 'younger-0']);
      for (const id of ['older', 'busy', 'younger']) assert.equal(await runState(id), 'completed');
    });

    test("a run whose first message waits long parks at once, and the chat's next run goes first", async () => {
      sent = [];
      const t0 = 3_000_000;
      await intake(store, item(opened('park-3', 1), 'tomorrow', [24 * HOUR, 0], t0));
      assert.equal(await runState('tomorrow'), 'parked');
      assert.deepEqual(await message('tomorrow', 0), { state: 'waiting', due_at: t0 + 24 * HOUR });
      await intake(store, item(opened('park-3', 2), 'now', [0, SECOND], t0 + SECOND));
      await drive(t0 + SECOND, t0 + 5 * SECOND);
      assert.deepEqual(sent, ['now-0', 'now-1']);
      await drive(t0 + 24 * HOUR, t0 + 24 * HOUR + 2 * SECOND);
      assert.deepEqual(sent, ['now-0', 'now-1', 'tomorrow-0', 'tomorrow-1']);
      assert.equal(await runState('tomorrow'), 'completed');
    });

    test('a wait of exactly the threshold holds the chat; one millisecond more parks', async () => {
      sent = [];
      const t0 = 4_000_000;
      await intake(store, item(opened('park-4', 1), 'edge', [0, PARK_AFTER_MS, PARK_AFTER_MS + 1, 0], t0));
      await sendDue(t0);
      assert.equal(await runState('edge'), 'sending');
      assert.deepEqual(await message('edge', 1), { state: 'pending', due_at: t0 + PARK_AFTER_MS });
      await sendDue(t0 + PARK_AFTER_MS);
      assert.equal(await runState('edge'), 'parked');
      assert.deepEqual(await message('edge', 2), { state: 'waiting', due_at: t0 + 2 * PARK_AFTER_MS + 1 });
      await drive(t0 + 2 * PARK_AFTER_MS + 1, t0 + 2 * PARK_AFTER_MS + 3 * SECOND);
      assert.deepEqual(sent, ['edge-0', 'edge-1', 'edge-2', 'edge-3']);
      assert.equal(await runState('edge'), 'completed');
    });

    test('a takeover cancels a parked run and drops its wake; a wake already running then changes nothing', async () => {
      sent = [];
      const t0 = 5_000_000;
      await intake(store, item(opened('park-5', 1), 'taken', [0, HOUR, 0], t0));
      await intake(store, item(opened('park-6', 1), 'raced', [0, HOUR, 0], t0));
      await sendDue(t0);
      assert.equal(await runState('taken'), 'parked');
      assert.equal(await runState('raced'), 'parked');
      const manager = (chatId: string, id: string): Event => ({ ...opened(chatId, 9), kind: 'managerMessage', dedupeKey: `managerMessage:${id}`, messageId: id, personId: 'p' });
      await intake(store, { eventId: 'e-mm-5', event: manager('park-5', 'mm5'), receivedAt: t0 + MINUTE, takeover: true, candidates: [] });
      assert.equal(await runState('taken'), 'cancelled');
      assert.equal(await wakeJob('taken'), undefined, 'the wake not begun is dropped');
      assert.deepEqual(await message('taken', 1), { state: 'cancelled', due_at: null });

      // The wake is claimed (running) when the takeover commits: it finds the run cancelled.
      const ops = new JobOps(store.db, store.dialect);
      const handler = wakeRunHandler({ db: store.db, timing: store.timing, leaseMs: 30_000 });
      const rows = await ops.claim(t0 + HOUR, 10, 'test', new Map([['wakeRun', 30_000]]));
      assert.deepEqual(rows.map((r) => r.key), [wakeRunKey('raced')]);
      const row = rows[0]!;
      const job: Job<{ runId: string }> = { id: row.id, kind: row.kind, key: row.key, payload: handler.parse(JSON.parse(row.payload_json)), attempts: row.attempts, runAt: row.run_at, createdAt: row.created_at, lane: row.lane, pool: row.pool, leaseEnd: row.locked_until ?? 0 };
      const ctx: JobContext = { now: () => t0 + HOUR, logger: silent, failure: (err) => ({ kind: 'fail', reason: String(err) }) };
      const outcome = await handler.run(job, ctx);
      await intake(store, { eventId: 'e-mm-6', event: manager('park-6', 'mm6'), receivedAt: t0 + HOUR, takeover: true, candidates: [] });
      assert.equal((await wakeJob('raced'))?.state, 'running', 'a wake that is running is not dropped');
      await settle(store.db, ops, job, 'test', outcome, { maxAttempts: null, maxAgeMs: null }, t0 + HOUR);
      assert.equal(await runState('raced'), 'cancelled');
      assert.equal(await wakeJob('raced'), undefined);
      assert.deepEqual(await sendDue(t0 + HOUR + MINUTE), [], 'nothing more of either run is sent');
    });

    test('the queue depth leaves parked runs out: they are not a backlog', async () => {
      const t0 = 6_000_000;
      const before = await store.queueDepth();
      await intake(store, item(opened('park-7', 1), 'depth', [3 * HOUR, 0], t0));
      assert.equal(await runState('depth'), 'parked');
      assert.equal(await store.queueDepth(), before);
    });
  });
}
