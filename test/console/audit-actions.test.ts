// The audit log records what an editor and an admin did, with who, the
// version, the override's reason and the run: publish (its golden tests
// overridden), roll back, a reveal of a run's answers, and a webhook
// unblock by the break-glass admin. No answer is in a row.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hashPassword } from '../../src/accounts/passwords.js';
import { createAccount } from '../../src/delivery/store/accounts.js';
import { listAudit } from '../../src/delivery/store/audit-log.js';
import { webhookForChat } from '../support/fixtures.js';
import { signIn, startHarness, until, type Harness } from './harness.js';

describe('console: what the audit log records', () => {
  let h: Harness;
  let editor: { cookie: string; csrf: string };

  before(async () => {
    h = await startHarness();
    assert.ok((await createAccount(h.service.store.db, { name: 'editor-lee', role: 'editor', passwordHash: await hashPassword('editor-password-lee') }, { actorId: null, actor: 'cli', address: null }, Date.now())).ok);
    const res = await fetch(`${h.url}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'editor-lee', password: 'editor-password-lee' }) });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    editor = { cookie, csrf: ((await (await fetch(`${h.url}/console/api/session`, { headers: { cookie } })).json()) as { csrf: string }).csrf };
  });
  after(() => h?.close());

  const call = async (who: { cookie: string; csrf: string }, method: string, route: string, body?: unknown) => {
    const res = await fetch(`${h.url}/console/api${route}`, {
      method,
      headers: { cookie: who.cookie, ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': who.csrf }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  test('publish with an override, roll back, reveal, unblock', async () => {
    const fileText = readFileSync(path.join(h.curationsDir, 'diet-main.yaml'), 'utf8');
    const reworded = fileText.replace('설문에 답해 주셔서 고마워요.', '설문에 답해 주셔서 정말 고마워요.');
    const reason = 'the golden texts follow in the next version';
    const published = await call(editor, 'POST', '/curations/diet-main/publish', { source: reworded, takeOver: true, override: reason });
    assert.equal(published.status, 200, JSON.stringify(published.json));
    assert.equal((await call(editor, 'POST', '/curations/diet-main/rollback', { version: 1 })).status, 200);

    assert.equal((await h.postWebhook(webhookForChat('user-chat-opened', 'audit-chat-1'))).status, 200);
    const runId = await until(async () => ((await call(editor, 'GET', '/runs?chatId=audit-chat-1')).json.runs as Array<{ id: string }> | undefined)?.[0]?.id, 'a run');
    assert.equal((await call(editor, 'POST', `/runs/${runId}/reveal`, {})).status, 200);

    const admin = await signIn(h.url);
    const unblock = await call(admin, 'POST', '/webhooks/unblock', { channel: 'default' });
    assert.ok([200, 409, 502].includes(unblock.status), JSON.stringify(unblock.json));

    const rows = (await listAudit(h.service.store.db, {})).reverse();
    const seen = rows.filter((r) => r.action !== 'sign_in' && r.action !== 'account.created').map((r) => [r.actor, r.action, r.target, r.details]);
    assert.deepEqual(seen, [
      ['editor-lee', 'curation.published', 'diet-main', { scope: 'default', version: 2, takeOver: true, goldenFailed: (seen[0]?.[3] as { goldenFailed: number }).goldenFailed }],
      ['editor-lee', 'curation.tests_overridden', 'diet-main', { scope: 'default', version: 2, goldenFailed: (seen[1]?.[3] as { goldenFailed: number }).goldenFailed, goldenTotal: (seen[1]?.[3] as { goldenTotal: number }).goldenTotal, reason }],
      ['editor-lee', 'curation.rolled_back', 'diet-main', { scope: 'default', version: 3, from: 1 }],
      ['editor-lee', 'profile.revealed', runId, { runId }],
      ['break-glass', 'webhook.unblocked', 'default', (seen[4]?.[3] as Record<string, unknown>)],
    ]);
    assert.ok((seen[0]?.[3] as { goldenFailed: number }).goldenFailed > 0);
    assert.ok(typeof (seen[4]?.[3] as { outcome?: unknown }).outcome === 'string');
    assert.ok(rows.filter((r) => r.actor !== 'cli').every((r) => r.address === '127.0.0.1'), 'from the client address');
  });
});
