// `curation user`: the first admin from the command line, with the password
// from stdin or a prompt (never argv), list, reset-password and disable;
// each change in the audit log as 'cli'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { verifyPassword } from '../../src/accounts/passwords.js';
import { accountByName } from '../../src/delivery/store/accounts.js';
import { listAudit } from '../../src/delivery/store/audit-log.js';
import { Store } from '../../src/delivery/store/store.js';
import { makeUserCommand, type PasswordInput } from '../../src/cli/user.js';
import { captureIO } from '../curation/helpers.js';
import { tempDir } from '../support/processes.js';

const input = (over: Partial<PasswordInput>): PasswordInput => ({
  isTTY: false,
  readStdin: () => Promise.reject(new Error('stdin not expected')),
  prompt: () => Promise.reject(new Error('prompt not expected')),
  ...over,
});

test('user add, list, reset-password and disable against the configured database', async () => {
  const url = `sqlite:${path.join(tempDir('curation-user-'), 'c.db')}`;
  const env = { CHANNELTALK_ACCESS_KEY: 'k', CHANNELTALK_ACCESS_SECRET: 's', CHANNELTALK_WEBHOOK_TOKEN: 'webhook-token-x', DATABASE_URL: url };

  const noTty = captureIO(env);
  assert.equal(await makeUserCommand(input({}))(['add', 'kim.minji', '--role', 'admin'], noTty), 2);
  assert.match(noTty.err.join('\n'), /--password-stdin/);

  const badRole = captureIO(env);
  assert.equal(await makeUserCommand(input({}))(['add', 'kim.minji', '--role', 'owner'], badRole), 2);
  assert.match(badRole.err.join('\n'), /--role must be one of viewer, editor, admin/);

  const short = captureIO(env);
  assert.equal(await makeUserCommand(input({ readStdin: () => Promise.resolve('short\n') }))(['add', 'kim.minji', '--role', 'admin', '--password-stdin'], short), 2);
  assert.ok(!short.err.join('\n').includes('short\n') && /at least 12/.test(short.err.join('\n')));

  const add = captureIO(env);
  assert.equal(await makeUserCommand(input({ readStdin: () => Promise.resolve('관리자-비밀번호-2026\n') }))(['add', 'kim.minji', '--role', 'admin', '--password-stdin'], add), 0, add.err.join('\n'));
  assert.deepEqual(add.out, ['added kim.minji (admin)']);

  const typed = ['a-typed-password-1', 'a-typed-password-1'];
  const tty = captureIO(env);
  assert.equal(await makeUserCommand(input({ isTTY: true, prompt: () => Promise.resolve(typed.shift()!) }))(['add', 'lee', '--role', 'viewer'], tty), 0, tty.err.join('\n'));

  const mismatch = ['one-password-aaa', 'another-password'];
  const differ = captureIO(env);
  assert.equal(await makeUserCommand(input({ isTTY: true, prompt: () => Promise.resolve(mismatch.shift()!) }))(['reset-password', 'lee'], differ), 2);
  assert.match(differ.err.join('\n'), /differ; nothing was changed/);

  const list = captureIO(env);
  assert.equal(await makeUserCommand(input({}))(['list'], list), 0);
  assert.deepEqual(list.out.map((l) => l.split('\t').slice(0, 3).join(' ')), ['kim.minji admin active', 'lee viewer active']);

  const reset = captureIO(env);
  assert.equal(await makeUserCommand(input({ readStdin: () => Promise.resolve('new-password-for-lee') }))(['reset-password', 'lee', '--password-stdin'], reset), 0);
  const disable = captureIO(env);
  assert.equal(await makeUserCommand(input({}))(['disable', 'lee'], disable), 0);
  const missing = captureIO(env);
  assert.equal(await makeUserCommand(input({}))(['disable', 'nobody'], missing), 1);

  const store = await Store.open(url, { delayScale: 0 });
  try {
    const lee = await accountByName(store.db, 'lee');
    assert.equal(lee?.disabled, true);
    assert.equal(await verifyPassword('new-password-for-lee', lee.passwordHash), true);
    const audit = await listAudit(store.db, { actor: 'cli' });
    assert.deepEqual(audit.map((r) => `${r.action} ${r.target}`).reverse(), ['account.created kim.minji', 'account.created lee', 'account.password_reset lee', 'account.disabled lee']);
    assert.ok(!JSON.stringify(audit).includes('password-for-lee'));
  } finally {
    await store.close();
  }
});
