// Recording through the real routes (Fastify inject): the webhook token, which
// Channel Talk puts in the URL, must not reach a recording by any way in: the
// query, a legacy GET whose query is its body, or a form field.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app.js';
import { Store } from '../../src/delivery/store/store.js';
import { Intake } from '../../src/delivery/intake.js';
import { ChannelRegistry } from '../../src/channel-registry.js';
import { DeliveryRecorder, MASK, type RecordedDelivery } from '../../src/server/recorder.js';
import { normalize } from '../../src/channeltalk/normalize.js';
import { legacyBody } from '../../src/server/legacy-body.js';
import { ROOT, webhook, webhookForChat } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';

const TOKEN = 'recorder-route-token-3f9a1c';
let store: Store;

before(async () => {
  store = await Store.open(`sqlite:${path.join(tempDir(), 'recorder-routes.db')}`, { delayScale: 0 });
});
after(async () => {
  await store.close();
});

async function appWith(recorder: DeliveryRecorder): Promise<FastifyInstance> {
  const logger = pino({ level: 'silent' });
  const opened = await ChannelRegistry.open(
    [{ name: 'default', channelId: null, accessKey: 'k', accessSecret: 's', webhookTokens: [TOKEN], botName: undefined, curationsDir: path.join(ROOT, 'curations') }],
    { apiUrl: 'http://127.0.0.1:9', timeoutMs: 1000, logger },
  );
  assert.ok(opened.ok);
  return buildApp({ intake: new Intake({ store, logger }), store, logger, channels: opened.registry, recorder });
}

