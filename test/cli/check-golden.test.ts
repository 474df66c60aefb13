// `curation check` runs every curation's golden tests: a failing case makes it
// exit 1 and prints the case (file, line, name) and its diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { checkCommand } from '../../src/cli/check.js';
import { COMMANDS } from '../../src/cli/usage.js';
import { captureIO, tempDir } from '../curation/helpers.js';
import { lineOf, PASSING_TESTS, withTests } from '../curation/golden-fixture.js';

test('check runs the golden tests: all passing, exit 0 and the count', async () => {
  const dir = await tempDir({ 'c.yaml': withTests(PASSING_TESTS) });
  const io = captureIO();
  const code = await checkCommand(['--dir', dir], io);
  assert.equal(code, 0, io.err.join('\n'));
  assert.ok(io.out.some((l) => l.includes('golden tests: 4 passed')), io.out.join('\n'));
  assert.deepEqual(io.err, []);
});

test('check fails on a failing case, printing its place, its name and the diff', async () => {
  const failing = `${PASSING_TESTS}  - name: rounding, done wrong\n    profile: { weight: '72.5', planChoice: 기본, agree: true }\n    expect:\n      values: { water: 2.1 }\n`;
  const text = withTests(failing);
  const dir = await tempDir({ 'c.yaml': text });
  const io = captureIO();
  const code = await checkCommand(['--dir', dir], io);
  assert.equal(code, 1);
  const file = path.join(dir, 'c.yaml');
  assert.deepEqual(io.err, [
    `${file}:${lineOf(text, '- name: rounding, done wrong')} tests[4]: golden test 'rounding, done wrong' failed:\n    values.water: expected 2.1, got 2.2`,
    '1 of 5 golden tests failed in mini',
  ]);
  assert.ok(io.out.some((l) => l.includes('golden tests: 4 passed, 1 failed')), io.out.join('\n'));
});

test('check without golden tests says nothing of them and still passes', async () => {
  const dir = await tempDir({ 'c.yaml': withTests('') });
  const io = captureIO();
  assert.equal(await checkCommand(['--dir', dir], io), 0);
  assert.ok(!io.out.join('\n').includes('golden'));
});

test('check --help says it runs the golden tests and fails on a failing case', () => {
  assert.match(COMMANDS.check.about, /golden tests/);
  assert.match(COMMANDS.check.about, /failing case/);
});
