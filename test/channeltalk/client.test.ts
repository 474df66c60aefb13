// The client against a real started fake Channel Talk (HTTP over loopback).
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTalkClient, type AttemptInfo, type ChannelTalkClientOptions } from '../../src/channeltalk/client.js';
import { ChannelTalkRejectedError, ChannelTalkUnavailableError } from '../../src/channeltalk/errors.js';
import type { MessageBody } from '../../src/channeltalk/wire.js';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { KEY, SECRET, simpleBody, startTestFake } from '../fake-channeltalk/helpers.js';

let fake: FakeChannelTalk;
before(async () => {
  fake = await startTestFake();
});
after(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.state.reset();
});

interface Harness {
  client: ChannelTalkClient;
  attempts: AttemptInfo[];
  sleeps: number[];
}

/** A client whose waits return at once and are recorded instead. */
function harness(extra: Partial<ChannelTalkClientOptions> = {}): Harness {
  const attempts: AttemptInfo[] = [];
  const sleeps: number[] = [];
  const client = new ChannelTalkClient({
    baseUrl: fake.url,
    accessKey: KEY,
    accessSecret: SECRET,
    botName: 'Coach',
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    onAttempt: (a) => attempts.push(a),
    ...extra,
  });
  return { client, attempts, sleeps };
}

async function rejectsWith<E extends Error>(p: Promise<unknown>, ctor: new (...args: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ctor, `expected ${ctor.name}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${ctor.name}, but it resolved`);
}

