// Sending on its own: the job runner with the sendMessage handler over a real
// SQLite store, real ChannelTalkClients whose fetch is a stand-in, no HTTP
// server and no curations. It checks the send-slot rules that keep one
// channel's trouble from slowing another, and the one retry owner.
import { fromSet } from '../support/curation-of.js';
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { intake } from '../support/intake.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ChannelTalkClient, type CallOptions } from '../../src/channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import type { CurationSet } from '../../src/curation/index.js';
import { backoffMs, LEASE_MARGIN_MS, settleFailure, type Settlement } from '../../src/delivery/backoff.js';

/** A settlement's English, as logs keep it (its catalogue words are tested in settlement-words.test.ts). */
const english = ({ words: _words, ...rest }: Settlement) => rest;
import { mulberry32 } from '../../src/fake-channeltalk/faults.js';
import { MAX_RETRY_AFTER_MS } from '../../src/channeltalk/retry.js';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { loadPack } from '../curation/helpers.js';
import { KEY, SECRET, startTestFake } from '../fake-channeltalk/helpers.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { sendMessageHandler, type SendMessageDeps } from '../../src/jobs/handlers/send-message.js';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { planRunHandler } from '../../src/jobs/handlers/plan-run.js';
import { writeBackHandler } from '../../src/jobs/handlers/write-back.js';
import { eventually, tempDir } from '../support/processes.js';
import { planOf } from '../support/plans.js';
import { takeRunTransitions } from '../../src/delivery/store/transition-log.js';
import { isFinalRunState } from '../../src/delivery/run-lifecycle.js';

const SLOW = '111';
const FAST = '222';

