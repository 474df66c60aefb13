// The key pair and customer text must never reach logs or errors: both end up
// in places (log shipping, the store, the console) with wider access.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { ChannelTalkClient, type ClientLogger } from '../../src/channeltalk/client.js';
import { ChannelTalkRejectedError } from '../../src/channeltalk/errors.js';
import { startFakeChannelTalk, type FakeChannelTalk } from '../../src/fake-channeltalk/server.js';

const KEY = 'AK-very-distinct-4f1a9c';
const SECRET = 'AS-very-distinct-77e0b2';
const WRONG_SECRET = 'AS-wrong-distinct-1d3e55';
const CUSTOMER_TEXT = 'CUSTOMER-PRIVATE-weight-82kg';

let fake: FakeChannelTalk;
before(async () => {
  fake = await startFakeChannelTalk({ port: 0, accessKey: KEY, accessSecret: SECRET });
});
after(async () => {
  await fake.close();
});

function recordingLogger(lines: string[]): ClientLogger {
  const rec =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push(`${level} ${msg ?? ''} ${JSON.stringify(obj)}`);
    };
  return { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

function everythingAbout(e: unknown): string {
  const parts = [inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e)];
  if (e instanceof Error) parts.push(e.message, e.stack ?? '');
  return parts.join('\n');
}

function assertClean(text: string, what: string): void {
  for (const secret of [KEY, SECRET, WRONG_SECRET, CUSTOMER_TEXT]) {
    assert.ok(!text.includes(secret), `${what} contains ${secret}`);
  }
}

void describe('no secrets or bodies in errors and logs', () => {
  void test('across success, 401, 422, 5xx, timeout, dropped connection and refused connection', async () => {
    const lines: string[] = [];
    const errors: unknown[] = [];
    const opts = {
      accessKey: KEY,
      accessSecret: SECRET,
      botName: 'Coach',
      logger: recordingLogger(lines),
      sleep: () => Promise.resolve(),
      timeoutMs: 1_000, // under the fault's 2 s stall, far over a loaded machine's answer time
      retry: { maxAttempts: 2 },
    };
    const client = new ChannelTalkClient({ baseUrl: fake.url, ...opts });
    const body = { blocks: [{ type: 'text' as const, value: CUSTOMER_TEXT }], requestId: 'r-secret-0' };
    const capture = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p;
      } catch (e) {
        errors.push(e);
      }
    };

    await client.sendMessage('c1', body);
    await capture(new ChannelTalkClient({ baseUrl: fake.url, ...opts, accessSecret: WRONG_SECRET }).sendMessage('c1', body));
    await capture(client.call({ method: 'POST', path: '/user-chats/c1/messages', body: { blocks: [{ type: 'text', value: `<${CUSTOMER_TEXT}>` }] } }));
    await capture(client.sendMessage('c1', { blocks: [{ type: 'text', value: `${CUSTOMER_TEXT} < raw` }] }));
    fake.state.faults.configure({ next: ['503', '503', 'timeout', 'timeout', 'drop', 'drop'], stallMs: 2_000, failAfterCommitRate: 0 });
    await capture(client.sendMessage('c1', body));
    await capture(client.sendMessage('c1', body));
    await capture(client.sendMessage('c1', body));
    const gone = await startFakeChannelTalk({ port: 0, accessKey: KEY, accessSecret: SECRET });
    await gone.close();
    await capture(new ChannelTalkClient({ ...opts, baseUrl: gone.url }).getChannel());

    assert.equal(errors.length, 7);
    for (const e of errors) assertClean(everythingAbout(e), `error ${String(e)}`);
    assert.ok(lines.length > 5);
    assertClean(lines.join('\n'), 'logs');
  });

  void test('an API error message that echoes the secret is redacted', async () => {
    const echoing: typeof fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ code: 'bad', message: `header x-access-secret=${SECRET} is odd` }), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        }),
      );
    const client = new ChannelTalkClient({ baseUrl: 'https://api.invalid', accessKey: KEY, accessSecret: SECRET, fetch: echoing });
    try {
      await client.getChannel();
      assert.fail('should have thrown');
    } catch (e) {
      assert.ok(e instanceof ChannelTalkRejectedError);
      assert.match(e.apiMessage ?? '', /\[redacted\]/);
      assertClean(everythingAbout(e), 'error');
    }
  });

  void test('a real pino logger fits ClientLogger and its output stays clean', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger: ClientLogger = pino({ level: 'debug' }, sink);
    fake.state.faults.configure({ next: ['500'], failAfterCommitRate: 0 });
    const client = new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, logger, sleep: () => Promise.resolve() });
    await client.sendMessage('c2', { blocks: [{ type: 'text', value: CUSTOMER_TEXT }], requestId: 'r-pino' });
    const out = chunks.join('');
    assert.match(out, /channeltalk attempt/);
    assert.match(out, /"status":500/);
    assertClean(out, 'pino output');
  });
});
