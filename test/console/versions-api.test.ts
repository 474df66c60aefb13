// Versions in the console, through the real service (issue 19 items 1, 3–5):
// the editor opens the live version's text; a draft is saved on the server
// and changes nothing live; "what would change" replays real runs' answers;
// Publish runs the golden tests (a failure blocks it unless a reason is
// given, which is recorded); a webhook after the publish runs the new
// version; Roll back publishes an old text as a new number.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { webhookForChat, webhookIn } from '../support/fixtures.js';
import { signIn, startHarness, until, type Harness } from './harness.js';
import { listAudit } from '../../src/delivery/store/audit-log.js';

describe('console: curation versions', () => {
  let h: Harness;
  let s: { cookie: string; csrf: string; operatorId: string };
  let fileText: string;

  before(async () => {
    h = await startHarness();
    s = await signIn(h.url);
    fileText = readFileSync(path.join(h.curationsDir, 'diet-main.yaml'), 'utf8');
  });
  after(async () => {
    await h?.close();
  });

  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${h.url}/console/api${route}`, {
      method,
      headers: { cookie: s.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': s.csrf }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  // The first message's greeting, reworded: every run's messages change. The weight's label too (a run's page words it from the run's version).
  const reworded = () => fileText.replace('설문에 답해 주셔서 고마워요.', '설문에 답해 주셔서 정말 고마워요.').replace('label: { ko: 체중, en: Body weight }', 'label: { ko: 몸무게, en: Body weight }');

  test('the file is version 1, owned by its file; the editor opens its text', async () => {
    const v = await call('GET', '/curations/diet-main/versions');
    assert.equal(v.status, 200);
    assert.equal(v.json.owner, 'file');
    assert.equal(v.json.liveVersion, 1);
    const source = await call('GET', '/curations/diet-main/source');
    assert.equal(source.json.source, fileText);
    assert.equal(source.json.version, 1);
  });

  test('a draft is kept on the server and changes nothing live', async () => {
    assert.notEqual(reworded(), fileText, 'the test changes a line the file has');
    const saved = await call('PUT', '/curations/diet-main/draft', { source: reworded() });
    assert.equal(saved.status, 200);
    const v = await call('GET', '/curations/diet-main/versions');
    assert.equal((v.json.draft as { source: string }).source, reworded());
    assert.equal(v.json.liveVersion, 1);
  });

  test('what would change: the answers of real runs through the draft and the live version, masked', async () => {
    // A real run first: the shipped delivery of a chat opening, with its profile.
    assert.equal((await h.postWebhook(webhookForChat('user-chat-opened', 'versions-chat-1'))).status, 200);
    await until(async () => (await call('GET', '/runs?limit=5')).json.runs !== undefined && ((await call('GET', '/runs?limit=5')).json.runs as unknown[]).length > 0, 'a run');
    const impact = await call('POST', '/curations/diet-main/impact', { source: reworded() });
    assert.equal(impact.status, 200, JSON.stringify(impact.json));
    assert.equal(impact.json.compared, 1);
    assert.equal(impact.json.changed, 1);
    const [example] = impact.json.examples as Array<{ before: { messages: string[] }; after: { messages: string[] } }>;
    assert.ok(example);
    assert.ok(example.after.messages.join('\n').includes('설문에 답해 주셔서 정말 고마워요.'));
    assert.ok(!JSON.stringify(example).includes('72.5'), 'an answer of the run is masked');
    const same = await call('POST', '/curations/diet-main/impact', { source: fileText });
    assert.equal(same.json.changed, 0, 'the live text changes nothing');
  });

  test('publish: a curation its file owns needs the take-over; a failing golden test blocks it unless a reason is given', async () => {
    const refused = await call('POST', '/curations/diet-main/publish', { source: reworded(), note: 'new greeting' });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.reason, 'owned by file');
    // The reworded greeting is in the golden tests' expected messages: they fail now.
    const blocked = await call('POST', '/curations/diet-main/publish', { source: reworded(), note: 'new greeting', takeOver: true });
    assert.equal(blocked.status, 409);
    assert.equal(blocked.json.reason, 'golden');
    const golden = blocked.json.golden as { failed: number; total: number; cases: Array<{ passed: boolean; diff: string[]; lines: unknown[] }> };
    assert.ok(golden.failed > 0);
    // The console words the refusal and each failing case's lines from the catalogue.
    assert.equal(blocked.json.code, 'golden.failing');
    assert.deepEqual(blocked.json.params, { failed: golden.failed, total: golden.total });
    assert.equal(blocked.json.message, `${golden.failed} of ${golden.total} golden tests fail: fix them, or publish anyway with a reason`);
    for (const c of golden.cases.filter((x) => !x.passed)) assert.equal(c.lines.length, c.diff.length);
    const published = await call('POST', '/curations/diet-main/publish', { source: reworded(), note: 'new greeting', takeOver: true, override: 'the golden texts follow in the next version' });
    assert.equal(published.status, 200, JSON.stringify(published.json));
    assert.equal(published.json.version, 2);
    const v = await call('GET', '/curations/diet-main/versions');
    assert.equal(v.json.owner, 'console');
    assert.equal(v.json.draft, null, 'the draft is used up');
    const [newest] = v.json.versions as Array<{ version: number; publishedBy: string; note: string; testsOverride: string }>;
    assert.deepEqual([newest?.version, newest?.publishedBy, newest?.note, newest?.testsOverride], [2, s.operatorId, 'new greeting', 'the golden texts follow in the next version']);
    assert.ok(h.logs.some((l) => l.includes('console: curation published')));
  });

  test('a webhook after the publish runs the new version; roll back makes the old text live as version 3', async () => {
    // Another customer: the first one is in the curation's cooldown.
    assert.equal((await h.postWebhook(webhookIn('user-chat-opened', { chatId: 'versions-chat-2', channelId: '95334', userId: 'versions-user-2' }))).status, 200);
    const run = await until(async () => {
      const runs = (await call('GET', '/runs?chatId=versions-chat-2')).json.runs as Array<{ id: string }>;
      return runs[0];
    }, 'the new run');
    const detail = await call('GET', `/runs/${run.id}`);
    assert.equal((detail.json.run as { curation_version: string }).curation_version, 'default/diet-main@2');
    const weightLabel = async () => ((await call('GET', `/runs/${run.id}`)).json.labels as { fields: Record<string, unknown> }).fields.weight;
    assert.deepEqual(await weightLabel(), { ko: '몸무게', en: 'Body weight' }, "the labels of the run's version");
    const back = await call('POST', '/curations/diet-main/rollback', { version: 1 });
    assert.equal(back.status, 200);
    assert.equal(back.json.version, 3);
    assert.deepEqual(await weightLabel(), { ko: '몸무게', en: 'Body weight' }, 'still its own version\'s once another is live');
    const source = await call('GET', '/curations/diet-main/source');
    assert.equal(source.json.source, fileText);
    const unknown = await call('POST', '/curations/diet-main/rollback', { version: 42 });
    assert.deepEqual([unknown.status, unknown.json.code, unknown.json.params, unknown.json.reason], [404, 'error.noSuchVersion', { id: 'diet-main', n: 42 }, 'unknown version']);
  });

  test('a malformed request is a 400 with its catalogue key, which the console words', async () => {
    for (const [method, route, body, code] of [
      ['GET', '/curations/diet-main/versions/0', undefined, 'badRequest.versionNumber'],
      ['PUT', '/curations/diet-main/draft', { source: 1 }, 'badRequest.draftSource'],
      ['POST', '/curations/diet-main/impact', {}, 'badRequest.impactSource'],
      ['POST', '/curations/diet-main/publish', {}, 'badRequest.publishSource'],
      ['POST', '/curations/diet-main/rollback', { version: 'one' }, 'badRequest.rollbackVersion'],
    ] as const) {
      const r = await call(method, route, body);
      assert.deepEqual([r.status, r.json.ok, r.json.code], [400, false, code], route);
      assert.match(String(r.json.error), /^a curation id and /, 'the English is what it was');
    }
  });

  test('the on/off switch: off, a new chat starts nothing and no version is made; on again, it starts; each switch is audited', async () => {
    const versionsBefore = ((await call('GET', '/curations/diet-main/versions')).json.versions as unknown[]).length;
    const off = await call('POST', '/curations/diet-main/switch', { on: false });
    assert.equal(off.status, 200);
    assert.equal((await call('GET', '/curations/diet-main/versions')).json.switchedOn, false);
    const quiet = await h.postWebhook(webhookIn('user-chat-opened', { chatId: 'versions-chat-off', channelId: '95334', userId: 'versions-user-off' }));
    assert.equal(quiet.json.status, 'no_match', JSON.stringify(quiet.json));
    assert.equal(((await call('GET', '/curations/diet-main/versions')).json.versions as unknown[]).length, versionsBefore, 'switching makes no version');
    assert.equal((await call('POST', '/curations/diet-main/switch', { on: true })).status, 200);
    const started = await h.postWebhook(webhookIn('user-chat-opened', { chatId: 'versions-chat-on', channelId: '95334', userId: 'versions-user-on' }));
    // Its run started in the webhook's commit.
    assert.equal(started.json.status, 'acted', JSON.stringify(started.json));
    assert.equal((await call('POST', '/curations/nope/switch', { on: false })).status, 404);
    assert.equal((await call('POST', '/curations/diet-main/switch', { on: 'yes' })).status, 400);
    const audited = await listAudit(h.service.store.db, { action: 'curation.switched' });
    assert.deepEqual(audited.map((r) => (r.details as { on: boolean }).on).reverse(), [false, true]);
  });

  test('a broken text is refused with the check sentence at its line; the body is bounded', async () => {
    const broken = await call('POST', '/curations/diet-main/publish', { source: `${fileText}\nlimits: { cooldown: soon }\n`, takeOver: true });
    assert.equal(broken.status, 400);
    const errors = broken.json.errors as Array<{ line: number; check: string }>;
    assert.ok(errors.length > 0 && errors.every((e) => typeof e.check === 'string' && e.line !== null), JSON.stringify(errors));
    const big = await call('PUT', '/curations/diet-main/draft', { source: 'x'.repeat(300 * 1024) });
    assert.equal(big.status, 413);
  });
});
