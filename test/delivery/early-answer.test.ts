// An answer that comes while the ask is still being sent (issue 16, item 7).
// The ask's form message is followed by another message; the customer
// submits the form while that message is still going out, so the run is not
// `awaiting` yet when the answer's planEvent job runs. The answer is kept on
// the run (runs.answered_at, a time and nothing of the answer), and the run
// is planned again the moment it starts to wait: the sequence follows, once,
// in order. Only an answer to this ask counts: one that came before the
// form went out, or a form that writes none of the asked keys, does not.
// On SQLite and (when available) PostgreSQL, where the answer and the last
// send also run side by side, in both orders.
import { fromSet } from '../support/curation-of.js';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { intakeItem } from '../../src/delivery/intake.js';
import { eventIdFor } from '../../src/delivery/ids.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { settle } from '../../src/jobs/settle.js';
import type { Job, JobContext, JobHandler } from '../../src/jobs/types.js';
import { planRunHandler } from '../../src/jobs/handlers/plan-run.js';
import { answerWaitHandler } from '../../src/jobs/handlers/answer-wait.js';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import type { ChatOpenedEvent, Event } from '../../src/channeltalk/event.js';
import { loadCurations, type CurationSet } from '../../src/curation/index.js';
import { markSentTx, type ClaimedMessage } from '../../src/delivery/store/send-outcomes.js';
import { startRuns } from '../../src/delivery/store/start-runs.js';
import { sql } from 'kysely';
import { intake as intakeNow } from '../support/intake.js';
import { sendOps } from '../support/sends.js';
import { freshDatabases } from '../support/databases.js';
import { webhook } from '../support/fixtures.js';
import { tempDir } from '../curation/helpers.js';
import { eventually } from '../support/processes.js';

const DB_KINDS = await freshDatabases();
const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;

// The ask: an intro, the form, and a message after it (the case that lost answers).
const CURATION = `id: bmi
defaultLanguage: ko
trigger: { on: chatOpened }
fields:
  name: { type: text, required: false }
  weight: { type: number, unit: kg, min: 20, max: 300 }
  height: { type: number, unit: cm, min: 100, max: 250 }
compute:
  bmi: round(weight / (height / 100) ^ 2, 1)
messages:
  - text: "BMI {{ bmi }}"
  - text: 오늘도 화이팅!
fallback:
  messages:
    - text: 설문을 끝까지 작성해 주세요.
  ask:
    wait: 12h
    messages:
      - text: 맞춤 계산을 위해 몇 가지만 여쭐게요.
      - text: 아래 내용만 알려 주세요.
        form:
          inputs:
            - { field: weight, label: 현재 체중 (kg) }
            - { field: height, label: 키 (cm) }
      - text: 답을 주시면 바로 계산해 드릴게요.
`;

function opened(chatId: string, userId: string, profile: Record<string, unknown>): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId, chatTags: [], supportBotId: null, profile, language: 'ko', occurredAt: null };
}

/** The customer submits the ask's form in the chat (the recorded delivery, for this chat, user and answer). */
function formSubmitted(chatId: string, userId: string, messageId: string, inputs: Array<{ bindingKey: string; value: unknown }>): Event {
  const body = webhook('rec-message-form-submitted');
  const entity = body.entity as Record<string, unknown>;
  const form = entity.form as Record<string, unknown>;
  const refers = body.refers as Record<string, Record<string, unknown>>;
  const event = normalize({
    ...body,
    entity: { ...entity, id: messageId, mainKey: messageId, chatId, chatKey: `userChat-${chatId}`, form: { ...form, inputs: inputs.map((i) => ({ type: 'number', dataType: 'number', label: '현재 체중 (kg)', userProfileBindingKey: true, readOnly: false, ...i })) } },
    refers: { userChat: { ...refers.userChat, id: chatId, userId }, user: { ...refers.user, id: userId } },
  });
  assert.equal(event.kind, 'profileChanged');
  return event;
}