void describe('ChannelTalkClient against the fake', () => {
  void test('sendMessage is accepted and the exact body is recorded', async () => {
    const { client, attempts } = harness();
    const body: MessageBody = {
      blocks: [
        { type: 'text', value: 'Hi <b>Kim</b>, 1 &lt; 2 <link type="url" value="https://ex.com">see</link>' },
        { type: 'bullets', blocks: [{ type: 'text', value: 'one' }, { type: 'text', value: '<i>two</i>' }] },
      ],
      buttons: [{ title: 'Open', colorVariant: 'green', action: { type: 'web', attributes: { url: 'https://ex.com/p' } } }],
      options: ['silentToManager'],
      requestId: 'run-1-0',
    };
    const res = await client.sendMessage('chat/1 a', body);
    const recorded = fake.state.messages;
    assert.equal(recorded.length, 1);
    const m = recorded[0];
    assert.ok(m);
    assert.equal(res.messageId, m.id);
    assert.deepEqual(m.body, body);
    assert.equal(m.chatId, 'chat/1 a', 'the id is URL-encoded on the way and decoded by the server');
    assert.equal(m.botName, 'Coach');
    assert.equal(m.requestId, 'run-1-0');
    assert.equal(m.channelId, '95334');
    assert.deepEqual(
      attempts.map((a) => [a.method, a.path, a.status, a.errorKind, a.attempt]),
      [['POST', '/user-chats/chat%2F1%20a/messages', 200, null, 1]],
    );
  });

  void test('sendMessage refuses an invalid body without any HTTP attempt', async () => {
    const { client, attempts } = harness();
    await assert.rejects(client.sendMessage('c1', { blocks: [{ type: 'text', value: 'a < b' }] }), (e: unknown) => {
      assert.ok(e instanceof Error && !(e instanceof ChannelTalkRejectedError));
      assert.match(e.message, /invalid message body/);
      return true;
    });
    const threeButtons = { blocks: [{ type: 'text', value: 'x' }], buttons: [1, 2, 3] } as unknown as MessageBody;
    await assert.rejects(client.sendMessage('c1', threeButtons), /invalid message body/);
    assert.equal(attempts.length, 0);
    assert.equal(fake.state.messages.length, 0);
  });

  void test('wrong secret: rejected 401, not retried', async () => {
    const { client, attempts } = harness({ accessSecret: 'not-the-secret' });
    const err = await rejectsWith(client.sendMessage('c1', simpleBody('r1')), ChannelTalkRejectedError);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'unauthorized');
    assert.equal(err.retryable, false);
    assert.equal(err.kind, 'rejected');
    assert.equal(err.path, '/user-chats/c1/messages');
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]?.errorKind, 'rejected');
  });

  void test('422 for a raw < sent through call(): rejected, not retried', async () => {
    const { client, attempts, sleeps } = harness();
    const err = await rejectsWith(
      client.call({ method: 'POST', path: '/user-chats/c1/messages', body: { blocks: [{ type: 'text', value: '3 < 4' }] } }),
      ChannelTalkRejectedError,
    );
    assert.equal(err.status, 422);
    assert.equal(err.code, 'unprocessable_entity');
    assert.equal(attempts.length, 1);
    assert.deepEqual(sleeps, []);
    assert.equal(fake.state.messages.length, 0);
  });

  void test("scripted ['500','429','drop','ok']: succeeds on attempt 4, one message, Retry-After honoured", async () => {
    fake.state.faults.configure({ next: ['500', '429', 'drop', 'ok'], failAfterCommitRate: 1 });
    const { client, attempts, sleeps } = harness();
    const res = await client.sendMessage('c1', simpleBody('run-9-3'));
    assert.deepEqual(
      attempts.map((a) => [a.status, a.errorKind, a.reason]),
      [
        [500, 'unavailable', 'server_error'],
        [429, 'unavailable', 'rate_limited'],
        [null, 'unavailable', 'network'],
        [200, null, undefined],
      ],
    );
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1, 2, 3, 4],
    );
    // 500 and drop were "after commit": the message was posted, the answer lost.
    assert.equal(fake.state.messages.length, 1, 'requestId made the retries idempotent');
    assert.equal(fake.state.duplicateRequestIds, 2);
    assert.equal(res.messageId, fake.state.messages[0]?.id);
    // Backoff with random 0.5: 125 after the 500; the 429's Retry-After: 1 (1000 ms) beats 250;
    // the limiter may wait for the 429's x-ratelimit-reset; then 500 after the drop.
    assert.equal(sleeps[0], 125);
    assert.equal(sleeps[1], 1000);
    assert.equal(sleeps[sleeps.length - 1], 500);
    assert.equal(client.stats.retries, 3);
    assert.equal(client.stats.rateLimited, 1);
  });

  void test('timeout: unavailable/timeout, retried', async () => {
    fake.state.faults.configure({ next: ['timeout'], stallMs: 5_000, failAfterCommitRate: 0 });
    const { client, attempts } = harness({ timeoutMs: 150 });
    const t0 = Date.now();
    await client.sendMessage('c1', simpleBody('r-timeout'));
    assert.ok(Date.now() - t0 < 3_000, 'did not wait for the stall');
    assert.deepEqual(
      attempts.map((a) => [a.status, a.errorKind, a.reason]),
      [
        [null, 'unavailable', 'timeout'],
        [200, null, undefined],
      ],
    );
    assert.equal(fake.state.messages.length, 1);
  });

  void test('timeouts on every attempt end in ChannelTalkUnavailableError(timeout)', async () => {
    fake.state.faults.configure({ next: ['timeout', 'timeout'], stallMs: 5_000, failAfterCommitRate: 0 });
    const { client, attempts } = harness({ timeoutMs: 100 });
    const err = await rejectsWith(client.sendMessage('c1', simpleBody('r-t2'), { retry: { maxAttempts: 2 } }), ChannelTalkUnavailableError);
    assert.equal(err.reason, 'timeout');
    assert.equal(err.attempts, 2);
    assert.equal(attempts.length, 2);
  });

  void test('all attempts failing: ChannelTalkUnavailableError, retryable, after maxAttempts', async () => {
    fake.state.faults.configure({ failRate: 1, mix: ['503'], failAfterCommitRate: 0 });
    const { client, attempts, sleeps } = harness({ retry: { maxAttempts: 3 } });
    const err = await rejectsWith(client.sendMessage('c1', simpleBody('r-503')), ChannelTalkUnavailableError);
    assert.equal(err.retryable, true);
    assert.equal(err.kind, 'unavailable');
    assert.equal(err.reason, 'server_error');
    assert.equal(err.status, 503);
    assert.equal(err.attempts, 3);
    assert.equal(attempts.length, 3);
    assert.equal(sleeps.length, 2);
    assert.equal(fake.state.messages.length, 0);
  });

  void test('retry: false makes exactly one attempt', async () => {
    fake.state.faults.configure({ next: ['500'], failAfterCommitRate: 0 });
    const { client, attempts } = harness();
    await rejectsWith(client.sendMessage('c1', simpleBody('r-once'), { retry: false }), ChannelTalkUnavailableError);
    assert.equal(attempts.length, 1);
  });

  void test('maxElapsedMs stops retrying and hands back retryAfterMs for rescheduling', async () => {
    fake.state.faults.configure({ next: ['429'] });
    const { client, attempts } = harness({ retry: { maxElapsedMs: 500 } });
    const err = await rejectsWith(client.sendMessage('c1', simpleBody('r-el')), ChannelTalkUnavailableError);
    assert.equal(err.reason, 'rate_limited');
    assert.equal(err.retryAfterMs, 1000);
    assert.equal(attempts.length, 1);
  });

  void test('a connection refused is unavailable/network', async () => {
    const closed = await startTestFake();
    const url = closed.url;
    await closed.close();
    const { client } = harness({ baseUrl: url, retry: { maxAttempts: 2 } });
    const err = await rejectsWith(client.getChannel(), ChannelTalkUnavailableError);
    assert.equal(err.reason, 'network');
    assert.equal(err.attempts, 2);
  });

  void test('the endpoint helpers: users, profile, close, list, channel', async () => {
    fake.state.users.set('u1', { id: 'u1', name: 'Kim', profile: { weight: 70 }, language: 'ko' });
    const { client } = harness();
    const channel = (await client.getChannel()) as { channel: { id: string } };
    assert.equal(channel.channel.id, '95334');
    const { user } = await client.getUser('u1');
    assert.equal(user.name, 'Kim');
    await client.patchUserProfile('u1', { goal: 'cut' });
    assert.deepEqual((await client.getUser('u1')).user.profile, { weight: 70, goal: 'cut' });
    await client.sendMessage('c9', simpleBody('a', 'first'));
    await client.sendMessage('c9', simpleBody('b', 'second'));
    const listed = await client.listMessages('c9', { sortOrder: 'asc', limit: 10 });
    assert.deepEqual(
      listed.messages.map((m) => (m as { plainText: string }).plainText),
      ['first', 'second'],
    );
    await client.closeChat('c9');
    assert.deepEqual(
      fake.state.closes.map((c) => [c.chatId, c.botName]),
      [['c9', 'Coach']],
    );
    const noBot = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET });
    await assert.rejects(noBot.closeChat('c9'), /botName/);
    const missing = await rejectsWith(client.getUser('nobody'), ChannelTalkRejectedError);
    assert.equal(missing.status, 404);
  });

  void test('getUser and patchUserProfile with retry off make exactly one request against the fake', async () => {
    fake.state.users.set('u1', { id: 'u1', profile: {} });
    fake.state.faults.configure({ failRate: 1, mix: ['503'], failAfterCommitRate: 0 });
    const { client, sleeps } = harness();
    await rejectsWith(client.getUser('u1', { retry: false }), ChannelTalkUnavailableError);
    assert.deepEqual(fake.state.received().requests, { '503': 1 });
    await rejectsWith(client.patchUserProfile('u1', { goal: 'cut' }, { retry: false }), ChannelTalkUnavailableError);
    assert.deepEqual(fake.state.received().requests, { '503': 2 });
    assert.deepEqual(
      fake.state.rejected.map((r) => r.path),
      ['/open/v5/users/u1', '/open/v5/users/u1'],
    );
    assert.deepEqual(sleeps, []);
    // Control: without retry: false the same calls retry in process.
    await rejectsWith(client.getUser('u1', { retry: { maxAttempts: 3 } }), ChannelTalkUnavailableError);
    assert.equal(fake.state.received().requests['503'], 5);
  });

  void test('base URL may already end in /open/v5', async () => {
    const { client } = harness({ baseUrl: `${fake.url}/open/v5/` });
    await client.getChannel();
  });
});