/** The recordings in `dir` once there are `n` of them (recording runs after the reply). */
async function recordings(dir: string, n: number): Promise<Array<{ text: string; rec: RecordedDelivery }>> {
  for (let i = 0; i < 500; i++) {
    const names = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
    if (names.length >= n) {
      return Promise.all(
        names.map(async (f) => {
          const text = await readFile(path.join(dir, f), 'utf8');
          return { text, rec: JSON.parse(text) as RecordedDelivery };
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`expected ${n} recordings in ${dir}`);
}

/** A legacy delivery as the old system's URLs got it: every part a string. */
function legacyFields(chatId: string): Record<string, string> {
  const body = webhookForChat('user-chat-opened', chatId);
  return { event: String(body.event), type: String(body.type), entity: JSON.stringify(body.entity), refers: JSON.stringify(body.refers) };
}

for (const redact of [true, false]) {
  test(`${redact ? 'redacted' : 'raw'}: no recording holds the token, whether it came in the query, as a GET's body or in a form field`, async () => {
    const dir = path.join(tempDir(), `rec-token-${redact}`);
    const app = await appWith(new DeliveryRecorder(dir, redact));
    try {
      const getQuery = new URLSearchParams({ token: TOKEN, ...legacyFields(`rec-token-get-${redact}`) });
      const get = await app.inject({ method: 'GET', url: `/open_userchat?${getQuery.toString()}` });
      assert.equal(get.statusCode, 200, get.body);

      const form = new URLSearchParams({ token: TOKEN, ...legacyFields(`rec-token-form-${redact}`) });
      const formPost = await app.inject({
        method: 'POST',
        url: `/in_userchat?token=${TOKEN}`,
        payload: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(formPost.statusCode, 200, formPost.body);

      const whole = new URLSearchParams({ token: TOKEN, payload: JSON.stringify(webhookForChat('user-chat-opened', `rec-token-payload-${redact}`)) });
      const payloadPost = await app.inject({
        method: 'POST',
        url: `/open_userchat?token=${TOKEN}`,
        payload: whole.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(payloadPost.statusCode, 200, payloadPost.body);

      const files = await recordings(dir, 3);
      assert.equal(files.length, 3);
      for (const { text, rec } of files) {
        assert.ok(!text.includes(TOKEN), `a recording of ${rec.route} holds the token`);
        // The recording is still a delivery: replayed, it normalizes to a chat opened.
        const body = rec.body as Record<string, unknown>;
        assert.equal(normalize(legacyBody(body)).kind, 'chatOpened');
      }
      // A GET is recorded with its query as its body, so `curation replay` sends it as a GET again.
      const getRec = files.find((f) => JSON.stringify(f.rec.body).includes('rec-token-get'))?.rec;
      assert.deepEqual(getRec?.body, getRec?.query);
    } finally {
      await app.close();
    }
  });
}

// Issue 16, item 12: two ways customer data reached a masked recording.
test('redacted: raw JSON posted as a form becomes one form key; the key is masked, not recorded verbatim', async () => {
  const dir = path.join(tempDir(), 'rec-json-as-form');
  const app = await appWith(new DeliveryRecorder(dir, true));
  try {
    // A sender that posts its JSON with the form content type: the whole delivery is one key, its value empty.
    const delivery = webhook('rec-message-form-submitted');
    const res = await app.inject({
      method: 'POST',
      url: `/webhooks/channeltalk?token=${TOKEN}`,
      payload: JSON.stringify(delivery),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.ok(res.statusCode < 500, res.body);
    const [file] = await recordings(dir, 1);
    assert.ok(file);
    // Weight, phone, e-mail, birth date, name, conditions and the chat request of the form's answers.
    for (const s of ['64.2', '821023456789', '010-2345-6789', 'seoyeon.lee@example.org', '1987-04-12', '이서연', '고혈압', '저녁 7시', 'seoyeonlee87']) {
      assert.ok(!file.text.includes(s), `the recording holds ${s}`);
    }
    assert.ok(!file.text.includes(TOKEN));
    const keys = Object.keys(file.rec.body as Record<string, unknown>);
    assert.equal(keys.length, 1);
    assert.match(keys[0]!, /^\[masked key/, 'the key says it was masked, and how long it was');
  } finally {
    await app.close();
  }
});

test('redacted: ids and kinds are kept only when they are ids and kinds; an e-mail or phone there is masked, and never names the file', async () => {
  const dir = path.join(tempDir(), 'rec-routing-fields');
  const app = await appWith(new DeliveryRecorder(dir, true));
  try {
    const delivery = webhook('user-chat-opened');
    const entity = delivery.entity as Record<string, unknown>;
    // What a broken or hostile sender put where ids and kinds go.
    const body = { ...delivery, entity: { ...entity, id: 'kim.hana@example.com', userId: '010-2345-6789', state: 'hana.kim@example.org', managerIds: ['1987-04-12'] } };
    const res = await app.inject({ method: 'POST', url: `/webhooks/channeltalk?token=${TOKEN}`, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    const [file] = await recordings(dir, 1);
    assert.ok(file);
    const name = (await readdir(dir)).find((f) => f.endsWith('.json')) ?? '';
    for (const s of ['kim.hana', 'example.com', 'kim_hana', 'example_com']) assert.ok(!name.includes(s), `the file name ${name} holds ${s}`);
    for (const s of ['kim.hana@example.com', '010-2345-6789', 'hana.kim@example.org', '1987-04-12', '72.5', '+821000000000', '홍길동']) {
      assert.ok(!file.text.includes(s), `the recording holds ${s}`);
    }
    const recorded = (file.rec.body as Record<string, Record<string, unknown>>).entity!;
    assert.equal(recorded.id, MASK);
    assert.equal(recorded.userId, MASK);
    assert.equal(recorded.state, MASK);
    assert.deepEqual(recorded.managerIds, [MASK]);
    // Real ids and kinds stay, so a recording still routes.
    assert.equal(recorded.channelId, '95334');
    assert.equal((file.rec.body as Record<string, unknown>).type, 'userChat');
    assert.deepEqual(recorded.tags, ['식단큐레이션받기']);
  } finally {
    await app.close();
  }
});
