// A chat's event that acts is planned in the webhook's own commit (issue 21,
// acted4): its runs, messages and first send job are written with the event,
// and no planEvent job is inserted, claimed or deleted. Three things keep it
// as safe as the job way, each checked here on SQLite and (when available)
// PostgreSQL:
// - order: a chat with an earlier event still waiting as a planEvent job
//   (retried, or recorded before an upgrade) sends the new one the job way
//   behind it, also when the earlier one is in the same batch;
// - isolation: a start that fails (a constraint) rolls back that event's
//   planning alone; it is stored with its planEvent job and its neighbours
//   in the batch commit planned;
// - effects after the commit: the "event planned" line and the runner's
//   wake-up come once, after it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { loadCurations, type CurationSet } from '../../src/curation/index.js';
import { Intake } from '../../src/delivery/intake.js';
import { eventIdFor, runIdFor } from '../../src/delivery/ids.js';
import { Store } from '../../src/delivery/store/store.js';
import { freshDatabases } from '../support/databases.js';
import { planQueued } from '../support/plan-events.js';
import { tempDir } from '../curation/helpers.js';

const CHANNEL = '95334';

const WELCOME = `id: welcome
defaultLanguage: ko
trigger: { on: chatOpened }
limits: { oncePerChat: false }
messages:
  - text: 반가워요
  - text: 무엇을 도와드릴까요?
`;

