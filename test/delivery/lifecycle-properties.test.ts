// Property tests of the run and message lifecycles (issue 18 item 2): no
// sequence of events leaves a run or a message in a state the lifecycle
// cannot reach from where it was, and final states stay final. First pure,
// over next() and nextMessage(); then through the real store functions on
// SQLite (and PostgreSQL when available), with seeded pseudo-random sequences of intake, planning, sends
// (claimed, sent, retried, failed, lost to an expired lease), takeovers,
// answers and expired waits, long waits that park a run and its wake,
// checking every stored row after each step.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  FINAL_MESSAGE_STATES,
  IllegalTransition,
  isFinalRunState,
  MESSAGE_STATES,
  next,
  RUN_START,
  RUN_STATES,
  type MessageState,
  type RunOutcome,
  type RunPosition,
  type RunState,
} from '../../src/delivery/run-lifecycle.js';
import { IllegalMessageTransition, MESSAGE_EVENTS, MESSAGE_START, messageMove, nextMessage, type MessagePosition } from '../../src/delivery/message-lifecycle.js';
import { Store } from '../../src/delivery/store/store.js';
import type { ClaimedMessage } from '../../src/delivery/store/send-outcomes.js';
import { completePlanningTx, failPlanningTx } from '../../src/delivery/store/planning-and-write-back.js';
import { expireAnswerWaitTx } from '../../src/delivery/store/answer-wait.js';
import { resumePolledAnswerTx } from '../../src/delivery/store/answer-polls.js';
import { takeOverBeforeSendTx } from '../../src/delivery/store/chat-check-ops.js';
import { lockChat, wakeParkedRunTx } from '../../src/delivery/store/chat-queue.js';
import { chatKey } from '../../src/delivery/ids.js';
import type { Event } from '../../src/channeltalk/event.js';
import type { Plan } from '../../src/curation/plan-types.js';
import { intake } from '../support/intake.js';
import { sendOps } from '../support/sends.js';
import { planOf } from '../support/plans.js';
import { tempDir } from '../support/processes.js';
import { mulberry32 } from '../../src/fake-channeltalk/seeded-random.js';
import { freshPostgres, postgresAvailable } from '../support/databases.js';

/** A seeded generator, so a failing sequence is found again from its seed. */
function random(seed: number): { int(n: number): number; pick<T>(xs: readonly T[]): T } {
  const float = mulberry32(seed >>> 0);
  const int = (n: number) => Math.floor(float() * n);
  return { int, pick: (xs) => xs[int(xs.length)]! };
}

const PLANS = ['sequence', 'fallback', 'ask'] as const;
/** Every run outcome there is (the lifecycle's input alphabet). */
const RUN_OUTCOMES: RunOutcome[] = [
  { kind: 'deferred' },
  ...PLANS.flatMap((plan) => [{ kind: 'planned', plan } as const, { kind: 'plannedEmpty', plan } as const]),
  { kind: 'skipped' },
  { kind: 'planningRetry' },
  { kind: 'planningFailed' },
  ...PLANS.flatMap((plan) => [true, false].map((last) => ({ kind: 'messageSent', last, plan }) as const)),
  { kind: 'messageFailed' },
  { kind: 'takeover' },
  { kind: 'answered' },
  { kind: 'answerExpired' },
  { kind: 'parked', until: 0 },
  { kind: 'woken' },
];

/** The states reachable from each position (itself included), by the closure of next() over every outcome. */
function closure<P extends string, E>(positions: readonly P[], events: readonly E[], step: (p: P, e: E) => P | Error): Map<P, Set<P>> {
  const out = new Map<P, Set<P>>();
  for (const start of positions) {
    const seen = new Set<P>([start]);
    const todo = [start];
    while (todo.length > 0) {
      const p = todo.pop()!;
      for (const e of events) {
        const to = step(p, e);
        if (!(to instanceof Error) && !seen.has(to)) {
          seen.add(to);
          todo.push(to);
        }
      }
    }
    out.set(start, seen);
  }
  return out;
}

