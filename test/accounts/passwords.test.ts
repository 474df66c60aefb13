// Password hashing (scrypt, parameters stored with the hash), the role order,
// and the audit CSV's escaping (no formula injection).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COST, MAX_PASSWORD_LENGTH, hashPassword, needsRehash, passwordProblem, passwordWords, verifyPassword } from '../../src/accounts/passwords.js';
import { loadCatalogue, renderWords } from '../../src/server/console/messages.js';
import { roleAtLeast } from '../../src/accounts/roles.js';
import { csvCell, toCsv } from '../../src/server/console/csv.js';

test('a hash verifies its password only, carries its cost and a fresh salt, and is never the password', async () => {
  const pw = '김민지-봄맞이-2026!';
  const a = await hashPassword(pw);
  const b = await hashPassword(pw);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.match(a, /^scrypt\$32768\$8\$3\$[\w-]{22}\$[\w-]{43}$/);
  assert.ok(!a.includes(pw));
  assert.equal(await verifyPassword(pw, a), true);
  assert.equal(await verifyPassword(pw + ' ', a), false);
  assert.equal(await verifyPassword(pw, 'scrypt$1073741824$8$1$AAAAAAAAAAA$BBBB'), false, 'an absurd cost in a tampered row is refused, not run');
  assert.equal(await verifyPassword(pw, 'plain'), false);
});

test('a hash made with a lower cost still verifies and is marked for rehashing', async () => {
  const weak = await hashPassword('correct horse battery', { N: 2 ** 10, r: 8, p: 1 });
  assert.equal(await verifyPassword('correct horse battery', weak), true);
  assert.equal(needsRehash(weak), true);
  assert.equal(needsRehash(await hashPassword('x'.repeat(12), DEFAULT_COST)), false);
});

test('password rules never quote the password', () => {
  assert.match(passwordProblem('short') ?? '', /at least 12/);
  assert.ok(!(passwordProblem('short') ?? '').includes('short'));
  assert.equal(passwordProblem('long enough password'), null);
  assert.equal(passwordProblem(undefined), 'a password is required');
});

test("the console's words for each rule say in English what passwordProblem says", () => {
  const en = loadCatalogue('en');
  for (const p of [undefined, 42, 'short', 'x'.repeat(1025), 'x'.repeat(MAX_PASSWORD_LENGTH + 1)]) {
    const w = passwordWords(p);
    assert.ok(w, String(p).slice(0, 10));
    assert.equal(renderWords(en, w), passwordProblem(p));
  }
  assert.deepEqual(passwordWords('short'), { code: 'password.tooShort', params: { min: 12 } });
  assert.equal(passwordWords('long enough password'), null);
});

test('roles are ordered viewer < editor < admin', () => {
  assert.equal(roleAtLeast('viewer', 'editor'), false);
  assert.equal(roleAtLeast('editor', 'editor'), true);
  assert.equal(roleAtLeast('admin', 'viewer'), true);
  assert.equal(roleAtLeast('editor', 'admin'), false);
});

test('CSV: quotes, commas and newlines are escaped; formula starts are defused', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('=HYPERLINK("http://evil")'), `"'=HYPERLINK(""http://evil"")"`);
  assert.equal(csvCell('+1'), "'+1");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell(null), '');
  assert.equal(csvCell({ version: 3 }), '"{""version"":3}"');
  assert.equal(toCsv(['a', 'b'], [['1', 'x,y']]), 'a,b\r\n1,"x,y"\r\n');
});
