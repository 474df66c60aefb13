// "Stop this run" (issue 20 item 4), through the real service and the fake:
// an editor stops a run that is still sending; nothing more of it goes out,
// the run is cancelled with the reason, the stop is audited with who, and a
// run that has ended already cannot be stopped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listAudit } from '../../src/delivery/store/audit-log.js';
import { webhookForChat } from '../support/fixtures.js';
import { signIn, startHarness, until, type Harness } from './harness.js';

describe('console: stop this run', () => {
  let h: Harness;
  let s: { cookie: string; csrf: string };

  before(async () => {
    // Real pacing: diet-main's 12 messages take about 20 s, long enough to stop it after the first.
    h = await startHarness({ env: { DELAY_SCALE: '1' } });
    s = await signIn(h.url);
  });
  after(() => h?.close());

  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${h.url}/console/api${route}`, {
      method,
      headers: { cookie: s.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': s.csrf }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const sentTo = (chatId: string) => h.fake.state.messages.filter((m) => m.chatId === chatId).length;

  test('a run still sending stops: nothing more goes out, it is cancelled with the reason, and the stop is audited', async () => {
    const chatId = 'stop-chat-1';
    assert.equal((await h.postWebhook(webhookForChat('user-chat-opened', chatId))).status, 200);
    const runId = await until(async () => ((await call('GET', `/runs?chatId=${chatId}`)).json.runs as Array<{ id: string }> | undefined)?.[0]?.id, 'a run');
    await until(() => Promise.resolve(sentTo(chatId) >= 1), 'the first message');
    const stopped = await call('POST', `/runs/${runId}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    const atStop = sentTo(chatId);
    assert.ok(atStop < 12, `stopped before the end (${atStop} sent)`);
    const detail = (await call('GET', `/runs/${runId}`)).json as {
      run: { state: string; reason: string; reasonWords: unknown };
      messages: Array<{ state: string; reason: string | null; reasonWords: unknown }>;
      labels: { fields: Record<string, unknown> };
    };
    assert.equal(detail.run.state, 'cancelled');
    assert.equal(detail.run.reason, 'stopped in the console by an operator');
    // The same as words for the console in the operator's language, on the run and on each message it stopped.
    const stoppedWords = [{ code: 'stoppedByOperator', params: {} }];
    assert.deepEqual(detail.run.reasonWords, stoppedWords);
    const unsent = detail.messages.filter((m) => m.state === 'cancelled');
    assert.ok(unsent.length > 0, 'messages were stopped');
    for (const m of unsent) assert.deepEqual([m.reason, m.reasonWords], ['stopped in the console by an operator', stoppedWords]);
    // The labels of the version the run was planned with, by profile key: the console words its problems with them.
    assert.deepEqual(detail.labels.fields.weight, { ko: '체중', en: 'Body weight' });
    // Longer than the gaps between its messages: a message in flight at the stop may still land, nothing after it.
    await new Promise((r) => setTimeout(r, 4_000));
    assert.ok(sentTo(chatId) <= atStop + 1, `${sentTo(chatId) - atStop} messages after the stop`);
    const audited = await listAudit(h.service.store.db, { action: 'run.stopped' });
    assert.deepEqual(audited.map((r) => [r.actor, r.target]), [['break-glass', runId]]);
    assert.equal((await call('POST', `/runs/${runId}/stop`, {})).status, 409, 'an ended run cannot be stopped again');
    assert.equal((await call('POST', '/runs/no-such-run/stop', {})).status, 404);
  });
});
