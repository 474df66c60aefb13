// /metrics on the real service: after one webhook's run, the counters for
// webhooks, runs and sends have moved and the queue is empty again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { webhookForChat } from '../support/fixtures.js';
import { startHarness, until, type Harness } from '../console/harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${h.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return res.text();
}

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('counters move after a run', async () => {
  const before = await scrape();
  const res = await h.postWebhook(webhookForChat('user-chat-opened', 'metrics-chat'));
  assert.equal(res.status, 200);
  const runId = (res.json.runs as string[])[0]!;
  const messages = await until(async () => {
    const run = await h.service.store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst();
    if (run?.state !== 'completed') return undefined;
    return (await h.service.store.db.selectFrom('messages').select('seq').where('run_id', '=', runId).execute()).length;
  }, 'the run to complete');
  const unauthorized = await fetch(`${h.url}/webhooks/channeltalk?token=wrong`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(unauthorized.status, 401);

  const t = await until(async () => {
    const text = await scrape();
    return value(text, 'curation_runs_finished_total{state="completed"}') >= 1 ? text : undefined;
  }, 'the finished run to be counted');
  const delta = (series: string) => value(t, series) - value(before, series);
  assert.equal(delta('curation_webhooks_received_total{kind="chatOpened",status="acted"}'), 1);
  assert.equal(delta('curation_webhooks_received_total{kind="unknown",status="unauthorized"}'), 1);
  assert.equal(delta('curation_runs_started_total{curation="diet-main"}'), 1);
  assert.equal(delta('curation_runs_finished_total{state="completed"}'), 1);
  assert.equal(delta('curation_send_attempts_total{outcome="sent",status="200"}'), messages);
  assert.equal(delta('curation_channeltalk_send_duration_seconds_count{outcome="sent"}'), messages);
  assert.equal(value(t, 'curation_queue_depth'), 0);
  assert.match(t, /^curation_rate_limit_waits_total \d+/m);
});

test('the job depth of the real service matches its jobs table', async () => {
  // Jobs come and go (the health check runs now and then): compare a scrape with the table read on both sides of it.
  await until(async () => {
    const read = async () => (await h.service.store.db.selectFrom('jobs').select(['kind', 'state']).execute()).map((r) => `${r.kind}/${r.state}`).sort();
    const before = await read();
    const t = await scrape();
    if (JSON.stringify(await read()) !== JSON.stringify(before)) return undefined;
    assert.ok(before.length > 0, 'the service has jobs (its recurring ones)');
    for (const kind of new Set(before.map((r) => r.split('/')[0]!))) {
      for (const state of ['pending', 'running', 'failed']) {
        assert.equal(value(t, `curation_job_depth{kind="${kind}",state="${state}"}`), before.filter((r) => r === `${kind}/${state}`).length, `${kind} ${state}`);
      }
    }
    return true;
  }, 'a scrape while the jobs stand still');
});
