// Issue 16, item 18: the run detail shows no copy of an answer before the
// reveal. A curation copies the weight into a computed value (`w2: weight *
// 1`), writes it back to the profile, and sends the phone number in a user
// event: the run's write-back, user event and values hold the answers as
// much as the profile does. Without the reveal the detail names them only;
// the reveal shows them and writes its audit line (ids only).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, startHarness, until, type Harness } from './harness.js';
import { COPY_CURATION, copyDelivery, PHONE, WEIGHT } from './weight-copy.js';

describe('console: a run detail before and after the reveal', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ curations: COPY_CURATION });
  });
  after(async () => {
    await h?.close();
  });

  test('copies of the answers (write-back, user event, computed values) are masked until revealed; the reveal shows them and is logged', async () => {
    const res = await h.postWebhook(copyDelivery('reveal-copy-chat'));
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const runId = (res.json.runs as string[])[0];
    assert.ok(runId, 'the delivery started a run');
    const run = await until(async () => {
      const r = await h.service.store.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
      return r?.state === 'completed' ? r : undefined;
    }, 'the run to complete');
    // The copies are there to be leaked: the plan stored them with the run.
    assert.match(run.writeback_json ?? '', /72\.5/);
    assert.match(run.user_event_json ?? '', /\+821000000000/);
    assert.match(run.values_json ?? '', /72\.5/);

    const s = await signIn(h.url);
    const detail = await fetch(`${h.url}/console/api/runs/${runId}`, { headers: { cookie: s.cookie } });
    assert.equal(detail.status, 200);
    const text = await detail.text();
    for (const secret of [WEIGHT, PHONE, '821000000000']) assert.ok(!text.includes(secret), `the run detail holds ${secret} before the reveal`);
    const d = JSON.parse(text) as { run: Record<string, unknown> };
    // What was stored is named, so the operator knows what a reveal would show.
    assert.deepEqual(d.run.writeBackKeys, ['lastWeight']);
    assert.deepEqual(d.run.userEvent, { name: 'weightRecorded', propertyKeys: ['contact', 'source'] });
    assert.deepEqual(d.run.valueKeys, ['w2', 'phone']);
    assert.ok(!h.logs.some((l) => l.includes('console: profile revealed')), 'no reveal yet');

    const reveal = await fetch(`${h.url}/console/api/runs/${runId}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf }, body: '{}' });
    assert.equal(reveal.status, 200);
    assert.equal(reveal.headers.get('cache-control'), 'no-store');
    const secrets = (await reveal.json()) as Record<string, unknown>;
    assert.deepEqual(secrets.writeBack, { lastWeight: 72.5 });
    assert.deepEqual(secrets.userEvent, { name: 'weightRecorded', property: { contact: PHONE, source: 'curation' } });
    assert.deepEqual(secrets.values, { w2: 72.5, phone: PHONE });
    const audit = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'console: profile revealed');
    assert.equal(audit.length, 1, 'one audit line for the reveal');
    assert.equal(audit[0]!.runId, runId);
    assert.equal(audit[0]!.operator, s.operatorId);
    for (const line of h.logs) assert.ok(!line.includes(WEIGHT) && !line.includes('821000000000'), `no answer in the logs: ${line.slice(0, 200)}`);
  });
});
