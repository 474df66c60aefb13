// The pieces of a run search that are pure: a customer's name as a viewer
// sees it, and a calendar day of the channel's zone as a range of moments
// (daylight saving included: a day of 23 or 25 hours).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskName } from '../../src/server/console/mask-name.js';
import { dayRange } from '../../src/server/console/time-zone.js';
import { deskChatUrl } from '../../src/channeltalk/desk-link.js';

test('maskName keeps the first and last character, counted in code points', () => {
  assert.equal(maskName('홍길동'), '홍*동');
  assert.equal(maskName('남궁민수'), '남**수');
  assert.equal(maskName('김수'), '김*');
  assert.equal(maskName('김'), '*');
  assert.equal(maskName('John Smith'), 'J********h');
  assert.equal(maskName('😀abc'), '😀**c');
  assert.equal(maskName(null), null);
});

test('dayRange: a day of the zone, its own length on daylight-saving days; no such day is null', () => {
  assert.deepEqual(dayRange('Asia/Seoul', '2026-03-10'), { from: Date.UTC(2026, 2, 9, 15), to: Date.UTC(2026, 2, 10, 15) });
  // London moves to summer time on 29 March 2026: that day has 23 hours.
  assert.deepEqual(dayRange('Europe/London', '2026-03-29'), { from: Date.UTC(2026, 2, 29, 0), to: Date.UTC(2026, 2, 29, 23) });
  // ...and back on 25 October: 25 hours.
  assert.deepEqual(dayRange('Europe/London', '2026-10-25'), { from: Date.UTC(2026, 9, 24, 23), to: Date.UTC(2026, 9, 26, 0) });
  assert.deepEqual(dayRange('America/New_York', '2026-12-31'), { from: Date.UTC(2026, 11, 31, 5), to: Date.UTC(2027, 0, 1, 5) });
  for (const bad of ['2026-02-30', '2026-13-01', '26-01-01', '2026-1-1', 'today', '']) assert.equal(dayRange('Asia/Seoul', bad), null, bad);
});

test('deskChatUrl: the desk address of a chat; none without its channel', () => {
  assert.equal(deskChatUrl('95334', '6a1b2c3d4e5f60718293'), 'https://desk.channel.io/#/channels/95334/user_chats/6a1b2c3d4e5f60718293');
  assert.equal(deskChatUrl(null, 'c1'), null);
});
