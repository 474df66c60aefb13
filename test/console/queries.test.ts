// The console's SQL, on SQLite and (when available) PostgreSQL: counts,
// latency percentiles, search, a run's timeline, and the masked profile.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { intake } from '../support/intake.js';
import { claimPlanning } from '../support/jobs.js';
import { sendOps } from '../support/sends.js';
import { completePlanningTx } from '../../src/delivery/store/planning-and-write-back.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/delivery/store/store.js';
import { ConsoleQueries, percentile } from '../../src/delivery/store/console-queries.js';
import { RUN_STATES } from '../../src/delivery/run-lifecycle.js';
import type { ChatOpenedEvent, IgnoredEvent } from '../../src/channeltalk/event.js';
import type { Plan } from '../../src/curation/plan-types.js';
import { freshDatabases } from '../support/databases.js';

const DB_KINDS = await freshDatabases();
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 15, 12, 30);

function opened(chatId: string): ChatOpenedEvent {
  return {
    kind: 'chatOpened',
    dedupeKey: `chatOpened:${chatId}`,
    channelId: '95334',
    chatId,
    userId: `user-${chatId}`,
    chatTags: ['tag'],
    supportBotId: '43684',
    profile: { weight: 72.5, name: 'Secret Name' },
    language: 'ko',
    occurredAt: null,
  };
}

function planOf(runId: string, n: number): Plan {
  return {
    curationId: 'diet-main',
    runId,
    outcome: 'sequence',
    lang: 'ko',
    values: { bmr: 1751 },
    problems: [],
    reason: null,
    messages: Array.from({ length: n }, (_, seq) => ({ seq, delayMs: 0, body: { blocks: [{ type: 'text' as const, value: `m${seq}` }], requestId: `${runId}-${seq}` } })),
  };
}

async function startRun(store: Store, chatId: string, at: number, messages = 2): Promise<string> {
  const runId = `r-${chatId}`;
  await intake(store, {
    eventId: `e-${chatId}`,
    event: opened(chatId),
    receivedAt: at,
    takeover: false,
    candidates: [{ runId, curationId: 'diet-main', oncePerChat: true, cooldownMs: null, plan: planOf(runId, messages) }],
  });
  return runId;
}

/** Sends every due message of the store, first-message latency `latencyMs` after its event. */
async function sendAll(store: Store, at: number): Promise<void> {
  for (;;) {
    const claimed = await sendOps(store).claimDue(Number.MAX_SAFE_INTEGER, 50, 'test', 1000);
    if (claimed.length === 0) return;
    for (const m of claimed) {
      const attempt = { runId: m.run_id, seq: m.seq, requestId: m.request_id, startedAt: at, status: 200, latencyMs: 12, errorKind: null, reason: null, instance: 'test' };
      await sendOps(store).markSent(m, at, `msg-${m.request_id}`, 1, attempt);
    }
  }
}