void describe('rate-limit pacing against the fake limiter', () => {
  void test('the fake really limits: an unpaced burst of 12 gets 429s (control for the test below)', async () => {
    fake.state.rateLimit.configure(5);
    // The fake's windows are wall-clock seconds: start just after one begins,
    // so the burst falls in one window (one straddling a boundary gets 2 × 5).
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 10));
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetch(`${fake.url}/open/v5/user-chats/c/messages`, {
          method: 'POST',
          headers: { 'x-access-key': KEY, 'x-access-secret': SECRET, 'content-type': 'application/json' },
          body: JSON.stringify(simpleBody(`burst-${i}`)),
        }).then(async (r) => {
          await r.text();
          return r.status;
        }),
      ),
    );
    assert.ok(statuses.filter((s) => s === 429).length >= 5, `statuses ${statuses.join(',')}`);
  });

  void test("monitoring phase: remaining reaches 0 but nothing is refused; the client slows down and keeps sending", async () => {
    fake.state.rateLimit.configure(3, 'monitoring');
    const client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, retry: false });
    await Promise.all(Array.from({ length: 9 }, (_, i) => client.sendMessage(`chat-${i % 3}`, simpleBody(`mon-${i}`))));
    const received = fake.state.received();
    assert.equal(received.messages.length, 9, 'every send went through with retry off: none was held back or refused');
    assert.equal(received.rateLimited, 0);
    assert.equal(client.rateLimitState().phase, 'monitoring');
    assert.ok(client.stats.rateLimitSlowdowns >= 1, 'the pacer slowed down once the budget was spent');
  });

  void test('grace phase: x-ratelimit-will-be-throttled is honoured, so (almost) nothing would have been throttled', async () => {
    fake.state.rateLimit.configure(5, 'grace');
    const client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, retry: false });
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.sendMessage(`chat-${i % 3}`, simpleBody(`grace-${i}`))));
    assert.equal(fake.state.received().messages.length, 12);
    assert.ok(fake.state.rateLimit.overLimit <= 1, `requests that enforcement would have refused: ${fake.state.rateLimit.overLimit}`);
    assert.equal(client.rateLimitState().phase, 'grace');
    assert.ok(client.stats.rateLimitWaits >= 1, 'the limiter waited for resets');
  });

  void test('perSecond 5, 12 concurrent sends: the limiter waits for resets, (almost) no 429s', async () => {
    fake.state.rateLimit.configure(5);
    // Real sleeps here: the limiter must wait for the fake's wall-clock windows.
    const client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, retry: { maxAttempts: 3 } });
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.sendMessage(`chat-${i % 3}`, simpleBody(`paced-${i}`))));
    const received = fake.state.received();
    assert.equal(received.messages.length, 12);
    assert.ok(received.rateLimited <= 1, `429s: ${received.rateLimited}`);
    assert.ok(client.stats.rateLimitWaits >= 1, 'the limiter waited');
    assert.ok(client.stats.rateLimitWaitMs > 0);
    const state = client.rateLimitState();
    assert.equal(state.limit, 5);
    assert.equal(state.inFlight, 0);
    // 12 messages at 5 per second span at least two window changes.
    const times = received.messages.map((m) => m.receivedAt);
    assert.ok(Math.max(...times) - Math.min(...times) >= 1000);
  });
});
