// What the webhook route says and logs when storing fails: a full disk is
// logged as itself (code and message only, never the delivery's data), and
// the delivery gets a 503 so Channel Talk delivers it again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

const TOKEN = 'storage-errors-token';
const logs: string[] = [];
let store: Store;
let app: FastifyInstance;

before(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  store = await Store.open(`sqlite:${path.join(tempDir(), 'storage-errors.db')}`, { delayScale: 0 });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  app = await buildApp({ intake: new Intake({ store, logger }), store, logger, channels: opened.registry });
});
after(async () => {
  await app.close();
  await store.close();
});

/** The webhook stores the event (its profile kept until planned): a long free-text answer needs new pages, so a full disk refuses it. */
function withLongAnswer(body: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(body)) as { refers: { user: { profile: Record<string, unknown> } } };
  copy.refers.user.profile.memo = '식단 고민이 많아요 '.repeat(1_000);
  return copy;
}

const post = (payload: unknown) =>
  app.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });

test('a full disk: 503, and the log says "database or disk is full" with its code, without the delivery\'s data', async () => {
  const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(store.db);
  await sql.raw(`PRAGMA max_page_count = ${rows[0]!.page_count}`).execute(store.db);
  const from = logs.length;
  try {
    const res = await post(withLongAnswer(webhookForChat('user-chat-opened', 'disk-full-chat')));
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { ok: false, error: 'could not store the event; try again' });
  } finally {
    await sql.raw('PRAGMA max_page_count = 1073741823').execute(store.db);
  }
  const lines = logs.slice(from);
  const failure = lines.map((l) => JSON.parse(l) as { msg: string; err?: { code?: string; message?: string } }).find((l) => l.msg === 'could not store the event');
  assert.ok(failure, `a "could not store the event" line among ${lines.length}`);
  assert.equal(failure.err?.message, 'database or disk is full');
  assert.equal(failure.err?.code, 'SQLITE_FULL');
  for (const l of lines) {
    assert.doesNotMatch(l, /cannot rollback/);
    for (const needle of ['72.5', '홍길동', '+821000000000', '식단 고민']) assert.ok(!l.includes(needle), `a log line holds ${needle}`);
  }
  // Room again: the same delivery is accepted in full.
  const again = await post(withLongAnswer(webhookForChat('user-chat-opened', 'disk-full-chat')));
  assert.equal(again.statusCode, 200);
  assert.equal(again.json<{ duplicate: boolean }>().duplicate, false);
});