for (const kind of DB_KINDS) {
  describe(`an answer that comes while the ask is still being sent, on ${kind.name}`, () => {
    let store: Store;
    let set: CurationSet;
    let now = T0;
    /** What GET /users/{id} answers: the profile Channel Talk holds now. */
    const profiles = new Map<string, Record<string, unknown>>();
    const client = new ChannelTalkClient({
      baseUrl: 'http://channeltalk.invalid',
      accessKey: 'k',
      accessSecret: 's',
      retry: false,
      fetch: (input) => {
        const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
        const id = decodeURIComponent(url.split('/users/')[1] ?? '');
        const profile = profiles.get(id);
        return Promise.resolve(
          profile
            ? new Response(JSON.stringify({ user: { id, profile, language: 'ko' } }), { status: 200, headers: { 'content-type': 'application/json' } })
            : new Response(JSON.stringify({ message: 'not found' }), { status: 404, headers: { 'content-type': 'application/json' } }),
        );
      },
    });
    let handlers: Map<string, JobHandler<unknown>>;

    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
      const loaded = await loadCurations(await tempDir({ 'bmi.yaml': CURATION }));
      assert.ok(loaded.ok);
      set = loaded.set;
      handlers = new Map<string, JobHandler<unknown>>([
        ['planRun', planRunHandler({ db: store.db, clientFor: () => client, curationOf: fromSet(set), timing: chatTiming(1), maxAgeMs: HOUR, leaseMs: 60_000 })],
        ['answerWait', answerWaitHandler({ db: store.db, curationOf: fromSet(set), defaultWaitMs: 24 * HOUR, leaseMs: 60_000 })],
      ]);
    });
    after(async () => {
      await store.close();
    });

    /** Runs the jobs due at `now` the way the runner does (claim, handler, settle); returns their kinds. */
    async function runDueJobs(): Promise<string[]> {
      const ops = new JobOps(store.db, store.dialect);
      const rows = await ops.claim(now, 10, 'test', new Map([...handlers].map(([k, h]) => [k, h.leaseMs])));
      for (const row of rows) {
        const h = handlers.get(row.kind);
        assert.ok(h, row.kind);
        const job: Job<unknown> = { id: row.id, kind: row.kind, key: row.key, payload: h.parse(JSON.parse(row.payload_json)), attempts: row.attempts, runAt: row.run_at, createdAt: row.created_at, lane: row.lane, pool: row.pool, leaseEnd: row.locked_until ?? now };
        const ctx: JobContext = { now: () => now, logger: silent, failure: (err) => ({ kind: 'fail', reason: String(err) }) };
        await settle(store.db, ops, job, 'test', await h.run(job, ctx), { maxAttempts: null, maxAgeMs: null }, now);
      }
      return rows.map((r) => r.kind);
    }

    /** Claims the chat's due message (now in flight, as the runner's claim leaves it). */
    async function claimNext(chatId: string): Promise<ClaimedMessage> {
      const [m] = await sendOps(store).claimDue(now + 24 * HOUR, 1, `test-${chatId}`, 30_000);
      assert.ok(m, 'a message is due');
      assert.equal(m.chat_id, chatId);
      return m;
    }

    /** Sends every due message, each one second after the last; returns seq and requestId and text. */
    async function sendDue(): Promise<Array<{ seq: number; requestId: string; text: string }>> {
      const sent: Array<{ seq: number; requestId: string; text: string }> = [];
      for (let guard = 0; guard < 20; guard++) {
        const [m] = await sendOps(store).claimDue(now + 24 * HOUR, 1, 'test', 30_000);
        if (!m) break;
        now += 1_000;
        await sendOps(store).markSent(m, now, `ct-${m.request_id}`, 1);
        sent.push({ seq: m.seq, requestId: m.request_id, text: m.body_json });
      }
      return sent;
    }

    const acceptNow = (event: Event) => intakeNow(store, intakeItem(eventIdFor(event.dedupeKey), event, set, now));
    const runOf = (runId: string) => store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    const jobsOf = (runId: string) =>
      store.db.selectFrom('jobs').select(['kind', 'state']).where('key', 'in', [`planRun:${runId}`, `answerWait:${runId}`]).orderBy('kind').execute();
    const sentOf = (runId: string) => store.db.selectFrom('messages').select(['seq', 'request_id', 'state']).where('run_id', '=', runId).orderBy('seq').execute();

    /** Opens the chat of a customer whose weight is missing and sends the ask up to its form; returns the run id. */
    async function askUpToTheForm(chatId: string, userId: string): Promise<string> {
      profiles.set(userId, { name: '김하나', height: 176 });
      const out = await acceptNow(opened(chatId, userId, { name: '김하나', height: 176 }));
      const runId = out.runs[0]?.runId;
      assert.ok(runId);
      for (const seq of [0, 1]) {
        const m = await claimNext(chatId);
        assert.equal(m.seq, seq);
        now += 1_000;
        assert.equal(await sendOps(store).markSent(m, now, `ct-${m.request_id}`, 1), 'next');
        if (seq === 1) assert.match(m.body_json, /"bindingKey":"user.profile.weight"/, 'the form went out');
      }
      assert.equal((await runOf(runId)).state, 'sending');
      return runId;
    }

    test('the form is submitted while the message after it is in flight: the run is planned again as it starts to wait, and the sequence follows once, in order', async () => {
      const runId = await askUpToTheForm('early-a', 'early-user-a');
      const last = await claimNext('early-a');
      assert.equal(last.seq, 2, "the ask's last message, in flight");

      // The customer answers now: Channel Talk writes the weight and delivers the submitted form.
      now += 500;
      profiles.set('early-user-a', { name: '김하나', height: 176, weight: 72.5 });
      const answer = formSubmitted('early-a', 'early-user-a', 'msg-early-a-form', [{ bindingKey: 'user.profile.weight', value: 72.5 }]);
      const answered = await acceptNow(answer);
      assert.equal(answered.status, 'acted', 'the answer is kept for the run, not dropped as no_match');
      assert.deepEqual(answered.runs.map((r) => r.runId), [runId]);
      const kept = await runOf(runId);
      assert.equal(kept.state, 'sending', 'the run goes on sending its ask');
      assert.equal(kept.answered_at, now, 'the time the answer came, and nothing of it');

      // The last message of the ask goes out: the run starts to wait and is answered at once.
      now += 500;
      assert.equal(await sendOps(store).markSent(last, now, `ct-${last.request_id}`, 1), 'answered');
      const resumed = await runOf(runId);
      assert.equal(resumed.state, 'planning');
      assert.equal(resumed.asked_at, now, 'it asked');
      assert.deepEqual(await jobsOf(runId), [{ kind: 'planRun', state: 'pending' }], 'planned again; no wait of 12h');

      assert.deepEqual(await runDueJobs(), ['planRun']);
      const rest = await sendDue();
      assert.deepEqual(rest.map((m) => [m.seq, m.requestId]), [[3, `${runId}-3`], [4, `${runId}-4`]], "after the ask's messages, once");
      assert.match(rest[0]!.text, /BMI 23\.4/, 'computed from the answer: 72.5 kg, 176 cm');
      assert.equal((await runOf(runId)).state, 'completed');
      assert.deepEqual((await sentOf(runId)).map((m) => [m.seq, m.request_id, m.state]), [0, 1, 2, 3, 4].map((s) => [s, `${runId}-${s}`, 'sent']), 'every message once, in order');

      // The same delivery again, and a later edit: nothing more.
      assert.equal((await acceptNow(answer)).duplicate, true);
      now += 60_000;
      const later = formSubmitted('early-a', 'early-user-a', 'msg-early-a-form-2', [{ bindingKey: 'user.profile.weight', value: 73 }]);
      assert.deepEqual((await acceptNow(later)).runs, []);
      assert.deepEqual(await runDueJobs(), []);
      assert.deepEqual(await sendDue(), []);
      assert.deepEqual(await jobsOf(runId), []);
    });

    test('the answer comes while the message after the form waits to be retried: the same', async () => {
      const runId = await askUpToTheForm('early-b', 'early-user-b');
      const last = await claimNext('early-b');
      // Channel Talk failed the send (a 20% fault): it is due again later.
      await sendOps(store).markRetry(last, now + 5_000, 'HTTP 503', now, 1);
      now += 1_000;
      profiles.set('early-user-b', { name: '김하나', height: 176, weight: 72.5 });
      assert.equal((await acceptNow(formSubmitted('early-b', 'early-user-b', 'msg-early-b-form', [{ bindingKey: 'user.profile.weight', value: 72.5 }]))).status, 'acted');
      now += 5_000;
      const sent = await sendDue();
      assert.deepEqual(sent.map((m) => m.seq), [2]);
      assert.equal((await runOf(runId)).state, 'planning');
      assert.deepEqual(await runDueJobs(), ['planRun']);
      assert.deepEqual((await sendDue()).map((m) => m.seq), [3, 4]);
      assert.equal((await runOf(runId)).state, 'completed');
    });

    test('only an answer to this ask: a form of other keys, or a change before the form went out, leaves the run to wait', async () => {
      profiles.set('early-user-c', { name: '김하나', height: 176 });
      const runId = (await acceptNow(opened('early-c', 'early-user-c', { name: '김하나', height: 176 }))).runs[0]?.runId;
      assert.ok(runId);
      const intro = await claimNext('early-c');
      now += 1_000;
      await sendOps(store).markSent(intro, now, 'ct-intro', 1);
      // The weight changes before the form went out (the intro only): it answers no question yet.
      now += 100;
      const before = await acceptNow(formSubmitted('early-c', 'early-user-c', 'msg-early-c-other', [{ bindingKey: 'user.profile.weight', value: 70 }]));
      assert.equal(before.status, 'no_match');
      // After the form: another form of the chat, which writes none of the asked keys.
      const form = await claimNext('early-c');
      now += 1_000;
      await sendOps(store).markSent(form, now, 'ct-form', 1);
      const last = await claimNext('early-c');
      now += 100;
      const other = await acceptNow(formSubmitted('early-c', 'early-user-c', 'msg-early-c-phone', [{ bindingKey: 'user.profile.mobileNumber', value: '+821023456789' }]));
      assert.equal(other.status, 'no_match');
      assert.equal((await runOf(runId)).answered_at, null);
      now += 1_000;
      assert.equal(await sendOps(store).markSent(last, now, 'ct-last', 1), 'awaiting');
      assert.equal((await runOf(runId)).state, 'awaiting');
      assert.deepEqual(await jobsOf(runId), [{ kind: 'answerWait', state: 'pending' }]);
    });

    // PostgreSQL: the answer's transaction and the last send's run side by side on two connections; each is
    // held open after its writes until the other waits for the run's row lock, so both orders happen for sure.
    const lockWaits = async () =>
      Number((await sql<{ n: string | number }>`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(store.db)).rows[0]?.n ?? 0);

    /** Runs `first` in a transaction held open after its writes until `second` waits for a lock; returns both results. */
    async function interleaved<A, B>(first: (hold: () => Promise<void>) => Promise<A>, second: () => Promise<B>): Promise<[A, B]> {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let wrote!: () => void;
      const written = new Promise<void>((r) => (wrote = r));
      const a = first(() => (wrote(), released));
      await written;
      const b = second();
      await eventually(async () => (await lockWaits()) > 0, 10_000, 'the second transaction to wait for the row lock');
      release();
      return Promise.all([a, b]);
    }

    /** The answer's planEvent job, in a transaction of its own held open by `hold` after its writes. */
    async function answerHeld(event: Event, hold: () => Promise<void>) {
      const item = intakeItem(eventIdFor(event.dedupeKey), event, set, now);
      const recorded = await store.record({ eventId: item.eventId, event, receivedAt: now, candidates: [], takeover: false });
      assert.equal(recorded.status, 'queued');
      const out = await store.db.transaction().execute(async (trx) => {
        const started = await startRuns(trx, item, chatTiming(1));
        await hold();
        return started;
      });
      await store.db.deleteFrom('jobs').where('key', '=', `planEvent:${item.eventId}`).execute();
      return out;
    }

    /** The last send's settle, held open by `hold` after its writes. */
    async function sendHeld(m: ClaimedMessage, hold: () => Promise<void>) {
      let after: Awaited<ReturnType<typeof markSentTx>> | null = null;
      const settled = await sendOps(store).settleOf(m, { kind: 'done', write: async (trx) => { after = await markSentTx(trx, m, now, `ct-${m.request_id}`, chatTiming(1)); await hold(); } }, now);
      assert.notEqual(settled, 'lost');
      return after;
    }

    async function inFlightAfterTheForm(chatId: string): Promise<{ runId: string; last: ClaimedMessage; answer: Event }> {
      const runId = await askUpToTheForm(chatId, `user-${chatId}`);
      const last = await claimNext(chatId);
      profiles.set(`user-${chatId}`, { name: '김하나', height: 176, weight: 72.5 });
      now += 1_000;
      return { runId, last, answer: formSubmitted(chatId, `user-${chatId}`, `msg-${chatId}`, [{ bindingKey: 'user.profile.weight', value: 72.5 }]) };
    }

    async function plannedAgainOnce(runId: string): Promise<void> {
      assert.equal((await runOf(runId)).state, 'planning');
      assert.deepEqual(await jobsOf(runId), [{ kind: 'planRun', state: 'pending' }], 'planned again once; no wait');
      assert.deepEqual(await runDueJobs(), ['planRun']);
      assert.deepEqual((await sendDue()).map((m) => m.seq), [3, 4]);
      assert.deepEqual((await sentOf(runId)).map((m) => m.request_id), [0, 1, 2, 3, 4].map((s) => `${runId}-${s}`));
      assert.equal((await runOf(runId)).state, 'completed');
    }

    test('postgres: the last send commits while the answer waits for the run: the answer finds it waiting and resumes it', { skip: kind.name !== 'postgres' }, async () => {
      const { runId, last, answer } = await inFlightAfterTheForm('early-d');
      const [sent, answered] = await interleaved(
        (hold) => sendHeld(last, hold),
        () => answerHeld(answer, () => Promise.resolve()),
      );
      assert.equal(sent, 'awaiting', 'no answer had come when the run started to wait');
      assert.deepEqual(answered.runs, [{ runId, curationId: 'bmi', state: 'planning' }]);
      await plannedAgainOnce(runId);
    });

    test('postgres: the answer commits while the last send waits for the run: the send finds the answer and resumes the run', { skip: kind.name !== 'postgres' }, async () => {
      const { runId, last, answer } = await inFlightAfterTheForm('early-e');
      const [answered, sent] = await interleaved(
        (hold) => answerHeld(answer, hold),
        () => sendHeld(last, () => Promise.resolve()),
      );
      assert.deepEqual(answered.runs, [{ runId, curationId: 'bmi', state: 'sending' }]);
      assert.equal(sent, 'answered');
      await plannedAgainOnce(runId);
    });
  });
}
