// Asking for a missing answer in the chat, through the store, on SQLite and
// (when available) PostgreSQL, with a clock of its own: the ask is sent, the
// run waits; the answer's delivery (normalized from the fixtures) sends it
// back to planning once; the planRun job plans it from the fetched profile,
// after the ask's messages; it never asks twice; the wait ends it as a
// fallback when no answer comes.
import { fromSet } from '../support/curation-of.js';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { sendOps } from '../support/sends.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { intakeItem } from '../../src/delivery/intake.js';
import { eventIdFor } from '../../src/delivery/ids.js';
import { intake as intakeNow } from '../support/intake.js';
import type { Event } from '../../src/channeltalk/event.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { settle } from '../../src/jobs/settle.js';
import type { Job, JobContext, JobHandler } from '../../src/jobs/types.js';
import { planRunHandler } from '../../src/jobs/handlers/plan-run.js';
import { answerWaitHandler } from '../../src/jobs/handlers/answer-wait.js';
import { answerPollHandler } from '../../src/jobs/handlers/answer-poll.js';
import { answers } from '../../src/delivery/store/answer-wait.js';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { loadCurations, type CurationSet } from '../../src/curation/index.js';
import { freshDatabases } from '../support/databases.js';
import { webhook, webhookIn } from '../support/fixtures.js';
import { tempDir } from '../curation/helpers.js';

const DB_KINDS = await freshDatabases();
const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;
const T0 = 1_800_000_000_000;

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
      - text: 아래 내용만 알려 주세요.
        form:
          inputs:
            - { field: weight, label: 현재 체중 (kg) }
            - { field: height, label: 키 (cm) }