function opened(chatId: string, channelId: string): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId, chatId, userId: `u-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

/**
 * A client whose Channel Talk either answers at once or, after a first answer
 * (until one, the client sends one request at a time: it does not know its
 * rate budget yet), holds every request until released.
 */
function client(channelId: string, hold: boolean) {
  let inflight = 0;
  let peak = 0;
  let sent = 0;
  const held: Array<() => void> = [];
  const fetchImpl: typeof fetch = async () => {
    inflight++;
    peak = Math.max(peak, inflight);
    if (hold && sent > 0) await new Promise<void>((r) => held.push(r));
    inflight--;
    sent++;
    return new Response(JSON.stringify({ message: { id: `m-${channelId}-${sent}` } }), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const c = new ChannelTalkClient({ baseUrl: 'http://channeltalk.invalid', accessKey: 'k', accessSecret: 's', fetch: fetchImpl, timeoutMs: 60_000 });
  return {
    c,
    stats: () => ({ inflight, peak, sent }),
    release: () => held.splice(0).forEach((r) => r()),
  };
}

let dir: string;
let store: Store;
before(async () => {
  dir = tempDir();
  store = await Store.open(`sqlite:${path.join(dir, 'd.db')}`, { delayScale: 0 });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a channel never takes more than its share of send slots, even within one claim, and a stuck channel does not hold up another", async () => {
  const t0 = Date.now() - 60_000;
  // Due order: one SLOW message, then one FAST, then the rest of SLOW, then the rest of FAST.
  // A claim after the first would find SLOW below its share and could take several more at once.
  const chats: Array<[string, string, number]> = [
    ['slow-0', SLOW, t0],
    ['fast-0', FAST, t0 + 1],
    ...Array.from({ length: 8 }, (_, i): [string, string, number] => [`slow-${i + 1}`, SLOW, t0 + 10 + i]),
    ...Array.from({ length: 5 }, (_, i): [string, string, number] => [`fast-${i + 1}`, FAST, t0 + 100 + i]),
  ];
  for (const [chatId, channelId, at] of chats) {
    const runId = `r-${chatId}`;
    await intake(store, {
      eventId: `e-${chatId}`,
      event: opened(chatId, channelId),
      receivedAt: at,
      takeover: false,
      candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: planOf(runId, [0]) }],
    });
  }
  const slow = client(SLOW, true);
  const fast = client(FAST, false);
  // The service's shape: the runner's slots, and each channel's pool of them.
  const dispatcher = new JobRunner({
    db: store.db,
    ops: new JobOps(store.db, store.dialect),
    owner: 'test',
    logger: pino({ level: 'silent' }),
    concurrency: 6,
    handlers: [
      sendMessageHandler({
        db: store.db,
        clientFor: (ch) => (ch === SLOW ? slow.c : ch === FAST ? fast.c : undefined),
        timing: chatTiming(0),
        instanceId: 'test',
        sendMaxAgeMs: 60_000,
        leaseMs: 30_000,
        perChannel: 3,
      }),
    ],
  });
  dispatcher.start();
  try {
    await eventually(() => fast.stats().sent === 6 || undefined, 10_000, 'every FAST message sent while SLOW hangs');
    // Give a few more passes the chance to overshoot.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(slow.stats().inflight, 3, 'SLOW holds exactly its share');
    assert.equal(slow.stats().peak, 3, 'SLOW never had more than its share in flight');
    await eventually(
      () => {
        slow.release(); // and every request that arrives after
        return slow.stats().sent === 9 || undefined;
      },
      10_000,
      'every SLOW message sent once released',
    );
    assert.ok(slow.stats().peak <= 3, `SLOW peak ${slow.stats().peak}`);
  } finally {
    slow.release();
    await dispatcher.stop(5_000);
  }
  const rows = await store.db.selectFrom('messages').select(['chat_id', 'state', 'attempts']).execute();
  assert.equal(rows.length, 15);
  for (const r of rows) {
    assert.equal(r.state, 'sent', r.chat_id);
    assert.equal(r.attempts, 1, `${r.chat_id}: one attempt, recorded with its outcome`);
  }
  const attempts = await store.db.selectFrom('attempts').select(['request_id', 'status']).execute();
  assert.equal(attempts.length, 15);
  assert.ok(attempts.every((a) => a.status === 200));
});

test("an ask's last send leaves its run waiting for the answer: its wait's end is a job committed with the send, the run is not finished, the chat goes on", async () => {
  const chatId = 'ask-chat';
  const ask = `r-${chatId}`;
  const next = `r-${chatId}-2`;
  const at = Date.now() - 1_000;
  await intake(store, { eventId: `e-${chatId}`, event: opened(chatId, FAST), receivedAt: at, takeover: false, candidates: [{ runId: ask, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: planOf(ask, [0, 0], 'ask') }] });
  await intake(store, { eventId: `e-${chatId}-2`, event: { ...opened(chatId, FAST), dedupeKey: `chatOpened:${chatId}:2` }, receivedAt: at + 1, takeover: false, candidates: [{ runId: next, curationId: 'other', oncePerChat: false, cooldownMs: null, plan: planOf(next, [0]) }] });
  const fast = client(FAST, false);
  const finished: string[] = [];
  // The send's settle wakes the runner itself, so the wait's end (a job of the same runner) is seen without a callback.
  const dispatcher = new JobRunner({
    db: store.db,
    ops: new JobOps(store.db, store.dialect),
    owner: 'test',
    logger: pino({ level: 'silent' }),
    handlers: [
      sendMessageHandler({
        db: store.db,
        clientFor: () => fast.c,
        timing: chatTiming(0),
        instanceId: 'test',
        sendMaxAgeMs: 60_000,
        leaseMs: 30_000,
      }),
    ],
    // The runs that ended, from the transitions each committed settle made.
    onCommitted: (trx) => {
      for (const e of takeRunTransitions(trx)) if (isFinalRunState(e.to)) finished.push(e.to);
    },
  });
  dispatcher.start();
  try {
    await eventually(() => finished.length === 1 || undefined, 10_000, "the chat's next run to finish");
  } finally {
    await dispatcher.stop(5_000);
  }
  assert.deepEqual(finished, ['completed'], 'the ask is not a finished run');
  const run = await store.db.selectFrom('runs').select(['state', 'asked_at', 'finished_at']).where('id', '=', ask).executeTakeFirstOrThrow();
  assert.equal(run.state, 'awaiting');
  assert.ok(run.asked_at !== null);
  assert.equal(run.finished_at, null);
  const job = await store.db.selectFrom('jobs').select(['kind', 'run_at']).where('key', '=', `answerWait:${ask}`).executeTakeFirstOrThrow();
  assert.equal(job.run_at, run.asked_at + 60_000, 'first looked at after the shortest wait a curation may give');
  assert.equal((await store.db.selectFrom('runs').select('state').where('id', '=', next).executeTakeFirstOrThrow()).state, 'completed', 'a waiting run does not hold its chat');
});

// ---------------------------------------------------------------------------
// One owner for retry: the dispatcher calls Channel Talk with in-process
// retry off at all three places (send, fetching the profile, the profile
// write-back), decides with one rule whether to back off or give up, and
// gives every attempt a timeout that ends before its claim's lease.

function freshStore(): Promise<{ store: Store; close: () => Promise<void> }> {
  const d = tempDir();
  return Store.open(`sqlite:${path.join(d, 'd.db')}`, { delayScale: 0 }).then((s) => ({
    store: s,
    close: async () => {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    },
  }));
}

interface Seen {
  method: 'sendMessage' | 'getUser' | 'patchUserProfile';
  opts: CallOptions | undefined;
}

/** Records the options the dispatcher passes to each endpoint. */
function spied(c: ChannelTalkClient): Seen[] {
  const seen: Seen[] = [];
  const send = c.sendMessage.bind(c);
  c.sendMessage = (chatId, body, opts) => {
    seen.push({ method: 'sendMessage', opts });
    return send(chatId, body, opts);
  };
  const get = c.getUser.bind(c);
  c.getUser = (userId, opts) => {
    seen.push({ method: 'getUser', opts });
    return get(userId, opts);
  };
  const patch = c.patchUserProfile.bind(c);
  c.patchUserProfile = (userId, profile, opts) => {
    seen.push({ method: 'patchUserProfile', opts });
    return patch(userId, profile, opts);
  };
  return seen;
}

function capturedLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

const said = (lines: Array<Record<string, unknown>>, msg: string): number => lines.filter((l) => l.msg === msg).length;

/** A run of one message whose computed value x is written back to the profile key `goal`. */
async function intakeWithWriteBack(s: Store, chatId: string): Promise<string> {
  const runId = `r-${chatId}`;
  await intake(s, {
    eventId: `e-${chatId}`,
    event: opened(chatId, '95334'),
    receivedAt: Date.now(),
    takeover: false,
    candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: planOf(runId, [0]), writeBack: { x: 'goal' } }],
  });
  return runId;
}

/** A run whose delivery lacked the profile: the dispatcher must fetch the user to plan it. */
async function intakePlanning(s: Store, chatId: string): Promise<string> {
  const runId = `r-${chatId}`;
  await intake(s, {
    eventId: `e-${chatId}`,
    event: opened(chatId, '95334'),
    receivedAt: Date.now(),
    takeover: false,
    candidates: [{ runId, curationId: 'diet-main', oncePerChat: false, cooldownMs: null, plan: null }],
  });
  return runId;
}

/** Requests the fake refused on paths containing `pathPart` (each is recorded once, with its path). */
function requestsTo(fake: FakeChannelTalk, pathPart: string): number {
  return fake.state.rejected.filter((r) => r.path.includes(pathPart)).length;
}

void describe('durable retry, owned by the dispatcher', () => {
  let fake: FakeChannelTalk;
  let pack: CurationSet;
  before(async () => {
    fake = await startTestFake();
    pack = await loadPack();
  });
  after(async () => {
    await fake.close();
  });

  interface SendOptions {
    clientFor: SendMessageDeps['clientFor'];
    logger: pino.Logger;
    sendMaxAgeMs: number;
    leaseMs?: number;
    random?: () => number;
  }

  /** The job runner as the service runs it: sending, planning and write-back are job kinds. */
  function dispatcherWith(s: Store, client: ChannelTalkClient, logger: pino.Logger, extra: Partial<SendOptions> = {}): Pick<JobRunner, 'start' | 'stop'> {
    const o: SendOptions = { clientFor: () => client, logger, sendMaxAgeMs: 60 * 60_000, ...extra };
    const leaseMs = o.leaseMs ?? 30_000;
    const random = o.random ? { random: o.random } : {};
    const jobs: JobRunner = new JobRunner({
      db: s.db,
      ops: new JobOps(s.db, s.dialect),
      owner: 'test',
      logger,
      ...random,
      // Only the kinds a dispatcher test makes; the service registers every kind (registerJobHandlers).
      handlers: Object.values({
        sendMessage: sendMessageHandler({ db: s.db, clientFor: o.clientFor, timing: chatTiming(0), instanceId: 'test', sendMaxAgeMs: o.sendMaxAgeMs, leaseMs, ...random }),
        planRun: planRunHandler({ db: s.db, clientFor: o.clientFor, curationOf: fromSet(pack), timing: chatTiming(0), maxAgeMs: o.sendMaxAgeMs, leaseMs, ...random, onPlanned: () => jobs.wake() }),
        writeBack: writeBackHandler({ db: s.db, clientFor: o.clientFor, maxAgeMs: o.sendMaxAgeMs, leaseMs }),
      }),
    });
    return jobs;
  }

  const fakeClient = (): ChannelTalkClient => new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET });

  void test('the profile write-back makes one request per pass (retry off) and is rescheduled', async () => {
    fake.state.reset();
    // The send goes through; every request after it fails.
    fake.state.faults.configure({ next: ['ok'], failRate: 1, mix: ['503'], failAfterCommitRate: 0 });
    const { store: s, close } = await freshStore();
    const client = fakeClient();
    const seen = spied(client);
    const { logger, lines } = capturedLogger();
    const runId = await intakeWithWriteBack(s, 'wb-1');
    const d = dispatcherWith(s, client, logger, { leaseMs: 2_500, random: () => 0.99 });
    d.start();
    try {
      await eventually(() => said(lines, 'profile write-back will be retried') >= 1 || undefined, 15_000, 'a write-back retry');
    } finally {
      await d.stop(5_000);
    }
    try {
      const passes = said(lines, 'profile write-back will be retried');
      assert.equal(requestsTo(fake, '/users/'), passes, 'one PATCH per pass: no retries in process on top');
      const patches = seen.filter((x) => x.method === 'patchUserProfile');
      assert.ok(patches.length >= 1);
      for (const p of patches) {
        assert.equal(p.opts?.retry, false);
        assert.ok((p.opts?.timeoutMs ?? Infinity) <= 2_500 - LEASE_MARGIN_MS, `timeoutMs ${p.opts?.timeoutMs}`);
      }
      const run = await s.db.selectFrom('runs').select(['writeback_state']).where('id', '=', runId).executeTakeFirstOrThrow();
      assert.equal(run.writeback_state, 'pending', 'still to be written: rescheduled, not failed');
    } finally {
      await close();
    }
  });

  void test('fetching the profile makes one request per pass (retry off) and is rescheduled', async () => {
    fake.state.reset();
    fake.state.faults.configure({ failRate: 1, mix: ['503'], failAfterCommitRate: 0 });
    const { store: s, close } = await freshStore();
    const client = fakeClient();
    const seen = spied(client);
    const { logger, lines } = capturedLogger();
    const runId = await intakePlanning(s, 'plan-1');
    const d = dispatcherWith(s, client, logger, { leaseMs: 2_500, random: () => 0.99 });
    d.start();
    try {
      await eventually(() => said(lines, 'fetching the profile will be retried') >= 1 || undefined, 15_000, 'a planning retry');
    } finally {
      await d.stop(5_000);
    }
    try {
      assert.equal(requestsTo(fake, '/users/'), said(lines, 'fetching the profile will be retried'), 'one GET per pass');
      for (const g of seen.filter((x) => x.method === 'getUser')) {
        assert.equal(g.opts?.retry, false);
        assert.ok((g.opts?.timeoutMs ?? Infinity) <= 2_500 - LEASE_MARGIN_MS, `timeoutMs ${g.opts?.timeoutMs}`);
      }
      const run = await s.db.selectFrom('runs').select(['state', 'reason', 'planning_attempts']).where('id', '=', runId).executeTakeFirstOrThrow();
      assert.equal(run.state, 'planning');
      assert.match(run.reason ?? '', /^fetching the user: server_error/);
      assert.equal(run.planning_attempts, requestsTo(fake, '/users/'));
    } finally {
      await close();
    }
  });

  void test('every attempt gets a timeout that ends before its lease, whatever the client default', { timeout: 30_000 }, async () => {
    const { store: s, close } = await freshStore();
    const times: { abortedAt?: number; leaseEnd?: number } = {};
    const hanging: typeof fetch = async (_u, init) => {
      const row = await s.db.selectFrom('messages').select('claim_until').where('chat_id', '=', 'hang-1').executeTakeFirst();
      if (row?.claim_until != null) times.leaseEnd = row.claim_until;
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener(
          'abort',
          () => {
            times.abortedAt = Date.now();
            reject(new DOMException('aborted', 'AbortError'));
          },
          { once: true },
        );
      });
    };
    // The client would wait a minute; the lease is 2.5 s.
    const client = new ChannelTalkClient({ baseUrl: 'http://channeltalk.invalid', accessKey: 'k', accessSecret: 's', fetch: hanging, timeoutMs: 60_000 });
    const seen = spied(client);
    const { logger, lines } = capturedLogger();
    await intakeWithWriteBack(s, 'hang-1');
    const d = dispatcherWith(s, client, logger, { leaseMs: 2_500, random: () => 0.99 });
    d.start();
    try {
      await eventually(() => said(lines, 'message send will be retried') >= 1 || undefined, 15_000, 'the hanging send to end in a retry');
    } finally {
      await d.stop(5_000);
    }
    try {
      const first = seen.find((x) => x.method === 'sendMessage');
      assert.equal(first?.opts?.retry, false);
      assert.ok((first?.opts?.timeoutMs ?? Infinity) <= 2_500 - LEASE_MARGIN_MS, `timeoutMs ${first?.opts?.timeoutMs}`);
      const attempts = await s.db.selectFrom('attempts').select(['status', 'error_kind', 'reason']).execute();
      assert.deepEqual(attempts[0], { status: null, error_kind: 'unavailable', reason: 'timeout' });
      const { abortedAt, leaseEnd } = times;
      assert.ok(leaseEnd !== undefined && abortedAt !== undefined, 'the attempt was cut short');
      assert.ok(abortedAt < leaseEnd, `the attempt ended ${leaseEnd - abortedAt} ms before its lease`);
    } finally {
      await close();
    }
  });

  void test('past SEND_MAX_AGE the one rule gives up everywhere: write-back failed, planned without the profile, message failed', async () => {
    // The write-back: the send goes through, the PATCH fails once and is given up.
    fake.state.reset();
    fake.state.faults.configure({ next: ['ok'], failRate: 1, mix: ['503'], failAfterCommitRate: 0 });
    {
      const { store: s, close } = await freshStore();
      const { logger, lines } = capturedLogger();
      const runId = await intakeWithWriteBack(s, 'old-wb');
      const d = dispatcherWith(s, fakeClient(), logger, { sendMaxAgeMs: 0 });
      d.start();
      try {
        await eventually(() => said(lines, 'profile write-back failed') >= 1 || undefined, 15_000, 'the write-back to be given up');
      } finally {
        await d.stop(5_000);
      }
      const run = await s.db.selectFrom('runs').select(['writeback_state', 'reason']).where('id', '=', runId).executeTakeFirstOrThrow();
      await close();
      assert.equal(run.writeback_state, 'failed');
      assert.match(run.reason ?? '', /^profile write-back failed: gave up after \d+ s: server_error/);
      assert.equal(requestsTo(fake, '/users/'), 1);
    }
    // Planning: the profile cannot be had, so the run is planned without it; its first message then fails for good.
    fake.state.reset();
    fake.state.faults.configure({ failRate: 1, mix: ['503'], failAfterCommitRate: 0 });
    {
      const { store: s, close } = await freshStore();
      const { logger, lines } = capturedLogger();
      const runId = await intakePlanning(s, 'old-plan');
      const d = dispatcherWith(s, fakeClient(), logger, { sendMaxAgeMs: 0 });
      d.start();
      try {
        await eventually(() => said(lines, 'message failed') >= 1 || undefined, 15_000, 'the first message to be given up');
      } finally {
        await d.stop(5_000);
      }
      const run = await s.db.selectFrom('runs').select(['state', 'planning_attempts']).where('id', '=', runId).executeTakeFirstOrThrow();
      const msg = await s.db.selectFrom('messages').select(['state', 'reason']).where('run_id', '=', runId).where('seq', '=', 0).executeTakeFirstOrThrow();
      await close();
      assert.equal(said(lines, 'could not fetch the profile; planning without it'), 1);
      assert.equal(run.planning_attempts, 1);
      assert.equal(requestsTo(fake, '/users/'), 1);
      assert.equal(run.state, 'failed');
      assert.equal(msg.state, 'failed');
      assert.match(msg.reason ?? '', /^gave up after 1 attempts over \d+ s: server_error/);
    }
  });
});

void describe('backoff and the one retry rule', () => {
  void test('backoff is full jitter: uniform in [0, min(60 s, 0.5 s × 2^(n-1))] (seeded)', () => {
    const random = mulberry32(20240611);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(60_000, 500 * 2 ** (attempt - 1));
      const xs = Array.from({ length: 4000 }, () => backoffMs(attempt, random));
      assert.ok(
        xs.every((x) => Number.isInteger(x) && x >= 0 && x <= ceiling),
        `attempt ${attempt}: within [0, ${ceiling}]`,
      );
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const belowHalf = xs.filter((x) => x < ceiling / 2).length / xs.length;
      // Equal jitter would never go below half the ceiling.
      assert.ok(Math.min(...xs) < ceiling * 0.01, `attempt ${attempt}: some waits near 0`);
      assert.ok(Math.max(...xs) > ceiling * 0.99, `attempt ${attempt}: some waits near the ceiling`);
      assert.ok(belowHalf > 0.46 && belowHalf < 0.54, `attempt ${attempt}: ${belowHalf} below half`);
      assert.ok(Math.abs(mean - ceiling / 2) < ceiling * 0.03, `attempt ${attempt}: mean ${mean}`);
    }
    assert.equal(backoffMs(1, () => 0), 0);
    assert.equal(backoffMs(40, () => 0.999999), 59_999);
  });

  const unavailable = (retryAfterMs?: number) => new ChannelTalkUnavailableError({ reason: 'server_error', status: 503, method: 'GET', path: '/users/u1', retryAfterMs });

  void test('transient and younger than the maximum age: back off, the server hint winning', () => {
    const now = 1_000_000;
    const ctx = { ageMs: 5_000, maxAgeMs: 60_000, attempts: 3, now, random: () => 0.5 };
    assert.deepEqual(english(settleFailure(unavailable(), ctx)), { retryAt: now + 1_000, note: 'server_error 503' });
    assert.deepEqual(english(settleFailure(unavailable(30_000), ctx)), { retryAt: now + 30_000, note: 'server_error 503' });
    const paced = new ChannelTalkUnavailableError({ reason: 'paced', method: 'POST', path: '/user-chats/c/messages', retryAfterMs: 4_000 });
    assert.deepEqual(english(settleFailure(paced, ctx)), { retryAt: now + 4_000, note: 'paced' });
  });

  void test('transient but as old as the maximum age, rejected, or anything else: fail, with the reason', () => {
    const now = 1_000_000;
    assert.deepEqual(english(settleFailure(unavailable(), { ageMs: 60_000, maxAgeMs: 60_000, attempts: 7, now, random: () => 0.5 })), {
      fail: 'gave up after 7 attempts over 60 s: server_error',
    });
    assert.deepEqual(english(settleFailure(unavailable(), { ageMs: 61_400, maxAgeMs: 60_000, attempts: null, now, random: () => 0.5 })), {
      fail: 'gave up after 61 s: server_error',
    });
    const young = { ageMs: 0, maxAgeMs: 60_000, attempts: 1, now, random: () => 0.5 };
    assert.deepEqual(english(settleFailure(new ChannelTalkRejectedError({ status: 422, method: 'POST', path: '/x', code: 'unprocessable_entity' }), young)), {
      fail: 'Channel Talk refused it with 422 (unprocessable_entity)',
    });
    assert.deepEqual(english(settleFailure(new ChannelTalkRejectedError({ status: 404, method: 'GET', path: '/users/u' }), young)), { fail: 'Channel Talk refused it with 404' });
    assert.deepEqual(english(settleFailure(new Error('unexpected answer shape'), young)), { fail: 'unexpected answer shape' });
  });

  const limited = (retryAfterMs?: number) => new ChannelTalkUnavailableError({ reason: 'rate_limited', status: 429, method: 'POST', path: '/user-chats/c/messages', retryAfterMs });

  void test('a hint beyond what is left of the maximum age fails now, with a reason that says so', () => {
    const now = 1_000_000;
    const ctx = { ageMs: 30 * 60_000, maxAgeMs: 60 * 60_000, attempts: 1, now, random: () => 0.5 };
    // Retry-After: 999999999, as the client reads it (bounded when parsed, and bounded again here).
    for (const hint of [MAX_RETRY_AFTER_MS, 999_999_999_000, Number.POSITIVE_INFINITY, 31 * 60_000]) {
      const s = settleFailure(limited(hint), ctx);
      assert.ok('fail' in s, `hint ${hint}: ${JSON.stringify(s)}`);
      assert.match(s.fail, /^rate_limited 429: Channel Talk asked to wait .+, more than the 30 min left of the maximum age$/);
    }
    assert.deepEqual(english(settleFailure(limited(MAX_RETRY_AFTER_MS), ctx)), { fail: 'rate_limited 429: Channel Talk asked to wait 30 d, more than the 30 min left of the maximum age' });
    // Within what is left, the hint is the wait.
    assert.deepEqual(english(settleFailure(limited(29 * 60_000), ctx)), { retryAt: now + 29 * 60_000, note: 'rate_limited 429' });
  });

  void test('the wait never runs past the maximum age: the last attempt comes when the age is reached', () => {
    const now = 1_000_000;
    // 10 s left; the backoff would be up to 60 s.
    const s = settleFailure(unavailable(), { ageMs: 3_590_000, maxAgeMs: 3_600_000, attempts: 20, now, random: () => 0.999 });
    assert.deepEqual(english(s), { retryAt: now + 10_000, note: 'server_error 503' });
  });

  void test('a hint that is not a finite number never reaches a due time', () => {
    for (const hint of [Number.NaN, -5, Number.POSITIVE_INFINITY]) {
      const s = settleFailure(limited(hint), { ageMs: 0, maxAgeMs: Number.POSITIVE_INFINITY, attempts: 1, now: 1_000, random: () => 0.5 });
      if ('retryAt' in s) assert.ok(Number.isFinite(s.retryAt) && s.retryAt >= 1_000, `hint ${hint}: retryAt ${s.retryAt}`);
    }
  });

  void test('without a count of attempts, the wait grows with the age', () => {
    const at = (ageMs: number) => settleFailure(unavailable(), { ageMs, maxAgeMs: 3_600_000, attempts: null, now: 0, random: () => 0.999 });
    const waits = [0, 2_000, 20_000, 200_000].map((a) => {
      const s = at(a);
      assert.ok('retryAt' in s);
      return s.retryAt;
    });
    for (let i = 1; i < waits.length; i++) assert.ok(waits[i]! > waits[i - 1]!, `waits ${waits.join(', ')}`);
    assert.ok(waits[waits.length - 1]! <= 60_000);
  });
});