for (const kind of DB_KINDS) {
  describe(`console queries on ${kind.name}`, () => {
    let store: Store;
    let q: ConsoleQueries;
    before(async () => {
      store = await Store.open(kind.url, { delayScale: 1 });
      q = new ConsoleQueries(store.db);
      // Three runs today with first-message latencies 100, 200 and 1000 ms; one run 3 days ago; one ignored delivery.
      for (const [i, lat] of [100, 200, 1000].entries()) {
        const at = NOW - (i + 1) * HOUR;
        await startRun(store, `chat-${i}`, at);
        await sendAll(store, at + lat);
      }
      await startRun(store, 'chat-old', NOW - 3 * 24 * HOUR, 3);
      const ignored: IgnoredEvent = { ...opened('chat-bot'), kind: 'ignored', dedupeKey: 'botMessage:1', reason: 'our own bot' };
      await intake(store, { eventId: 'e-ignored', event: ignored, receivedAt: NOW - HOUR, takeover: false, candidates: [] });
    });
    after(async () => {
      await store?.close();
    });

    test('overview: counts for today and the week, latency percentiles, runs per hour, queue', async () => {
      const o = await q.overview(NOW, NOW - 12 * HOUR);
      assert.equal(o.today.webhooks.received, 4);
      assert.equal(o.today.webhooks.ignored, 1);
      assert.equal(o.today.runs.started, 3);
      assert.equal(o.today.runs.completed, 3);
      assert.equal(o.today.messagesSent, 6);
      assert.deepEqual(o.today.latencyMs, { p50: 200, p95: 1000, samples: 3 });
      assert.equal(o.week.runs.started, 4);
      assert.equal(o.week.runs.pending, 1);
      assert.equal(o.runsPerHour.length, 24);
      assert.equal(o.runsPerHour.reduce((a, b) => a + b.runs, 0), 3);
      assert.equal(o.runsPerHour.at(-2)?.runs, 1, 'one run in the hour before the current one');
      // The old run's first message is due, its others wait their turn.
      assert.deepEqual(o.queue, { waiting: 2, pending: 1, sending: 0, total: 3 });
    });

    test('runs: search by chat, user, curation, state and free text', async () => {
      assert.deepEqual((await q.listRuns({ chatId: 'chat-1' })).map((r) => r.id), ['r-chat-1']);
      assert.deepEqual((await q.listRuns({ userId: 'user-chat-2' })).map((r) => r.id), ['r-chat-2']);
      assert.equal((await q.listRuns({ curationId: 'diet-main' })).length, 4);
      assert.deepEqual((await q.listRuns({ state: 'pending' })).map((r) => r.id), ['r-chat-old']);
      assert.deepEqual((await q.listRuns({ q: 'user-chat-0' })).map((r) => r.id), ['r-chat-0']);
      assert.deepEqual((await q.listRuns({ q: 'r-chat-o' })).map((r) => r.id), ['r-chat-old'], 'a prefix of a run id');
      assert.deepEqual((await q.listRuns({ q: '%' })).map((r) => r.id), [], 'LIKE wildcards are literal');
      const [first] = await q.listRuns({ chatId: 'chat-0' });
      assert.equal(first?.messages, 2);
      assert.equal(first?.sent, 2);
      const page1 = await q.listRuns({ limit: 2 });
      const page2 = await q.listRuns({ limit: 2, before: page1.at(-1)!.createdAt });
      assert.deepEqual([...page1, ...page2].map((r) => r.id), ['r-chat-0', 'r-chat-1', 'r-chat-2', 'r-chat-old']);
      assert.equal((await q.listEvents({ anyId: 'user-chat-bot' })).length, 1);
    });

    test('runs: the customer\'s name is kept with the run and searched by prefix; a day is a range of created_at', async () => {
      const [r] = await q.listRuns({ chatId: 'chat-0' });
      assert.equal(r?.customerName, 'Secret Name');
      assert.equal(r?.channelId, '95334');
      assert.equal((await q.listRuns({ name: 'Secret' })).length, 4, 'a prefix of the name');
      assert.equal((await q.listRuns({ name: 'Secret Name' })).length, 4);
      assert.deepEqual(await q.listRuns({ name: 'Name' }), [], 'a prefix, not any part');
      assert.equal((await q.listRuns({ name: 'secret n' })).length, 4, 'whatever the case, on SQLite and PostgreSQL alike');
      assert.equal((await q.listRuns({ name: 'SECRET' })).length, 4, 'whatever the case, on SQLite and PostgreSQL alike');
      assert.deepEqual(await q.listRuns({ name: 'Secret%' }), [], 'LIKE wildcards are literal');
      assert.deepEqual(await q.listRuns({ name: 'S_cret' }), [], 'LIKE wildcards are literal');
      // Today's three runs fall within [NOW - 12 h, NOW); the one three days ago does not.
      assert.deepEqual((await q.listRuns({ from: NOW - 12 * HOUR, to: NOW })).map((x) => x.id), ['r-chat-0', 'r-chat-1', 'r-chat-2']);
      assert.deepEqual((await q.listRuns({ name: 'Secret', from: NOW - 4 * 24 * HOUR, to: NOW - 2 * 24 * HOUR })).map((x) => x.id), ['r-chat-old']);
    });

    test('run detail: event, messages, attempts; profile only by name until revealed', async () => {
      const d = await q.runDetail('r-chat-0');
      assert.ok(d);
      assert.equal(d.event?.kind, 'chatOpened');
      assert.deepEqual(d.event?.summary.chatTags, ['tag']);
      assert.equal(d.messages.length, 2);
      assert.equal(d.attempts.length, 2);
      assert.deepEqual(d.run.profileKeys.sort(), ['name', 'weight']);
      assert.deepEqual(d.run.valueKeys, ['bmr']);
      // The name is shown with the run (runs-api.ts masks it for a viewer); no other profile value is.
      assert.equal(d.run.customer_name, 'Secret Name');
      assert.ok(!JSON.stringify({ ...d, run: { ...d.run, customer_name: null } }).includes('Secret Name'), 'no profile value in the detail');
      assert.ok(!JSON.stringify(d).includes('72.5'));
      const s = await q.runSecrets('r-chat-0');
      assert.deepEqual(s, { profile: { weight: 72.5, name: 'Secret Name' }, values: { bmr: 1751 }, writeBack: null, userEvent: null });
      assert.deepEqual(d.run.writeBackKeys, []);
      assert.equal(d.run.userEvent, null);
      assert.equal(await q.runDetail('nope'), null);
    });
  });
}

