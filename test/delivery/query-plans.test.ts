// The job runner runs its claim queries on every pass (sending is a job
// kind, so a claim of sends also marks their messages in flight), and
// /healthz and /metrics count the queue. If any of them reads a whole table
// or a full index, its cost grows with history until a shop with a year of
// chats stalls (the scale benchmark found claimPlanning doing that: 0.8 s
// per pass at 1M runs). This checks SQLite's plan for each of them.
import { chatTiming } from '../../src/delivery/chat-timing.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/delivery/store/store.js';
import { Kysely } from 'kysely';
import { explain, timeDispatcherQueries } from '../../bench/lib/queries.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { openSqlite, sqliteDialect } from '../../src/delivery/store/connect.js';
import type { Database } from '../../src/delivery/store/schema.js';
import { tempDir } from '../support/processes.js';
import { resumeAnswered } from '../../src/delivery/store/answer-wait.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { webhook } from '../support/fixtures.js';
import { startRuns } from '../../src/delivery/store/start-runs.js';
import { EventInsert, recordEvent } from '../../src/delivery/store/record-event.js';
import type { Event } from '../../src/channeltalk/event.js';
import { planOf } from '../support/plans.js';

test('every per-pass query of the job runner and queueDepth are bounded by the live queue, not by history', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'plans.db');
    const store = await Store.open(`sqlite:${file}`, { delayScale: 1 });
    await store.close();
    const q = await timeDispatcherQueries(file, 20);
    const whats = q.plans.map((p) => p.what.replace(/ #\d+$/, ''));
    for (const name of ['reclaimExpired', 'claimJobs', 'nextJobAt', 'queueDepth', 'claimSends']) {
      assert.ok(whats.includes(name), `${name} was captured`);
    }
    const scans = q.plans.filter((p) => p.fullScan).map((p) => `${p.what}: ${p.plan.join(' / ')} (${p.sql})`);
    assert.deepEqual(scans, [], 'no statement reads a whole table or full index');
    const byName = (n: string) => q.plans.filter((p) => p.what.startsWith(`${n} `)).flatMap((p) => p.plan);
    // Planning and write-back are jobs now: their claim goes through the jobs queue's partial index.
    assert.ok(byName('claimJobs').some((l) => l.includes('jobs_due')), `claimJobs: ${byName('claimJobs').join(' / ')}`);
    const depth = byName('queueDepth').join(' / ');
    for (const ix of ['messages_due', 'messages_claimed', 'runs_active']) assert.ok(depth.includes(ix), `queueDepth uses ${ix}: ${depth}`);
    // Sending is a job kind: its claim goes through jobs_due, and the in-flight mark of its messages by their primary key.
    assert.ok(byName('claimSends').some((l) => l.includes('jobs_due')), `claimSends: ${byName('claimSends').join(' / ')}`);
    const mark = q.plans.find((p) => p.what.startsWith('claimSends ') && /^update "messages"/.test(p.sql));
    assert.ok(mark?.plan.some((l) => /messages/.test(l) && /PRIMARY KEY|INDEX sqlite_autoindex_messages/.test(l)), `the in-flight mark: ${mark?.plan.join(' / ')}`);
    assert.equal(q.liveQueue.pending, 200, 'the live queue was in place while timing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the job engine's claim, takeover and wake-up queries go through the jobs partial indexes", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'jobs-plans.db');
    const store = await Store.open(`sqlite:${file}`, { delayScale: 1 });
    // History: many failed jobs, which no per-pass query may read.
    const ops = new JobOps(store.db, 'sqlite');
    for (let i = 0; i < 200; i++) await ops.enqueue({ kind: 'planRun', key: `old-${i}`, payload: {}, lane: `chat:${i % 7}` }, 0);
    await store.db.updateTable('jobs').set({ state: 'failed' }).execute();
    for (let i = 0; i < 20; i++) await ops.enqueue({ kind: 'planRun', payload: {}, lane: i % 2 ? `chat:${i}` : null }, 0);
    await store.close();
    const raw = openSqlite(file);
    const captured: Array<{ what: string; sql: string; parameters: readonly unknown[] }> = [];
    let what = '';
    const db = new Kysely<Database>({ dialect: sqliteDialect(raw), log: (e) => void (e.level === 'query' && captured.push({ what, sql: e.query.sql, parameters: e.query.parameters })) });
    const live = new JobOps(db, 'sqlite');
    what = 'reclaimExpired';
    await live.reclaimExpired(1_000);
    what = 'nextWakeAt';
    await live.nextWakeAt(['planRun', 'writeBack']);
    what = 'claim';
    await live.claim(1_000, 8, 'i', new Map([['planRun', 30_000], ['writeBack', 30_000]]));
    const partial = new Set(
      (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'").all() as Array<{ name: string }>).map((r) => r.name),
    );
    const plans = captured.map((q) => explain(raw, partial, q.what, q.sql, q.parameters));
    await db.destroy();
    assert.deepEqual(plans.map((p) => p.what), ['reclaimExpired', 'nextWakeAt', 'claim']);
    assert.deepEqual(plans.filter((p) => p.fullScan).map((p) => `${p.what}: ${p.plan.join(' / ')}`), [], 'no jobs query reads a whole table or full index');
    const claim = plans.find((p) => p.what === 'claim')!.plan.join(' / ');
    for (const ix of ['jobs_due', 'jobs_lane_running', 'jobs_lane_pending']) assert.ok(claim.includes(ix), `claim uses ${ix}: ${claim}`);
    assert.ok(plans.find((p) => p.what === 'reclaimExpired')!.plan.join(' ').includes('jobs_running'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an answer's delivery finds the customer's waiting runs through runs_awaiting, not through their history", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'answer-plans.db');
    const store = await Store.open(`sqlite:${file}`, { delayScale: 1 });
    await store.close();
    const raw = openSqlite(file);
    const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
    const db = new Kysely<Database>({ dialect: sqliteDialect(raw), log: (e) => void (e.level === 'query' && captured.push({ sql: e.query.sql, parameters: e.query.parameters })) });
    const event = normalize(webhook('member-upserted-contact'));
    assert.equal(event.kind, 'profileChanged');
    if (event.kind !== 'profileChanged') return;
    await db.transaction().execute((trx) => resumeAnswered(trx, 'e1', event, 1_000));
    const partial = new Set(
      (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'").all() as Array<{ name: string }>).map((r) => r.name),
    );
    const lookup = captured.find((q) => /^select .* from "runs"/i.test(q.sql));
    assert.ok(lookup, captured.map((q) => q.sql).join('\n'));
    const plan = explain(raw, partial, 'answer', lookup.sql, lookup.parameters);
    await db.destroy();
    assert.ok(plan.plan.some((l) => l.includes('runs_awaiting')), plan.plan.join(' / '));
    assert.equal(plan.fullScan, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a chat's and a customer's queries go through their indexes, the channel a filter on a chat's few rows", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'chat-plans.db');
    const store = await Store.open(`sqlite:${file}`, { delayScale: 1 });
    await store.close();
    const raw = openSqlite(file);
    const captured: Array<{ sql: string; parameters: readonly unknown[] }> = [];
    const db = new Kysely<Database>({ dialect: sqliteDialect(raw), log: (e) => void (e.level === 'query' && captured.push({ sql: e.query.sql, parameters: e.query.parameters })) });
    const base = { channelId: '95334', chatId: 'qp-chat', userId: 'qp-user', chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
    const opened: Event = { ...base, kind: 'chatOpened', dedupeKey: '95334/chatOpened:qp-chat' };
    const manager: Event = { ...base, kind: 'managerMessage', dedupeKey: '95334/managerMessage:qp-m1', messageId: 'qp-m1', personId: null };
    // An opening (the cooldown, the chat's live message and next run) and then a takeover (the chat's runs cancelled).
    for (const [i, event, takeover] of [[0, opened, false], [1, manager, true]] as const) {
      const eventId = `e-qp-${i}`;
      await db.transaction().execute((trx) => recordEvent(trx, { eventId, event, receivedAt: 1_000 + i, candidates: takeover ? [] : [{ runId: 'r-qp', curationId: 'c' }], takeover }, new EventInsert(db), chatTiming(1)));
      const candidates = takeover ? [] : [{ runId: 'r-qp', curationId: 'c', oncePerChat: true, cooldownMs: 3_600_000, plan: planOf('r-qp', [0, 100]) }];
      await db.transaction().execute((trx) => startRuns(trx, { eventId, event, receivedAt: 1_000 + i, candidates, takeover }, chatTiming(1)));
    }
    // Their planEvent jobs done (the runner's settle deletes them), another opening is started in its webhook's
    // commit: first the read of the chat's events lane (record-event.ts).
    await db.deleteFrom('jobs').where('kind', '=', 'planEvent').execute();
    const again: Event = { ...opened, dedupeKey: '95334/chatOpened:qp-chat:2' };
    const planned = { eventId: 'e-qp-2', event: again, receivedAt: 1_002, takeover: false, candidates: [{ runId: 'r-qp-2', curationId: 'c2', oncePerChat: true, cooldownMs: 3_600_000, plan: planOf('r-qp-2', [0, 100]) }] };
    const inCommit = await db.transaction().execute((trx) => recordEvent(trx, { ...planned, candidates: [{ runId: 'r-qp-2', curationId: 'c2' }], planned }, new EventInsert(db), chatTiming(1)));
    assert.equal(inCommit.status, 'acted');
    const partial = new Set(
      (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'").all() as Array<{ name: string }>).map((r) => r.name),
    );
    const reads = captured.filter((q) => /^(select|update)\b/i.test(q.sql) && /"(runs|messages)"/.test(q.sql));
    const plans = reads.map((q) => explain(raw, partial, 'chat', q.sql, q.parameters));
    const laneRead = captured.filter((q) => /exists \(select "id" from "jobs" where "lane" = \?/.test(q.sql));
    assert.equal(laneRead.length, 1, captured.map((q) => q.sql).join('\n'));
    const lanePlan = explain(raw, partial, 'chat', laneRead[0]!.sql, laneRead[0]!.parameters);
    await db.destroy();
    assert.deepEqual(plans.filter((p) => p.fullScan).map((p) => `${p.sql}: ${p.plan.join(' / ')}`), [], 'no chat query reads a whole table or full index');
    const using = (pattern: RegExp) => plans.filter((p) => pattern.test(p.sql)).flatMap((p) => p.plan).join(' / ');
    assert.match(using(/"user_id" = \?.*"channel_id" = \?/), /runs_user_curation/, 'the cooldown');
    // The chat's events lane, asked before an event is started in its commit: the two partial indexes, no scan of the jobs.
    assert.equal(lanePlan.fullScan, false, lanePlan.plan.join(' / '));
    assert.match(lanePlan.plan.join(' / '), /jobs_lane_pending.*jobs_lane_running/);
    // The takeover finds the chat's live runs, then moves each by id (transitions.ts).
    assert.match(using(/^select "id" from "runs" where "chat_id" = \?/), /runs_chat/, 'the takeover');
    // The chat's next message and its live one are asked in one read (chat-queue.ts nextInChat): `l` is the live one's search.
    assert.match(using(/exists \(select "l"\."run_id" from "messages" as "l"/), /SEARCH l USING INDEX messages_chat_state/, "the chat's live message");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
