// The userEvent job's handler against the fake Channel Talk, in process: it
// sends exactly the planned body once, as background work without retry in
// process; an outage is retried through the one failure rule until the
// maximum age; a refusal fails the job with its reason; and no log line
// carries a property value.
import { intake } from '../support/intake.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { userEventHandler } from '../../src/jobs/handlers/user-event.js';
import { ChannelTalkClient, type CallOptions } from '../../src/channeltalk/client.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import type { PlannedUserEvent } from '../../src/curation/plan-types.js';
import { DEFAULT_FAKE_CHANNEL_ID, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { KEY, SECRET, startTestFake } from '../fake-channeltalk/helpers.js';
import { planOf } from '../support/plans.js';
import { eventually, tempDir } from '../support/processes.js';

// Distinctive values, so a log line that carried one would be found.
const EVENT: PlannedUserEvent = { name: 'curationCompleted', property: { productIndex: 7, goal: 'secret-goal-xyz', bmrKcal: 1834.25 } };

function opened(chatId: string, userId: string): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}`, channelId: '95334', chatId, userId, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

describe('the userEvent job', () => {
  let fake: FakeChannelTalk;
  let store: Store;
  let ops: JobOps;
  before(async () => {
    fake = await startTestFake();
    store = await Store.open(`sqlite:${path.join(tempDir(), 'ue.db')}`, { delayScale: 0 });
    ops = new JobOps(store.db, store.dialect);
  });
  after(async () => {
    await store.close();
    await fake.close();
  });

  /** A run whose sequence rendered no message: it completes in the intake transaction, which enqueues its event. */
  async function completedRun(chatId: string, userId: string, at = Date.now()): Promise<string> {
    const runId = `r-${chatId}`;
    await intake(store, {
      eventId: `e-${chatId}`,
      event: opened(chatId, userId),
      receivedAt: at,
      takeover: false,
      candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: { ...planOf(runId, []), userEvent: EVENT } }],
    });
    return runId;
  }

  function runner(opts: { maxAgeMs?: number } = {}) {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    const client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET });
    const calls: Array<CallOptions | undefined> = [];
    const create = client.createUserEvent.bind(client);
    client.createUserEvent = (userId, event, o) => {
      calls.push(o);
      return create(userId, event, o);
    };
    const jobs = new JobRunner({
      db: store.db,
      ops,
      owner: 'test',
      logger,
      random: () => 0,
      handlers: [userEventHandler({ db: store.db, clientFor: () => client, maxAgeMs: opts.maxAgeMs ?? 60 * 60_000, leaseMs: 10_000 })],
    });
    return { jobs, lines, calls };
  }

  const jobOf = (runId: string) => store.db.selectFrom('jobs').select(['state', 'last_error', 'attempts']).where('key', '=', `userEvent:${runId}`).executeTakeFirst();
  const eventsFor = (userId: string) => fake.state.userEvents.filter((e) => e.userId === userId);

  test('sends the planned body once, as background work with retry off, then the job is gone', async () => {
    fake.state.reset();
    fake.state.users.set('ue-user-1', { id: 'ue-user-1', profile: {} });
    const runId = await completedRun('ue-chat-1', 'ue-user-1');
    const { jobs, lines, calls } = runner();
    jobs.start();
    try {
      await eventually(async () => ((await jobOf(runId)) === undefined ? true : undefined), 10_000, 'the job settles');
    } finally {
      await jobs.stop(5_000);
    }
    const sent = eventsFor('ue-user-1');
    assert.equal(sent.length, 1);
    assert.deepEqual({ name: sent[0]!.name, property: sent[0]!.property }, EVENT);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.retry, false);
    assert.equal(calls[0]?.priority, 'background');
    assert.ok((calls[0]?.timeoutMs ?? Infinity) <= 10_000, 'an attempt ends within the lease');
    const logged = lines.join('');
    assert.match(logged, /user event recorded/);
    assert.match(logged, new RegExp(runId));
    assert.match(logged, /curationCompleted/);
    assert.doesNotMatch(logged, /secret-goal-xyz|1834\.25/, 'no property value in a log line');
  });

  test('an outage is retried through the one rule; the event is recorded once when Channel Talk is back', async () => {
    fake.state.reset();
    fake.state.users.set('ue-user-2', { id: 'ue-user-2', profile: {} });
    // Refused before the work: nothing was recorded by the failed attempts.
    fake.state.faults.configure({ next: ['503', '500'], failAfterCommitRate: 0 });
    const runId = await completedRun('ue-chat-2', 'ue-user-2');
    const { jobs, lines, calls } = runner();
    jobs.start();
    try {
      await eventually(async () => ((await jobOf(runId)) === undefined ? true : undefined), 15_000, 'the job settles');
    } finally {
      await jobs.stop(5_000);
    }
    // Attempt 1: the POST gets 503. Attempt 2: the look for an earlier recording gets 500. Attempt 3: finds none, posts.
    assert.equal(calls.length, 2, 'a post on the first and the third attempt');
    assert.equal(eventsFor('ue-user-2').length, 1);
    assert.equal(lines.filter((l) => l.includes('"level":40') && l.includes('user event will be retried')).length, 2, 'one warning per retried attempt, with the run\'s ids');
    assert.equal(lines.filter((l) => l.includes('"level":40') && l.includes('job will be retried')).length, 0, 'not repeated by the runner');
    assert.doesNotMatch(lines.join(''), /secret-goal-xyz/);
  });

  test('an answer lost after Channel Talk recorded the event: the retry finds it and sends nothing more', async () => {
    fake.state.reset();
    fake.state.users.set('ue-user-5', { id: 'ue-user-5', profile: {} });
    // Another event of the user, recorded meanwhile: a different property is not ours.
    fake.state.userEvents.push({ id: 'ev-other', channelId: DEFAULT_FAKE_CHANNEL_ID, userId: 'ue-user-5', name: EVENT.name, property: { productIndex: 8 }, createdAt: Date.now() });
    fake.state.faults.configure({ next: ['500'], failAfterCommitRate: 1 });
    const runId = await completedRun('ue-chat-5', 'ue-user-5');
    const { jobs, lines, calls } = runner();
    jobs.start();
    try {
      await eventually(async () => ((await jobOf(runId)) === undefined ? true : undefined), 15_000, 'the job settles');
    } finally {
      await jobs.stop(5_000);
    }
    assert.equal(calls.length, 1, 'the retry did not post again');
    const ours = eventsFor('ue-user-5').filter((e) => JSON.stringify(e.property) === JSON.stringify(EVENT.property));
    assert.equal(ours.length, 1, 'one event, recorded by the attempt whose answer was lost');
    assert.equal(lines.filter((l) => l.includes('already recorded by an earlier attempt')).length, 1);
  });

  test('past the maximum age an outage fails the job, with the reason kept on its row', async () => {
    fake.state.reset();
    fake.state.users.set('ue-user-3', { id: 'ue-user-3', profile: {} });
    fake.state.faults.configure({ next: ['503'], failAfterCommitRate: 0 });
    // Completed a minute ago; the maximum age is a second.
    const runId = await completedRun('ue-chat-3', 'ue-user-3', Date.now() - 60_000);
    const { jobs, lines } = runner({ maxAgeMs: 1_000 });
    jobs.start();
    try {
      await eventually(async () => ((await jobOf(runId))?.state === 'failed' ? true : undefined), 10_000, 'the job fails');
    } finally {
      await jobs.stop(5_000);
    }
    const job = await jobOf(runId);
    assert.match(job?.last_error ?? '', /^gave up after \d+ attempts over 60 s/);
    assert.equal(eventsFor('ue-user-3').length, 0);
    const failed = lines.filter((l) => l.includes('user event not recorded'));
    assert.equal(failed.length, 1);
    assert.match(failed[0]!, /"level":50/);
    assert.equal(lines.filter((l) => l.includes('"level":50')).length, 1, 'one error, not repeated by the runner');
    assert.doesNotMatch(lines.join(''), /secret-goal-xyz|1834\.25/);
  });

  test('a refusal (the user is unknown to Channel Talk) fails at once, without a retry', async () => {
    fake.state.reset();
    const runId = await completedRun('ue-chat-4', 'ue-nobody');
    const { jobs, calls } = runner();
    jobs.start();
    try {
      await eventually(async () => ((await jobOf(runId))?.state === 'failed' ? true : undefined), 10_000, 'the job fails');
    } finally {
      await jobs.stop(5_000);
    }
    assert.equal(calls.length, 1);
    assert.equal((await jobOf(runId))?.last_error, 'Channel Talk refused it with 404 (not_found)');
  });

  test('a run pruned before its job ran: done, nothing sent', async () => {
    fake.state.reset();
    await ops.enqueue({ kind: 'userEvent', key: 'userEvent:r-gone', payload: { runId: 'r-gone' } }, Date.now());
    const { jobs, calls } = runner();
    jobs.start();
    try {
      await eventually(async () => ((await jobOf('r-gone')) === undefined ? true : undefined), 10_000, 'the job settles');
    } finally {
      await jobs.stop(5_000);
    }
    assert.equal(calls.length, 0);
    assert.equal(fake.state.userEvents.length, 0);
  });
});