function opened(chatId: string, n: number): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}:${n}`, channelId: CHANNEL, chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

/** The log lines written, parsed, and the order of the lines and the runner's wake-ups. */
function recordingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const stores: Store[] = [];
after(async () => {
  for (const s of stores) await s.close();
});

const loaded = await loadCurations(await tempDir({ 'welcome.yaml': WELCOME }));
assert.ok(loaded.ok);
const curations: CurationSet = loaded.set;

for (const db of await freshDatabases()) {
  describe(`planning in the webhook's commit on ${db.name}`, () => {
    async function open(): Promise<{ store: Store; intake: Intake; lines: Array<Record<string, unknown>>; wakes: () => number }> {
      const store = await Store.open(db.url, { delayScale: 0 });
      stores.push(store);
      const { logger, lines } = recordingLogger();
      let wakes = 0;
      const intake = new Intake({ store, logger, now: () => 1_800_000_000_000, onWork: () => wakes++ });
      return { store, intake, lines, wakes: () => wakes };
    }

    const jobsOf = (store: Store, eventId: string) => store.db.selectFrom('jobs').select(['kind', 'lane']).where('key', '=', `planEvent:${eventId}`).execute();
    const eventRow = (store: Store, eventId: string) => store.db.selectFrom('events').select(['status', 'event_json']).where('id', '=', eventId).executeTakeFirstOrThrow();
    /** The chat's messages that may send, in the order they will (the live one first). */
    const liveMessages = (store: Store, chatId: string) =>
      store.db.selectFrom('messages').select(['run_id', 'seq', 'state']).where('chat_id', '=', chatId).where('state', 'in', ['pending', 'sending']).orderBy('run_id').orderBy('seq').execute();

    test("a chat's event that acts starts its runs in the webhook's commit: no planEvent job, the line and the wake-up after it", async () => {
      const { store, intake, lines, wakes } = await open();
      const outcome = await intake.receive(opened('inline-1', 0), curations);
      const eventId = outcome.eventId;
      const runId = runIdFor('welcome', `${CHANNEL}/chatOpened:inline-1:0`);
      assert.equal(outcome.status, 'acted');
      assert.deepEqual(
        outcome.runs.map((r) => r.runId),
        [runId],
      );
      assert.deepEqual(await jobsOf(store, eventId), [], 'no planEvent job');
      assert.deepEqual(await eventRow(store, eventId), { status: 'acted', event_json: null });
      const messages = await store.db.selectFrom('messages').select(['seq', 'state']).where('run_id', '=', runId).orderBy('seq').execute();
      assert.deepEqual(messages, [
        { seq: 0, state: 'pending' },
        { seq: 1, state: 'waiting' },
      ]);
      assert.equal((await store.db.selectFrom('jobs').select('kind').where('kind', '=', 'sendMessage').execute()).length, 1, 'its first send is a job');
      const planned = lines.filter((l) => l.msg === 'event planned');
      assert.equal(planned.length, 1);
      assert.deepEqual(planned[0]!.runs, [{ runId, curationId: 'welcome', state: 'pending' }]);
      assert.equal(planned[0]!.eventId, eventId);
      assert.equal(wakes(), 1, 'the runner is woken once, after the commit');
      // A repeat of the delivery starts nothing and plans nothing.
      const again = await intake.receive(opened('inline-1', 0), curations);
      assert.equal(again.duplicate, true);
      assert.equal(lines.filter((l) => l.msg === 'event planned').length, 1);
      assert.equal(await planQueued(store, () => curations), 0, 'nothing left for the job way');
    });

    test("an event whose chat has an earlier one waiting as a planEvent job goes the job way, behind it", async () => {
      const { store, intake } = await open();
      // The earlier opening recorded the job way (as before this change, or retried after a database error): its job waits.
      const first = opened('order-1', 0);
      const firstId = eventIdFor(`${CHANNEL}/${first.dedupeKey}`);
      await store.record({ eventId: firstId, event: { ...first, dedupeKey: `${CHANNEL}/${first.dedupeKey}` }, receivedAt: 1_000, candidates: [{ runId: runIdFor('welcome', `${CHANNEL}/${first.dedupeKey}`), curationId: 'welcome' }], takeover: false });
      assert.equal((await jobsOf(store, firstId)).length, 1);
      const second = await intake.receive(opened('order-1', 1), curations);
      assert.equal(second.status, 'queued', 'not planned in its commit');
      assert.deepEqual(await jobsOf(store, second.eventId), [{ kind: 'planEvent', lane: `chatEvents:${CHANNEL}/order-1` }]);
      assert.equal(await planQueued(store, () => curations), 2);
      const live = await liveMessages(store, 'order-1');
      assert.deepEqual(
        live.filter((m) => m.state === 'pending').map((m) => m.run_id),
        [runIdFor('welcome', `${CHANNEL}/${first.dedupeKey}`)],
        "the earlier event's run is the chat's live one",
      );
    });

    test('a start that fails is rolled back alone: the event gets its planEvent job, a later event of its chat in the same batch queues behind it, other chats plan', async () => {
      const { store, intake, lines } = await open();
      const broken = runIdFor('welcome', `${CHANNEL}/chatOpened:fail-1:0`);
      // A constraint the store does not expect (as a bad row would): this one run cannot be inserted.
      if (store.dialect === 'sqlite') {
        await sql.raw(`CREATE TRIGGER refuse_run BEFORE INSERT ON runs WHEN NEW.id = '${broken}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`).execute(store.db);
      } else {
        await sql.raw(`CREATE FUNCTION refuse_run() RETURNS trigger AS $$ BEGIN IF NEW.id = '${broken}' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`).execute(store.db);
        await sql.raw('CREATE TRIGGER refuse_run BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION refuse_run()').execute(store.db);
      }
      // One batch: the failing opening, a later event of its chat, and another chat's opening.
      const [failed, later, other] = await Promise.all([intake.receive(opened('fail-1', 0), curations), intake.receive(opened('fail-1', 1), curations), intake.receive(opened('fine-1', 0), curations)]);
      assert.equal(failed.status, 'queued', 'stored with its planEvent job');
      assert.equal((await jobsOf(store, failed.eventId)).length, 1);
      const stored = await eventRow(store, failed.eventId);
      assert.equal(stored.status, 'queued');
      assert.ok(stored.event_json, 'with its body, for its job');
      assert.equal(later.status, 'queued', 'behind the failed one, in its lane');
      assert.equal((await jobsOf(store, later.eventId)).length, 1);
      assert.equal(other.status, 'acted', "another chat's event in the same batch is planned");
      assert.equal(lines.filter((l) => l.msg === 'could not start the event in its commit: its planEvent job will').length, 1);
      // The job way fails it as it always has (the constraint holds), and then acts on the later one.
      await sql.raw(store.dialect === 'sqlite' ? 'DROP TRIGGER refuse_run' : 'DROP TRIGGER refuse_run ON runs').execute(store.db);
      assert.equal(await planQueued(store, () => curations), 2);
      const live = await liveMessages(store, 'fail-1');
      assert.deepEqual(
        live.filter((m) => m.state === 'pending').map((m) => m.run_id),
        [broken],
        "the first event's run is the chat's live one",
      );
    });

    test("two events of a chat in one batch, both planned in the commit, start in arrival order", async () => {
      const { store, intake } = await open();
      const outcomes = await Promise.all([0, 1, 2].map((n) => intake.receive(opened('batch-1', n), curations)));
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['acted', 'acted', 'acted'],
      );
      const live = await liveMessages(store, 'batch-1');
      assert.deepEqual(
        live.filter((m) => m.state === 'pending').map((m) => m.run_id),
        [runIdFor('welcome', `${CHANNEL}/chatOpened:batch-1:0`)],
      );
      assert.deepEqual(
        (await store.db.selectFrom('runs').select('id').where('chat_id', '=', 'batch-1').orderBy('id').execute()).map((r) => r.id),
        [0, 1, 2].map((n) => runIdFor('welcome', `${CHANNEL}/chatOpened:batch-1:${n}`)).sort(),
        'all three started',
      );
    });
  });
}