for (const kind of DB_KINDS) {
  describe(`console counts by lifecycle state on ${kind.name}`, () => {
    let store: Store;
    before(async () => {
      // A fresh database of its own: the counts above must not see these runs.
      const [fresh] = (await freshDatabases()).filter((d) => d.name === kind.name);
      store = await Store.open(fresh!.url, { delayScale: 1 });
    });
    after(async () => {
      await store?.close();
    });

    test('a fallback with nothing to send counts as a fallback, whether planned at intake or after fetching the profile', async () => {
      const emptyFallback = (runId: string): Plan => ({ ...planOf(runId, 0), outcome: 'fallback', values: {}, reason: 'weight is missing' });
      const at = NOW - HOUR;
      const candidate = (runId: string, plan: Plan | null) => ({ runId, curationId: 'diet-main', oncePerChat: true, cooldownMs: null, plan });
      await intake(store, { eventId: 'e-fb-now', event: opened('fb-now'), receivedAt: at, takeover: false, candidates: [candidate('r-fb-now', emptyFallback('r-fb-now'))] });
      await intake(store, { eventId: 'e-fb-later', event: { ...opened('fb-later'), profile: null }, receivedAt: at, takeover: false, candidates: [candidate('r-fb-later', null)] });
      await claimPlanning(store, at, 10, 'test', 30_000);
      assert.equal(await store.db.transaction().execute((trx) => completePlanningTx(trx, 'r-fb-later', emptyFallback('r-fb-later'), { name: 'A' }, at, chatTiming(1))), true);
      const q = new ConsoleQueries(store.db);
      const o = await q.overview(NOW, NOW - 12 * HOUR);
      assert.deepEqual(Object.keys(o.today.runs).filter((k) => k !== 'started').sort(), [...RUN_STATES].sort(), 'a count for every state of the lifecycle');
      assert.equal(o.today.runs.fallback, 2);
      assert.equal(o.today.runs.completed, 0);
      assert.deepEqual((await q.listRuns({ state: 'fallback' })).map((r) => r.id).sort(), ['r-fb-later', 'r-fb-now']);
      // The run planned after fetching the profile takes the customer's name from it.
      assert.equal((await q.listRuns({ chatId: 'fb-later' }))[0]?.customerName, 'A');
    });
  });
}

test('percentile: nearest rank', () => {
  assert.equal(percentile([], 0.5), null);
  assert.equal(percentile([5], 0.95), 5);
  assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
  assert.equal(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 0.95), 95);
});
