// The dispatcher on its own: a real SQLite store, real ChannelTalkClients
// whose fetch is a stand-in, no HTTP server and no curations. It checks the
// send-slot rules that keep one channel's trouble from slowing another.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import { Store } from '../../src/delivery/store/store.js';
import { eventually, tempDir } from '../support/processes.js';
import { planOf } from '../support/plans.js';

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
    await store.intake({
      eventId: `e-${chatId}`,
      event: opened(chatId, channelId),
      receivedAt: at,
      takeover: false,
      candidates: [{ runId, curationId: 'c', oncePerChat: false, cooldownMs: null, plan: planOf(runId, [0]) }],
    });
  }
  const slow = client(SLOW, true);
  const fast = client(FAST, false);
  const dispatcher = new Dispatcher({
    ops: store.dispatch,
    clientFor: (ch) => (ch === SLOW ? slow.c : ch === FAST ? fast.c : undefined),
    curations: () => undefined,
    logger: pino({ level: 'silent' }),
    delayScale: 0,
    instanceId: 'test',
    sendMaxAgeMs: 60_000,
    concurrency: 6,
    perChannelConcurrency: 3,
    pollMs: 20,
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
