// The suite runs on the Node that package.json's `engines` asks for, so a test
// run on an older Node (one that skipped `source .ci/node24.sh`) fails here
// instead of passing for a runtime the service does not support. The Docker
// image, the systemd unit and the README's requirement line name the same major.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './support/child-process.js';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The major of package.json's `engines.node`, which is written as `>=N`. */
function requiredMajor(): number {
  const engines = (JSON.parse(read('package.json')) as { engines?: { node?: string } }).engines?.node ?? '';
  const m = /^>=(\d+)$/.exec(engines);
  assert.ok(m, `package.json engines.node is ${JSON.stringify(engines)}, expected the form ">=N"`);
  return Number(m[1]);
}

test("the tests run on the Node major that package.json's engines requires", () => {
  const required = requiredMajor();
  const running = Number(process.versions.node.split('.')[0]);
  assert.ok(
    running >= required,
    `running on Node ${process.version}, package.json engines requires >=${required}: \`source .ci/node24.sh\` first`,
  );
});

test('the Docker image, the systemd unit and the README name the Node major of engines', () => {
  const required = requiredMajor();
  const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
  assert.deepEqual(images, [required, required], 'both Dockerfile stages start FROM node:<engines major>-…');
  assert.match(read('README.md'), new RegExp(`^Node\\.js ${required} or newer\\.`, 'm'), "README's requirement line");
  assert.match(read('deploy/channeltalk-curation.service'), new RegExp(`^# Node ${required} or newer`, 'm'), "the unit's line above ExecStartPre");
});
