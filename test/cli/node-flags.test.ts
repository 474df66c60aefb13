// Every way the service is launched passes the same V8 flags (node-flags.ts
// says why): `npm start`, the Docker image and the systemd unit; the two
// production launchers also set the C library's malloc environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { ROOT } from '../support/child-process.js';

const MAIN = 'dist/src/cli/main.js';
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The arguments between `node` and the CLI script in one launch command. */
function flagsOf(argv: string[], where: string): string[] {
  const node = argv.findIndex((a) => a === 'node' || a.endsWith('/node'));
  const main = argv.indexOf(MAIN);
  assert.ok(node >= 0 && main > node, `${where}: no \`node … ${MAIN}\` in ${JSON.stringify(argv)}`);
  return argv.slice(node + 1, main);
}

test('npm start, the Dockerfile and the systemd unit start the service with SERVICE_NODE_FLAGS', () => {
  assert.ok(SERVICE_NODE_FLAGS.length > 0);
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start ?? '';
  assert.deepEqual(flagsOf(start.split(/\s+/), 'package.json scripts.start'), [...SERVICE_NODE_FLAGS]);

  const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'));
  assert.ok(cmd, 'the Dockerfile has a CMD in JSON form');
  assert.deepEqual(flagsOf(JSON.parse(cmd[1]!) as string[], 'Dockerfile CMD'), [...SERVICE_NODE_FLAGS]);

  const exec = /^ExecStart=(.*)$/m.exec(read('deploy/channeltalk-curation.service'));
  assert.ok(exec, 'the unit has an ExecStart');
  assert.deepEqual(flagsOf(exec[1]!.trim().split(/\s+/), 'ExecStart'), [...SERVICE_NODE_FLAGS]);
});

/** `NAME=value` pairs as an object. */
const pairs = (list: string[]) => Object.fromEntries(list.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));

// `npm start` does not: its script must run under Windows' cmd.exe too, which cannot set a variable for one command.
test('the Dockerfile and the systemd unit set SERVICE_ENV for the service process', () => {
  assert.ok(Object.keys(SERVICE_ENV).length > 0);
  const docker = [...read('Dockerfile').matchAll(/^ENV (\w+=\S+)$/gm)].map((m) => m[1]!);
  assert.deepEqual(pairs(docker.filter((a) => a.split('=')[0]! in SERVICE_ENV)), { ...SERVICE_ENV }, 'Dockerfile ENV lines');

  const unit = [...read('deploy/channeltalk-curation.service').matchAll(/^Environment=(\w+=\S+)$/gm)].map((m) => m[1]!);
  assert.deepEqual(pairs(unit.filter((a) => a.split('=')[0]! in SERVICE_ENV)), { ...SERVICE_ENV }, "the unit's Environment= lines");
});