`;

function opened(chatId: string, userId: string, profile: Record<string, unknown>): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId, chatTags: [], supportBotId: null, profile, language: 'ko', occurredAt: null };
}

/** member.upserted.contact (the fixture) for this user, with this profile and version. */
function upsert(userId: string, profile: Record<string, unknown>, updatedAt: number) {
  const body = webhook('member-upserted-contact');
  return normalize({ ...body, entity: { ...(body.entity as object), id: userId, profile, updatedAt } });
}

/** The customer writes in the chat (the keyword fixture, which no curation here matches). */
function customerWrote(chatId: string, userId: string, messageId: string): Event {
  const e = normalize(webhookIn('user-message-keyword', { chatId, channelId: '95334', userId, messageId }));
  assert.equal(e.kind, 'userMessage');
  return e;
}

for (const kind of DB_KINDS) {
  describe(`asking for a missing answer on ${kind.name}`, () => {
    let store: Store;
    let set: CurationSet;
    let now = T0;
    /** What GET /users/{id} answers: the profile Channel Talk holds now. */
    const profiles = new Map<string, Record<string, unknown>>();
    let userFetches = 0;
    const client = new ChannelTalkClient({
      baseUrl: 'http://channeltalk.invalid',
      accessKey: 'k',
      accessSecret: 's',
      retry: false,
      fetch: (input) => {
        const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
        const id = decodeURIComponent(url.split('/users/')[1] ?? '');
        userFetches++;
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
      const planRun = planRunHandler({ db: store.db, clientFor: () => client, curationOf: fromSet(set), timing: chatTiming(1), maxAgeMs: HOUR, leaseMs: 60_000 });
      const answerWait = answerWaitHandler({ db: store.db, curationOf: fromSet(set), defaultWaitMs: 24 * HOUR, leaseMs: 60_000 });
      const answerPoll = answerPollHandler({ db: store.db, clientFor: () => client, schedule: { firstMs: 20_000, capMs: 600_000 }, leaseMs: 60_000 });
      handlers = new Map<string, JobHandler<unknown>>([
        ['planRun', planRun],
        ['answerWait', answerWait],
        ['answerPoll', answerPoll],
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
        const outcome = await h.run(job, ctx);
        await settle(store.db, ops, job, 'test', outcome, { maxAttempts: null, maxAgeMs: null }, now);
      }
      return rows.map((r) => r.kind);
    }

    /** Sends every due message, as the dispatcher would, each one second after the last; returns the bodies. */
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

    // The webhook's record and its planEvent job in one go, as the job engine would run it at once.
    const acceptNow = (event: Event, curations: CurationSet) => intakeNow(store, intakeItem(eventIdFor(event.dedupeKey), event, curations, now));
    const runOf = (runId: string) => store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    const jobsOf = (runId: string) =>
      store.db.selectFrom('jobs').select(['kind', 'key', 'run_at', 'state']).where('key', 'in', [`planRun:${runId}`, `answerWait:${runId}`]).orderBy('kind').execute();

    const readJobOf = (runId: string) =>
      store.db.selectFrom('jobs').select(['run_at', 'payload_json']).where('key', '=', `answerPoll:${runId}`).where('state', '=', 'pending').executeTakeFirst();

    async function askingRun(chatId: string, userId: string, profile: Record<string, unknown>): Promise<string> {
      const out = await acceptNow(opened(chatId, userId, profile), set);
      const runId = out.runs[0]?.runId;
      assert.ok(runId);
      assert.equal(out.runs[0]?.state, 'pending');
      const asked = await sendDue();
      assert.equal(asked.length, 1);
      assert.match(asked[0]!.text, /"bindingKey":"user.profile.weight"/);
      assert.doesNotMatch(asked[0]!.text, /user\.profile\.height/, 'only the missing answer is asked');
      const run = await runOf(runId);
      assert.equal(run.state, 'awaiting');
      assert.equal(run.outcome, 'ask');
      assert.equal(run.asked_at, now, 'the time the ask went out');
      assert.equal(run.finished_at, null, 'a run that waits is not finished');
      return runId;
    }

    test('the answer plans the run again from the new profile, once, and it continues after the ask', async () => {
      const runId = await askingRun('chat-a', 'user-a', { name: '김하나', height: 176 });
      const askedAt = now;
      assert.deepEqual(await jobsOf(runId), [{ kind: 'answerWait', key: `answerWait:${runId}`, run_at: askedAt + 60_000, state: 'pending' }], 'the end of the wait, enqueued with the send');
      assert.equal(await store.queueDepth(), 0, 'a waiting run holds nothing in the queue');

      // Another edit of the profile (an email) answers nothing: the run keeps waiting.
      now += 60_000;
      const other = await acceptNow(upsert('user-a', { name: '김하나', height: 176, email: 'a@example.com' }, now), set);
      assert.equal(other.status, 'no_match');
      assert.match(other.reason ?? '', /does not touch the answers/);
      assert.deepEqual(JSON.parse((await store.db.selectFrom('events').select('reason_words').where('id', '=', other.eventId).executeTakeFirstOrThrow()).reason_words ?? 'null'), [{ code: 'answerNotTouched', params: {} }]);
      assert.equal((await runOf(runId)).state, 'awaiting');

      // The answer: Channel Talk wrote it into the profile and announces the upsert.
      now += 60_000;
      profiles.set('user-a', { name: '김하나', height: 176, weight: '72.5' });
      const answered = await acceptNow(upsert('user-a', { name: '김하나', height: 176, weight: '72.5' }, now), set);
      assert.equal(answered.status, 'acted');
      assert.deepEqual(answered.runs, [{ runId, curationId: 'bmi', state: 'planning' }]);
      const planning = await runOf(runId);
      assert.equal(planning.state, 'planning');
      assert.equal(planning.answered_at, now);
      assert.deepEqual((await jobsOf(runId)).map((j) => j.kind), ['planRun'], 'planning is enqueued; the end of the wait is gone');
      // The same delivery again, and the form's own message update for the same answer: nothing more.
      assert.equal((await acceptNow(upsert('user-a', { name: '김하나', height: 176, weight: '72.5' }, now), set)).duplicate, true);
      const form = webhook('rec-message-form-submitted');
      const formEvent = normalize({ ...form, refers: { ...(form.refers as object), userChat: { id: 'chat-a', channelId: '95334', userId: 'user-a' } } });
      assert.equal(formEvent.kind, 'profileChanged');
      assert.deepEqual((await acceptNow(formEvent, set)).runs, [], 'the run no longer waits');

      const fetchesBefore = userFetches;
      assert.deepEqual(await runDueJobs(), ['planRun']);
      assert.equal(userFetches, fetchesBefore + 1, 'the profile is fetched (GET /users/{id})');
      const replanned = await runOf(runId);
      assert.equal(replanned.state, 'pending');
      assert.equal(replanned.outcome, 'sequence');
      const rest = await sendDue();
      assert.deepEqual(rest.map((m) => [m.seq, m.requestId]), [[1, `${runId}-1`], [2, `${runId}-2`]], "after the ask's message, with requestIds of their own");
      assert.match(rest[0]!.text, /BMI 23\.4/, 'computed from the new profile: 72.5 kg, 176 cm');
      assert.equal((await runOf(runId)).state, 'completed');

      // A second submission starts nothing more.
      now += 60_000;
      const again = await acceptNow(upsert('user-a', { name: '김하나', height: 176, weight: 71 }, now), set);
      assert.deepEqual(again.runs, []);
      assert.equal(again.reason, 'no run waits for an answer of this customer');
      assert.deepEqual(await runDueJobs(), []);
      assert.deepEqual(await sendDue(), []);
    });

    test('it asks once: an answer that still leaves a problem ends as the plain fallback', async () => {
      const runId = await askingRun('chat-b', 'user-b', { height: 176 });
      now += 60_000;
      profiles.set('user-b', { height: 176, weight: 5 });
      assert.deepEqual((await acceptNow(upsert('user-b', { height: 176, weight: 5 }, now), set)).runs.map((r) => r.runId), [runId]);
      assert.deepEqual(await runDueJobs(), ['planRun']);
      const replanned = await runOf(runId);
      assert.equal(replanned.outcome, 'fallback', 'not a second ask');
      const sent = await sendDue();
      assert.equal(sent.length, 1);
      assert.match(sent[0]!.text, /설문을 끝까지 작성해 주세요/);
      assert.doesNotMatch(sent[0]!.text, /"form"/);
      assert.equal(sent[0]!.seq, 1);
      const end = await runOf(runId);
      assert.equal(end.state, 'fallback');
      assert.match(end.reason ?? '', /weight \(out_of_range\)/);
      assert.deepEqual(await jobsOf(runId), [], 'no second wait');
    });

    test('no delivery: the profile read finds the answer, backing off while it finds none; a message of the customer reads at once', async () => {
      const runId = await askingRun('chat-e', 'user-e', { name: '김하나', height: 176 });
      const askedAt = now;
      profiles.set('user-e', { name: '김하나', height: 176 });
      // Entering the wait made its read job due at once, to work out the first read: 20 s after the ask.
      assert.deepEqual(await runDueJobs(), ['answerPoll']);
      assert.equal((await readJobOf(runId))?.run_at, askedAt + 20_000);
      const fetches = userFetches;
      // The reads at +20 s and +60 s (the interval doubled) find no answer; the next is at +140 s.
      for (const at of [20_000, 60_000]) {
        now = askedAt + at;
        // At +60 s the end of the wait also looks (its first look, at the shortest wait a curation may give).
        assert.deepEqual((await runDueJobs()).filter((k) => k !== 'answerWait'), ['answerPoll']);
        assert.equal((await runOf(runId)).state, 'awaiting');
      }
      assert.equal(userFetches, fetches + 2);
      assert.equal((await readJobOf(runId))?.run_at, askedAt + 140_000);
      // An edit of another field answers nothing either.
      profiles.set('user-e', { name: '김하나', height: 176, email: 'e@example.com' });
      now = askedAt + 140_000;
      assert.deepEqual(await runDueJobs(), ['answerPoll']);
      assert.equal((await runOf(runId)).state, 'awaiting');
      assert.equal((await readJobOf(runId))?.run_at, askedAt + 300_000);

      // The customer submits the form (no webhook comes).
      now = askedAt + 150_000;
      profiles.set('user-e', { name: '김하나', height: 176, email: 'e@example.com', weight: 72.5 });
      // System messages under the customer's name are not the customer writing: they bring no read forward.
      for (const [i, name] of ['user-message-log-other', 'user-message-sticker', 'user-message-meet'].entries()) {
        const sys = normalize(webhookIn(name, { chatId: 'chat-e', channelId: '95334', userId: 'user-e', messageId: `m-e-sys${i}` }));
        assert.equal(sys.kind, 'ignored', name);
        await acceptNow(sys, set);
        assert.equal((await readJobOf(runId))?.run_at, askedAt + 300_000, `${name} reads nothing now`);
      }
      // The customer writes in the chat: the read is due now, not at +300 s.
      const wrote = await acceptNow(customerWrote('chat-e', 'user-e', 'm-e1'), set);
      assert.equal(wrote.status, 'no_match');
      assert.equal((await readJobOf(runId))?.run_at, now, 'the read was brought forward to the message');
      assert.deepEqual(await runDueJobs(), ['answerPoll']);
      const planning = await runOf(runId);
      assert.equal(planning.state, 'planning');
      assert.equal(planning.answered_at, now);
      assert.equal(await readJobOf(runId), undefined, 'no read after the wait');
      assert.deepEqual((await jobsOf(runId)).map((j) => j.kind), ['planRun'], 'planning is enqueued; the end of the wait is gone');
      assert.deepEqual(await runDueJobs(), ['planRun']);
      const rest = await sendDue();
      assert.deepEqual(rest.map((m) => m.seq), [1, 2]);
      assert.match(rest[0]!.text, /BMI 23\.4/, 'computed from the profile read');
      assert.equal((await runOf(runId)).state, 'completed');
      // Another message of the customer reads nothing: no run of theirs waits.
      const after = userFetches;
      const again = await acceptNow(customerWrote('chat-e', 'user-e', 'm-e2'), set);
      assert.equal(again.status, 'no_match');
      assert.deepEqual(await runDueJobs(), []);
      assert.equal(userFetches, after);
    });

    test('no answer: when the curation\'s wait is over the run ends as fallback; a late answer changes nothing', async () => {
      const runId = await askingRun('chat-c', 'user-c', { height: 176 });
      const askedAt = now;
      now = askedAt + 60_000;
      // The profile reads go on meanwhile (the next test follows them); this one is about the wait's end.
      const notReads = async () => (await runDueJobs()).filter((k) => k !== 'answerPoll');
      assert.deepEqual(await notReads(), ['answerWait']);
      assert.deepEqual(await jobsOf(runId), [{ kind: 'answerWait', key: `answerWait:${runId}`, run_at: askedAt + 12 * HOUR, state: 'pending' }], "it comes back at the end of the curation's wait (12h)");
      assert.equal((await runOf(runId)).state, 'awaiting');
      now = askedAt + 12 * HOUR - 1;
      assert.deepEqual(await notReads(), [], 'not before');
      now = askedAt + 12 * HOUR;
      assert.deepEqual(await notReads(), ['answerWait']);
      const end = await runOf(runId);
      assert.equal(end.state, 'fallback');
      assert.equal(end.finished_at, now);
      assert.match(end.reason ?? '', /weight \(missing\); asked in the chat; no answer in the chat within 12h/);
      // The same as words for the console: the plan's, the ask's, then the wait's end (a duration in ms, worded by the console).
      assert.deepEqual(JSON.parse(end.reason_words ?? 'null'), [
        { code: 'answersMissing', params: { problems: ['weight:missing'] } },
        { code: 'askedInChat', params: {} },
        { code: 'noAnswerWithin', params: { waitMs: 12 * HOUR } },
      ]);
      assert.deepEqual(await jobsOf(runId), []);
      assert.equal(await readJobOf(runId), undefined, 'the next profile read was dropped with the wait');
      now += 1_000;
      assert.deepEqual((await acceptNow(upsert('user-c', { height: 176, weight: 70 }, now), set)).runs, [], 'too late');
      assert.equal((await runOf(runId)).state, 'fallback');
    });

    test('a human who takes over while the run waits cancels it; its wait then ends nothing', async () => {
      const runId = await askingRun('chat-d', 'user-d', { height: 176 });
      now += 1_000;
      const closed = normalize({ ...webhook('user-chat-opened'), event: 'update', entity: { ...(webhook('user-chat-opened').entity as object), id: 'chat-d', state: 'closed' } });
      assert.equal(closed.kind, 'chatClosed');
      assert.equal((await acceptNow(closed, set)).cancelledRuns, 1);
      assert.equal((await runOf(runId)).state, 'cancelled');
      now += 60_000;
      const fetches = userFetches;
      // The takeover ended the wait, so its read not yet begun went with it (afterTransition); the wait's end finds nothing to end.
      assert.equal(await readJobOf(runId), undefined, 'the takeover drops the read not yet begun');
      assert.deepEqual((await runDueJobs()).sort(), ['answerWait']);
      assert.equal(userFetches, fetches, 'nothing reads after the takeover');
      assert.equal(await readJobOf(runId), undefined, 'and schedules no other');
      assert.equal((await runOf(runId)).state, 'cancelled');
      assert.deepEqual((await acceptNow(upsert('user-d', { height: 176, weight: 70 }, now), set)).runs, []);
    });
  });
}

describe('which profile change answers a waiting run', () => {
  const run = { problems_json: JSON.stringify([{ field: 'weight', problem: 'missing', message: 'weight is missing' }]), profile_json: JSON.stringify({ height: 176 }) };
  const form = (keys: string[]) => {
    const e = normalize(webhook('rec-message-form-submitted'));
    assert.equal(e.kind, 'profileChanged');
    return e.kind === 'profileChanged' ? { ...e, keys } : assert.fail();
  };
  const change = (profile: Record<string, unknown> | null) => {
    const e = upsert('u', profile ?? {}, 1);
    assert.equal(e.kind, 'profileChanged');
    return e.kind === 'profileChanged' ? { ...e, profile } : assert.fail();
  };

  test('a submitted form answers when it writes an asked key, not when it is another form of the chat', () => {
    assert.equal(answers(run, form(['weight', 'height'])), true);
    assert.equal(answers(run, form(['mobileNumber'])), false);
    assert.equal(answers(run, form([])), false, 'a form of chat-level keys only');
  });

  test('an upsert answers when an asked key differs from the profile the run was planned with', () => {
    assert.equal(answers(run, change({ height: 176, weight: 70 })), true);
    assert.equal(answers(run, change({ height: 176, email: 'a@example.com' })), false, 'another edit leaves the run waiting');
    assert.equal(answers({ ...run, profile_json: JSON.stringify({ weight: 500 }) }, change({ weight: 500, email: 'x' })), false, 'the same odd value is no answer');
    assert.equal(answers({ ...run, profile_json: JSON.stringify({ weight: 500 }) }, change({ weight: 70 })), true);
    assert.equal(answers({ ...run, profile_json: null }, change({ email: 'x' })), true, 'nothing to compare: the replanning decides');
    assert.equal(answers(run, change(null)), true);
  });
});
