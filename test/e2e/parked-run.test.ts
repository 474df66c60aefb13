// A wait that does not hold the chat (issue 18 item 7), end to end: the real
// service and the fake Channel Talk as processes. A follow-up curation sends
// its first message at the chat's opening and its second an hour later
// (scaled): the wait is longer than PARK_AFTER_SECONDS, so the run parks.
// Meanwhile the customer types the gift keyword in the same chat and gets
// the gift's whole sequence at once. The service is then killed (SIGKILL)
// and started again on the same database; the parked run wakes at its time
// and sends its second message exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadCurations, plan } from '../../src/curation/index.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { runIdFor, storedDedupeKey } from '../../src/delivery/ids.js';
import { ROOT, webhookForChat } from '../support/fixtures.js';
import { eventually, serviceEnv, startFake, startService, tempDir, type FakeProc, type ServiceProc } from '../support/processes.js';

// An hour at DELAY_SCALE 0.005 is 18 s: time for the gift, a kill and a start before the wake.
const SCALE = 0.005;
const HOUR_SCALED_MS = 3_600_000 * SCALE;
const FOLLOW_UP = `id: follow-up
title: Next-day check
defaultLanguage: ko
trigger: { on: chatOpened, chatTags: [식단큐레이션받기] }
messages:
  - text: 상담해 주셔서 고마워요. 곧 다시 여쭤볼게요.
  - delay: 1h
    text: 식단은 잘 지키고 계신가요?
`;

describe('end to end: a run parked on a long wait lets the gift through, and finishes once across a restart', () => {
  let fake: FakeProc;
  let svc: ServiceProc | undefined;
  let env: Record<string, string>;
  let dir: string;

  before(async () => {
    dir = tempDir();
    writeFileSync(path.join(dir, 'follow-up.yaml'), FOLLOW_UP);
    copyFileSync(path.join(ROOT, 'curations', 'diet-gift.yaml'), path.join(dir, 'diet-gift.yaml'));
    fake = await startFake();
    env = serviceEnv(fake, { CURATIONS_DIR: dir, DELAY_SCALE: String(SCALE), PARK_AFTER_SECONDS: '1' });
    svc = await startService(env);
  });
  after(async () => {
    await svc?.stop();
    await fake?.stop();
  });

  test('park, the gift meanwhile, SIGKILL, start again, the parked message once', async () => {
    const loaded = await loadCurations(dir);
    assert.ok(loaded.ok);
    const chatId = 'e2e-parked-chat';
    const opened = webhookForChat('user-chat-opened', chatId);
    const openedEvent = normalize(opened);
    const followUp = plan(loaded.set.byId('follow-up')!, openedEvent, openedEvent.profile, { runId: runIdFor('follow-up', storedDedupeKey(openedEvent)), now: Date.now() });
    assert.equal(followUp.messages.length, 2);
    const mine = async () => (await fake.received()).messages.filter((m) => m.chatId === chatId);

    assert.equal((await svc!.postWebhook(opened)).status, 200);
    const first = await eventually(async () => ((await mine()).length >= 1 ? mine() : undefined), 20_000, 'the follow-up first message');
    assert.deepEqual(first.map((m) => m.requestId), [followUp.messages[0]!.body.requestId]);
    const firstAt = first[0]!.receivedAt;

    const keyword = webhookForChat('user-message-keyword', chatId, 'msg-e2e-parked-gift');
    const keywordEvent = normalize(keyword);
    const gift = plan(loaded.set.byId('diet-gift')!, keywordEvent, keywordEvent.profile, { runId: runIdFor('diet-gift', storedDedupeKey(keywordEvent)), now: Date.now() });
    assert.equal(gift.outcome, 'sequence');
    assert.equal((await svc!.postWebhook(keyword)).status, 200);
    const withGift = await eventually(async () => {
      const m = await mine();
      return m.length >= 1 + gift.messages.length ? m : undefined;
    }, 20_000, 'the gift sequence');
    assert.deepEqual(withGift.slice(1).map((m) => m.body), gift.messages.map((m) => m.body), 'the gift went whole while the follow-up waited');
    assert.ok(withGift.at(-1)!.receivedAt - firstAt < HOUR_SCALED_MS, 'the gift did not wait for the follow-up');

    assert.equal((await fake.received()).duplicateRequestIds, 0, 'nothing was sent twice before the kill');
    await svc!.kill();
    svc = await startService(env);

    const all = await eventually(async () => {
      const m = await mine();
      return m.length >= 2 + gift.messages.length ? m : undefined;
    }, 60_000, 'the parked message after the restart');
    assert.deepEqual(all.at(-1)!.body, followUp.messages[1]!.body);
    assert.ok(all.at(-1)!.receivedAt - firstAt >= HOUR_SCALED_MS - 5, 'not before its wait was over');
    // Nothing more comes, and nothing came twice.
    await new Promise((r) => setTimeout(r, 1_000));
    const r = await fake.received();
    assert.equal((await mine()).length, 2 + gift.messages.length);
    // The kill lands just after the gift's last message reached Channel Talk,
    // possibly before its send was recorded: the restart then sends it once
    // more with the same requestId, which Channel Talk takes as the same
    // request (its idempotency key), so the chat still shows it once (the
    // count above). At most that one send is repeated.
    assert.ok(r.duplicateRequestIds <= 1, `${r.duplicateRequestIds} sends were repeated across the kill`);
    assert.deepEqual(r.rejected, []);
  });
});