const RUN_REACH = closure<RunPosition, RunOutcome>([RUN_START, ...RUN_STATES], RUN_OUTCOMES, next);
const MESSAGE_REACH = closure<MessagePosition, (typeof MESSAGE_EVENTS)[number]>([MESSAGE_START, ...MESSAGE_STATES], MESSAGE_EVENTS, nextMessage);
const isFinalMessage = (s: MessageState) => (FINAL_MESSAGE_STATES as readonly string[]).includes(s);

describe('the lifecycles, pure', () => {
  test('every state is reachable from the start, and nothing leaves a final state', () => {
    assert.deepEqual([...RUN_REACH.get(RUN_START)!].filter((s) => s !== RUN_START).sort(), [...RUN_STATES].sort());
    assert.deepEqual([...MESSAGE_REACH.get(MESSAGE_START)!].filter((s) => s !== MESSAGE_START).sort(), [...MESSAGE_STATES].sort());
    for (const s of RUN_STATES) if (isFinalRunState(s)) assert.deepEqual([...RUN_REACH.get(s)!], [s], `run ${s} is final`);
    for (const s of FINAL_MESSAGE_STATES) assert.deepEqual([...MESSAGE_REACH.get(s)!], [s], `message ${s} is final`);
  });

  test('random event sequences keep runs and messages where the lifecycle can take them', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = random(seed);
      let run: RunPosition = RUN_START;
      let message: MessagePosition = MESSAGE_START;
      for (let i = 0; i < 60; i++) {
        const to = next(run, rnd.pick(RUN_OUTCOMES));
        if (!(to instanceof IllegalTransition)) {
          assert.ok(RUN_REACH.get(run)!.has(to), `seed ${seed}: run ${run} → ${to}`);
          if (run !== RUN_START && isFinalRunState(run)) assert.equal(to, run, `seed ${seed}: final run ${run} moved to ${to}`);
          run = to;
        }
        const event = rnd.pick(MESSAGE_EVENTS);
        const m = nextMessage(message, event);
        if (!(m instanceof IllegalMessageTransition)) {
          assert.ok(message === MESSAGE_START || !isFinalMessage(message), `seed ${seed}: final message ${message} moved by ${event}`);
          message = m;
        }
      }
    }
  });

  test("a message write's condition is exactly the states its event moves", () => {
    for (const event of MESSAGE_EVENTS) {
      if (event === 'planned') continue; // the insert: no stored message takes it
      const { from, to } = messageMove(event);
      for (const s of MESSAGE_STATES) {
        const n = nextMessage(s, event);
        assert.equal(from.includes(s), !(n instanceof IllegalMessageTransition), `${event} from ${s}`);
        if (from.includes(s)) assert.equal(n, to);
      }
      assert.ok(!from.some(isFinalMessage), `${event} moves no final message`);
    }
  });
});

const OPS = ['open', 'open', 'claim', 'claim', 'settle', 'settle', 'settle', 'plan', 'takeover', 'answer', 'expire', 'reclaim', 'wake'] as const;
/** Plans wait 0–4 s between messages: the waits of 3 s and 4 s park their run. */
const PARK_AFTER_MS = 2_500;

const PG_ADMIN = postgresAvailable();
/** SQLite with many seeds; PostgreSQL (when available, as in CI) with a few, each seed on a fresh database. */
const TARGETS = [
  { name: 'sqlite', seeds: [11, 23, 42, 97, 1234, 4242, 31337, 65537], steps: 400 },
  ...(PG_ADMIN ? [{ name: 'postgres', seeds: [42, 65537], steps: 200 }] : []),
] as const;

