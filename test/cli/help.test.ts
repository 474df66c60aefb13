// Every subcommand answers --help (and -h) with its usage on stdout and exit 0,
// without doing anything else: `start --help` starts no service, `doctor
// --help` reads no configuration. A wrong option prints the same usage line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { COMMANDS, usage, type CommandName } from '../../src/cli/usage.js';
import { CLI, ROOT } from '../support/child-process.js';

function cli(args: string[]) {
  // No configuration at all: a command that went past --help would fail or hang on it.
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const names = Object.keys(COMMANDS) as CommandName[];

for (const name of names) {
  test(`curation ${name} --help prints its usage and exits 0`, () => {
    for (const flag of ['--help', '-h']) {
      const r = cli([name, flag]);
      assert.equal(r.code, 0, `${name} ${flag}: exit ${r.code}\n${r.stderr}`);
      assert.ok(r.stdout.startsWith(`${usage(name)}\n`), `${name} ${flag} printed:\n${r.stdout}${r.stderr}`);
      assert.ok(r.stdout.includes(COMMANDS[name].about));
      assert.doesNotMatch(r.stdout + r.stderr, /Unknown option/);
    }
  });
}

test('curation lists every command with its usage, and says how to get one command\'s help', () => {
  const r = cli([]);
  assert.equal(r.code, 0);
  for (const name of names) assert.ok(r.stderr.includes(`curation ${COMMANDS[name].usage}`), `the list lacks ${name}:\n${r.stderr}`);
  assert.match(r.stderr, /curation <command> --help/);
});

test('a wrong option is refused with the same usage line as --help (preview, check, setup)', () => {
  for (const name of ['preview', 'check', 'setup'] as const) {
    const r = cli([name, '--no-such-option']);
    assert.equal(r.code, 2, `${name}: exit ${r.code}`);
    assert.ok(r.stderr.includes(usage(name)), `${name} printed:\n${r.stderr}`);
  }
});
