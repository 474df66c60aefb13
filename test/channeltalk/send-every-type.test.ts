// The planned bodies of a curation using every message type go through the
// real client to the fake Channel Talk (which accepts exactly what the
// OpenAPI document accepts) and arrive as planned; a body the spec refuses
// never leaves the client.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ChannelTalkClient } from '../../src/channeltalk/client.js';
import { loadCurations, plan } from '../../src/curation/index.js';
import type { FakeChannelTalk } from '../../src/fake-channeltalk/server.js';
import { ROOT } from '../support/fixtures.js';
import { KEY, SECRET, startTestFake } from '../fake-channeltalk/helpers.js';

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

const client = () => new ChannelTalkClient({ baseUrl: fake.url, accessKey: KEY, accessSecret: SECRET, botName: 'Coach' });

describe('every message type, sent', () => {
  test('the delivery-booking example: each body is accepted and stored as planned', async () => {
    const r = await loadCurations(path.join(ROOT, 'examples/curations'));
    assert.ok(r.ok);
    const profile = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/profiles/delivery-booking.json'), 'utf8')) as Record<string, unknown>;
    const p = plan(r.set.byId('delivery-booking')!, null, profile, { runId: 'r_every', now: Date.UTC(2026, 2, 1), lang: 'ko' });
    assert.equal(p.messages.length, 4);
    for (const m of p.messages) {
      const sent = await client().sendMessage('chat-every', m.body);
      assert.ok(sent.messageId, `message ${m.seq} was created`);
    }
    assert.deepEqual(
      fake.state.messages.map((m) => m.body),
      p.messages.map((m) => m.body),
    );
  });

  test('a body the spec refuses is refused before any request', async () => {
    for (const body of [
      { blocks: [{ type: 'text' as const, value: 'x' }], options: [] },
      { blocks: [{ type: 'text' as const, value: 'x' }], options: ['silent' as const, 'silent' as const] },
      { form: { type: 'custom' as const, inputs: [{ type: 'text' as const, label: 'q', bindingKey: 'user.name' }] } },
    ]) {
      await assert.rejects(client().sendMessage('chat-every', body), /refusing to send an invalid message body/);
    }
    assert.equal(fake.state.messages.length, 0);
  });
});