for (const target of TARGETS) describe(`the lifecycles through the store, on ${target.name}`, () => {
  const totals = { answered: 0, expired: 0, woken: 0, ended: new Set<string>() };
  after(() => {
    // Across the seeds, the waits were both answered and expired, runs parked and woke, and runs ended as a fallback.
    if (target.name === 'sqlite') assert.ok(totals.answered > 0 && totals.expired > 0 && totals.woken > 0 && totals.ended.has('fallback') && totals.ended.has('parked'), JSON.stringify({ ...totals, ended: [...totals.ended] }));
  });
  for (const seed of target.seeds) {
    test(`seed ${seed}: every stored run and message stays where the lifecycle can take it`, async () => {
      const dir = tempDir();
      const url = target.name === 'postgres' && PG_ADMIN ? await freshPostgres(PG_ADMIN) : `sqlite:${path.join(dir, 'p.db')}`;
      const store = await Store.open(url, { delayScale: 1, parkAfterMs: PARK_AFTER_MS });
      const timing = store.timing;
      const sends = sendOps(store);
      const rnd = random(seed);
      const chats = ['p-a', 'p-b', 'p-c'];
      const seenRuns = new Map<string, RunState>();
      const seenMessages = new Map<string, MessageState>();
      const inFlight: ClaimedMessage[] = [];
      let now = 1_000_000;
      let n = 0;
      let answered = 0;
      let expired = 0;
      let woken = 0;
      const FAR = 10 ** 12;
      const planFor = async (runId: string, kind: (typeof PLANS)[number] | 'empty'): Promise<Plan> => {
        const existing = await store.db.selectFrom('messages').select('seq').where('run_id', '=', runId).execute();
        const first = existing.length === 0 ? 0 : Math.max(...existing.map((m) => m.seq)) + 1;
        const base = planOf(runId, kind === 'empty' ? [] : Array.from({ length: 1 + rnd.int(3) }, () => rnd.int(5) * 1000), kind === 'empty' ? 'sequence' : kind);
        return { ...base, messages: base.messages.map((m) => ({ ...m, seq: m.seq + first, body: { ...m.body, requestId: `${runId}-${m.seq + first}` } })) };
      };
      const runsIn = (state: RunState) => store.db.selectFrom('runs').select('id').where('state', '=', state).execute();
      try {
        for (let step = 0; step < target.steps; step++) {
          now += 1 + rnd.int(5_000);
          const op = rnd.pick(OPS);
          const chatId = rnd.pick(chats);
          const base = { channelId: '95334', chatId, userId: `u-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
          switch (op) {
            case 'open': {
              const runId = `r-${seed}-${++n}`;
              const kind = rnd.pick(['deferred', 'sequence', 'fallback', 'ask', 'empty'] as const);
              const plan = kind === 'deferred' ? null : await planFor(runId, kind);
              const event: Event = { ...base, kind: 'chatOpened', dedupeKey: `95334/open:${runId}` };
              await intake(store, { eventId: `e-${runId}`, event, receivedAt: now, candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan }], takeover: false });
              break;
            }
            case 'takeover': {
              const id = `m-${seed}-${++n}`;
              const event: Event = { ...base, kind: 'managerMessage', dedupeKey: `95334/managerMessage:${id}`, messageId: id, personId: null };
              await intake(store, { eventId: `e-${id}`, event, receivedAt: now, candidates: [], takeover: true });
              break;
            }
            case 'claim':
              inFlight.push(...(await sends.claimDue(FAR, 1 + rnd.int(2), 'owner', 30_000)));
              break;
            case 'settle': {
              const m = inFlight.splice(rnd.int(inFlight.length), 1)[0];
              if (!m) break;
              const how = rnd.pick(['sent', 'sent', 'sent', 'retry', 'failed', 'takeover'] as const);
              try {
                if (how === 'sent') await sends.markSent(m, now, `ct-${m.request_id}`, timing);
                else if (how === 'retry') await sends.markRetry(m, now + 1_000, 'server_error 500', now, timing);
                else if (how === 'failed') await sends.markFailed(m, 'rejected 422', now, timing);
                else await sends.settleOf(m, { kind: 'done', write: (trx) => takeOverBeforeSendTx(trx, m, 'human takeover: read before the message', now, [], timing).then(() => undefined) }, now);
              } catch (e) {
                // A lease that ran out (reclaim) and was claimed again: this claimer settles nothing.
                if (!(e instanceof Error && e.message.includes('no longer held'))) throw e;
              }
              break;
            }
            case 'plan': {
              const planning = await runsIn('planning');
              if (planning.length === 0) break;
              const { id } = rnd.pick(planning);
              const choice = rnd.int(4);
              if (choice === 0) await store.db.transaction().execute((trx) => failPlanningTx(trx, id, 'fetching the user: timeout', rnd.int(2) === 0 ? null : now + 1_000, now, timing));
              else {
                const plan = await planFor(id, rnd.pick([...PLANS, 'empty'] as const));
                await store.db.transaction().execute((trx) => completePlanningTx(trx, id, plan, null, now, timing));
              }
              break;
            }
            case 'answer':
            case 'expire': {
              const waiting = await runsIn('awaiting');
              if (waiting.length === 0) break;
              const { id } = rnd.pick(waiting);
              if (op === 'answer') answered += Number(await store.db.transaction().execute((trx) => resumePolledAnswerTx(trx, id, now)));
              else expired += Number(await store.db.transaction().execute((trx) => expireAnswerWaitTx(trx, id, 60_000, now)));
              break;
            }
            case 'reclaim':
              await sends.reclaimExpired(FAR);
              break;
            case 'wake': {
              // What the wakeRun job's settle does, at any time (a wake that comes early is the same write).
              const parked = await store.db.selectFrom('runs').select(['id', 'chat_id', 'channel_id']).where('state', '=', 'parked').execute();
              if (parked.length === 0) break;
              const r = rnd.pick(parked);
              const chat = { chatId: r.chat_id, channelId: r.channel_id };
              woken += Number(
                await store.db.transaction().execute(async (trx) => {
                  await lockChat(trx, chatKey(chat), now);
                  return wakeParkedRunTx(trx, r.id, chat, now, timing);
                }),
              );
              break;
            }
            default: {
              const unknown: never = op;
              throw new Error(`unknown op ${String(unknown)}`);
            }
          }
          await checkRows(store, seed, step, op, seenRuns, seenMessages);
        }
        // The sequences must have exercised the lifecycle, not idled.
        const states = new Set([...seenRuns.values()]);
        for (const s of ['completed', 'cancelled', 'failed'] as const) assert.ok(states.has(s), `seed ${seed}: some run ended ${s} (${[...states].join(', ')})`);
        const ends = new Set([...seenMessages.values()]);
        for (const s of ['sent', 'cancelled', 'failed'] as const) assert.ok(ends.has(s), `seed ${seed}: some message ended ${s} (${[...ends].join(', ')})`);
        totals.answered += answered;
        totals.expired += expired;
        totals.woken += woken;
        for (const s of states) totals.ended.add(s);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

/** Every row against the lifecycle: moved only where it can go from where it was seen, final rows unmoved, and the rows consistent with each other. */
async function checkRows(store: Store, seed: number, step: number, op: string, seenRuns: Map<string, RunState>, seenMessages: Map<string, MessageState>): Promise<void> {
  const at = `seed ${seed} step ${step} (${op})`;
  const runs = await store.db.selectFrom('runs').select(['id', 'state', 'chat_id']).execute();
  const messages = await store.db.selectFrom('messages').select(['run_id', 'seq', 'state', 'chat_id']).execute();
  const jobs = new Set((await store.db.selectFrom('jobs').select('key').where('kind', '=', 'sendMessage').execute()).flatMap((j) => (j.key === null ? [] : [j.key])));
  const polls = (await store.db.selectFrom('jobs').select('key').where('kind', '=', 'answerPoll').where('state', '=', 'pending').execute()).flatMap((j) => (j.key === null ? [] : [j.key]));
  const wakes = (await store.db.selectFrom('jobs').select('key').where('kind', '=', 'wakeRun').where('state', '=', 'pending').execute()).flatMap((j) => (j.key === null ? [] : [j.key]));
  const dueAt = new Map((await store.db.selectFrom('messages').select(['run_id', 'seq', 'due_at']).where('state', '=', 'waiting').execute()).map((m) => [`${m.run_id}/${m.seq}`, m.due_at]));
  for (const r of runs) {
    const before = seenRuns.get(r.id) ?? RUN_START;
    assert.ok(RUN_REACH.get(before)!.has(r.state), `${at}: run ${r.id} went ${before} → ${r.state}`);
    seenRuns.set(r.id, r.state);
  }
  for (const m of messages) {
    const key = `${m.run_id}/${m.seq}`;
    const before = seenMessages.get(key) ?? MESSAGE_START;
    assert.ok(MESSAGE_REACH.get(before)!.has(m.state), `${at}: message ${key} went ${before} → ${m.state}`);
    seenMessages.set(key, m.state);
  }
  const stateOf = new Map(runs.map((r) => [r.id, r.state]));
  const liveByChat = new Map<string, number>();
  for (const m of messages) {
    const run = stateOf.get(m.run_id)!;
    const open = m.state === 'waiting' || m.state === 'pending';
    if (open) assert.ok(!isFinalRunState(run) && run !== 'awaiting' && run !== 'planning', `${at}: a ${run} run has a ${m.state} message ${m.run_id}/${m.seq}`);
    if (m.state === 'pending' || m.state === 'sending') {
      liveByChat.set(m.chat_id, (liveByChat.get(m.chat_id) ?? 0) + 1);
      assert.ok(jobs.has(`send:${m.run_id}:${m.seq}`), `${at}: the live message ${m.run_id}/${m.seq} has its send job`);
    }
  }
  // The wait's follow-ups: a run reads its customer's profile only while it waits, however the wait ended.
  for (const key of polls) assert.equal(stateOf.get(key.slice('answerPoll:'.length)), 'awaiting', `${at}: ${key} is still due`);
  // A parked run holds no live message, keeps one waiting message with the time it is due, and has its wake; only a parked run has a wake.
  for (const key of wakes) assert.equal(stateOf.get(key.slice('wakeRun:'.length)), 'parked', `${at}: ${key} is still due`);
  for (const r of runs) {
    if (r.state !== 'parked') continue;
    const mine = messages.filter((m) => m.run_id === r.id);
    assert.deepEqual(mine.filter((m) => m.state === 'pending' || m.state === 'sending'), [], `${at}: the parked run ${r.id} holds a live message`);
    assert.equal(mine.filter((m) => m.state === 'waiting' && dueAt.get(`${m.run_id}/${m.seq}`) != null).length, 1, `${at}: the parked run ${r.id} keeps the due time of its next message`);
    assert.ok(wakes.includes(`wakeRun:${r.id}`), `${at}: the parked run ${r.id} has its wake`);
  }
  for (const [chat, live] of liveByChat) assert.ok(live <= 1, `${at}: chat ${chat} has ${live} live messages`);
  // No chat is left idle while a run of it could go: a parked run lets the chat's next run go (or a woken one).
  const created = new Map((await store.db.selectFrom('runs').select(['id', 'created_at']).execute()).map((r) => [r.id, r.created_at]));
  for (const r of runs) {
    if (r.state !== 'pending' || liveByChat.has(r.chat_id)) continue;
    const olderPlanning = runs.some((o) => o.chat_id === r.chat_id && o.state === 'planning' && created.get(o.id)! < created.get(r.id)!);
    assert.ok(olderPlanning, `${at}: chat ${r.chat_id} has nothing live while the pending run ${r.id} waits`);
  }
  for (const r of runs) {
    if (r.state !== 'pending' && r.state !== 'sending') continue;
    const mine = messages.filter((m) => m.run_id === r.id);
    assert.ok(mine.some((m) => m.state === 'waiting' || m.state === 'pending' || m.state === 'sending'), `${at}: the ${r.state} run ${r.id} has no message left to send`);
  }
}
