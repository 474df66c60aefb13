// Issue 20, item 4: runs name the customer (masked for a viewer, on the
// server), link to the chat in Channel Talk's desk, and are searched by the
// customer's name, the chat and the day (in the channel's time zone).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { webhookForChat } from '../support/fixtures.js';
import { startHarness, until, type Harness } from './harness.js';

const DAY = 86_400_000;
/** A day as the channel (Asia/Seoul, the shipped curations' zone) names it. */
const seoulDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);

interface ListedRun {
  id: string;
  chatId: string;
  customerName: string | null;
  deskUrl: string | null;
}

describe('console: runs by customer', () => {
  let h: Harness;
  const who: Record<'viewer' | 'editor', { cookie: string }> = { viewer: { cookie: '' }, editor: { cookie: '' } };
  let runId = '';

  before(async () => {
    h = await startHarness();
    for (const role of ['viewer', 'editor'] as const) {
      const password = `${role}-password-park`;
      assert.ok((await createAccount(h.service.store.db, { name: `${role}-park`, role, passwordHash: await hashPassword(password) }, { actorId: null, actor: 'test', address: null }, Date.now())).ok);
      const res = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `${role}-park`, password }) });
      assert.equal(res.status, 200);
      who[role] = { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
    }
    // The fixture's customer is 홍길동 (refers.user.name and profile.name).
    assert.equal((await h.postWebhook(webhookForChat('user-chat-opened', 'customer-chat-1'))).status, 200);
    runId = await until(async () => (await runs('editor', 'chatId=customer-chat-1')).json.runs?.[0]?.id, 'a run');
  });
  after(() => h?.close());

  async function runs(role: 'viewer' | 'editor', query: string): Promise<{ status: number; json: { runs?: ListedRun[]; code?: string } }> {
    const res = await fetch(`${h.url}/console/api/runs?${query}`, { headers: { cookie: who[role].cookie } });
    return { status: res.status, json: (await res.json()) as { runs?: ListedRun[]; code?: string } };
  }

  test('the name is full for an editor, masked by the server for a viewer, in the list and in the run', async () => {
    const [edited] = (await runs('editor', 'chatId=customer-chat-1')).json.runs ?? [];
    assert.equal(edited?.customerName, '홍길동');
    const viewed = await fetch(`${h.url}/console/api/runs?chatId=customer-chat-1`, { headers: { cookie: who.viewer.cookie } });
    const text = await viewed.text();
    assert.ok(!text.includes('홍길동') && !text.includes('길동'), 'no part of the hidden name reaches a viewer');
    assert.equal((JSON.parse(text) as { runs: ListedRun[] }).runs[0]?.customerName, '홍*동');

    const detail = async (role: 'viewer' | 'editor') => (await (await fetch(`${h.url}/console/api/runs/${runId}`, { headers: { cookie: who[role].cookie } })).json()) as { run: { customer_name: string | null; deskUrl: string | null } };
    assert.equal((await detail('editor')).run.customer_name, '홍길동');
    const v = await detail('viewer');
    assert.equal(v.run.customer_name, '홍*동');
    // The run's facts only: the messages as sent hold whatever the curation wrote into them (a greeting by name).
    assert.ok(!JSON.stringify(v.run).includes('길동'));
    for (const line of h.logs) assert.ok(!line.includes('홍길동'), `the name is never logged: ${line.slice(0, 200)}`);
  });

  test('each run links to its chat in the desk', async () => {
    const [r] = (await runs('viewer', 'chatId=customer-chat-1')).json.runs ?? [];
    assert.equal(r?.deskUrl, 'https://desk.channel.io/#/channels/95334/user_chats/customer-chat-1');
    const d = (await (await fetch(`${h.url}/console/api/runs/${runId}`, { headers: { cookie: who.viewer.cookie } })).json()) as { run: { deskUrl: string } };
    assert.equal(d.run.deskUrl, 'https://desk.channel.io/#/channels/95334/user_chats/customer-chat-1');
  });

  test('search by name (a prefix, wildcards literal), by chat and by the channel\'s day', async () => {
    const ids = async (query: string) => ((await runs('editor', query)).json.runs ?? []).map((r) => r.chatId);
    assert.deepEqual(await ids(`name=${encodeURIComponent('홍길')}`), ['customer-chat-1']);
    assert.deepEqual(await ids(`name=${encodeURIComponent('홍%')}`), []);
    assert.deepEqual(await ids(`name=${encodeURIComponent('길동')}`), [], 'a prefix of the name');
    assert.deepEqual(await ids('chatId=customer-chat-1'), ['customer-chat-1']);
    const now = Date.now();
    assert.deepEqual(await ids(`date=${seoulDay(now)}&name=${encodeURIComponent('홍')}`), ['customer-chat-1']);
    assert.deepEqual(await ids(`date=${seoulDay(now - DAY)}`), []);
    assert.deepEqual(await ids(`date=${seoulDay(now + DAY)}`), []);
  });

  test('bad search input is refused with what to fix', async () => {
    const bad = await runs('editor', 'date=2026-13-40');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.code, 'runs.badDate');
    const long = await runs('editor', `name=${'가'.repeat(101)}`);
    assert.equal(long.status, 400);
    assert.equal(long.json.code, 'runs.nameTooLong');
    // Searching by name would let a viewer spell out a masked name one letter at a time.
    const viewer = await runs('viewer', `name=${encodeURIComponent('홍')}`);
    assert.equal(viewer.status, 403);
    assert.equal(viewer.json.code, 'error.needsRole');
  });
});
