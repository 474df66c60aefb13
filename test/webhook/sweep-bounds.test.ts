// The sweep asks for `pageLimit` chats a page and reads at most that many,
// whatever Channel Talk sends: one page of 5,000 chats (25 asked for) once
// started more than 1,000 runs in one sweep. What it leaves unread is
// counted and said, and such a sweep covers nothing new (it did not look at
// every chat). A stub client answering with chats shaped like the recorded
// `userChat.opened` delivery's, read by the real normalize().
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { normalize } from '../../src/channeltalk/normalize.js';
import type { ListedUser, ListedUserChat, UserChatPage, UserChatsQuery } from '../../src/channeltalk/resources.js';
import { sweepOpenedChats, type SweepDeps } from '../../src/webhook/sweep.js';
import { WebhookRuntime } from '../../src/webhook/runtime.js';
import type { WebhookConfig } from '../../src/config.js';
import { webhook } from '../support/fixtures.js';
import { startSweepWorld } from './sweep-harness.js';

const NOW = 1_795_470_400_000;
const OVERSIZED = 5_000;

const recorded = webhook('user-chat-opened') as { entity: Record<string, unknown>; refers: { user: Record<string, unknown> } };

/** The i-th chat of a listing, newest first, each with its own customer. */
function listedChat(i: number): ListedUserChat {
  return { ...recorded.entity, id: `sw-${i}`, userId: `swu-${i}`, openedAt: NOW - 1_000 - i, createdAt: NOW - 1_000 - i };
}

function listedUser(i: number): ListedUser {
  return { ...recorded.refers.user, id: `swu-${i}` };
}

/** Channel Talk answering every page with `size` chats whatever `limit` asked for, for `pages` pages. */
function oversizedLister(size: number, pages: number, unreadable = 0) {
  const asked: UserChatsQuery[] = [];
  const client: SweepDeps['client'] = {
    listUserChats(q) {
      asked.push(q);
      const page = asked.length - 1;
      const first = page * size;
      const out: UserChatPage = {
        userChats: Array.from({ length: size }, (_, i) => listedChat(first + i)),
        users: Array.from({ length: size }, (_, i) => listedUser(first + i)),
        unreadable,
        ...(page + 1 < pages ? { next: `cursor-${page + 1}` } : {}),
      };
      return Promise.resolve(out);
    },
  };
  return { client, asked };
}

function deps(client: SweepDeps['client'], over: Partial<SweepDeps> = {}) {
  const accepted: string[] = [];
  const d: SweepDeps = {
    client,
    coveredUntil: null,
    hasEvent: () => Promise.resolve(false),
    accept: (event) => {
      accepted.push(event.chatId);
      return Promise.resolve({ duplicate: false, runs: [{ runId: `r-${event.chatId}` }] });
    },
    normalize,
    now: () => NOW,
    pageLimit: 25,
    maxPages: 40,
    overlapMs: 120_000,
    maxAgeMs: 3_600_000,
    ...over,
  };
  return { d, accepted };
}

void describe('the sweep reads no more than it asked for', () => {
  void test('one page of 5,000 chats (25 asked for): 25 looked at, 25 runs, the rest counted as dropped; the sweep covers nothing new', async () => {
    const { client, asked } = oversizedLister(OVERSIZED, 1);
    const { d, accepted } = deps(client, { coveredUntil: NOW - 600_000 });
    const r = await sweepOpenedChats(d);
    assert.equal(asked[0]?.limit, 25);
    assert.equal(r.scanned, 25);
    assert.equal(accepted.length, 25);
    assert.equal(r.recovered.length, 25);
    assert.deepEqual(accepted, Array.from({ length: 25 }, (_, i) => `sw-${i}`), 'the first 25, in the order listed');
    assert.equal(r.dropped, OVERSIZED - 25);
    assert.equal(r.complete, false, 'chats it did not look at may be missed deliveries');
    assert.equal(r.coveredUntil, NOW - 600_000);
  });

  void test('over many pages, the runs of one sweep stay within pageLimit × maxPages', async () => {
    const { client, asked } = oversizedLister(OVERSIZED, 10);
    const { d, accepted } = deps(client, { pageLimit: 25, maxPages: 4 });
    const r = await sweepOpenedChats(d);
    assert.equal(asked.length, 4);
    assert.equal(accepted.length, 100);
    assert.equal(r.scanned, 100);
    assert.equal(r.dropped, 4 * (OVERSIZED - 25));
  });

  void test('unreadable items count against the page too, and only as many are recorded as skipped', async () => {
    const { client } = oversizedLister(10, 1, OVERSIZED);
    const { d, accepted } = deps(client, { pageLimit: 25 });
    const r = await sweepOpenedChats(d);
    assert.equal(accepted.length, 10, 'the readable chats come first');
    assert.equal(r.skipped.length, 15);
    assert.equal(r.dropped, OVERSIZED - 15);
  });

  void test('a page of at most what was asked drops nothing', async () => {
    const { client } = oversizedLister(25, 1);
    const { d } = deps(client);
    const r = await sweepOpenedChats(d);
    assert.equal(r.scanned, 25);
    assert.equal(r.dropped, 0);
    assert.equal(r.complete, true);
  });

  void test('the runtime logs what a sweep dropped, with counts only (real store and intake, the fake behind the rest)', async () => {
    const w = await startSweepWorld();
    try {
      const { client } = oversizedLister(OVERSIZED, 1);
      w.channel.client.listUserChats = (q, o) => client.listUserChats(q, o);
      const lines: Array<Record<string, unknown>> = [];
      const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
      const config: WebhookConfig = { publicUrl: undefined, healthIntervalMs: 300_000, sweepIntervalMs: 300_000, sweepOverlapMs: 120_000, sweepMaxAgeMs: 3_600_000 };
      const runtime = new WebhookRuntime({ channels: w.registry, intake: w.intake, store: w.store, logger, config, now: () => NOW, pause: () => Promise.resolve() });
      const record = await runtime.sweep('default', 'manual');
      assert.equal(record?.recovered.length, 25);
      assert.equal(record?.dropped, OVERSIZED - 25);
      assert.equal((await w.store.db.selectFrom('events').select('id').execute()).length, 25, 'one event per chat looked at, no more');
      const line = lines.find((l) => l.msg === 'GET /user-chats answered more chats than the sweep asked for; it read as many as it asked, dropped the rest, and covers nothing new');
      assert.ok(line, JSON.stringify(lines.map((l) => l.msg)));
      assert.equal(line.level, 40);
      assert.equal(line.dropped, OVERSIZED - 25);
      assert.equal(line.pageLimit, 25);
      assert.doesNotMatch(JSON.stringify(lines), /72\.5|mobileNumber|\+8210/, 'no profile value in a log line');
    } finally {
      await w.close();
    }
  });
});
