// The memory floor the bench prints beside issue 21's idle and peak RSS
// targets is bare Fastify with every package `curation start` loads
// (bench/lib/start-packages.ts, bare-server.ts `deps`). It stays a floor only
// while that list follows package.json: a new dependency is either loaded at
// start (then the floor must load it) or named, with why, as not loaded at
// start. And the floor must answer the ignored load's webhook path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NOT_AT_START, START_PACKAGES } from '../../bench/lib/start-packages.js';
import { removeDir, ROOT, rssKb, startBare, tempDir } from '../../bench/lib/procs.js';
import { botMessageTemplate, concrete } from '../../bench/lib/bodies.js';

test('every runtime dependency is either a start package of the floor or named as not loaded at start', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const classified = new Set<string>([...START_PACKAGES, ...Object.keys(NOT_AT_START)]);
  const unclassified = Object.keys(pkg.dependencies).filter((d) => !classified.has(d));
  assert.deepEqual(unclassified, [], 'dependencies neither in START_PACKAGES nor in NOT_AT_START');
  const both = START_PACKAGES.filter((p) => p in NOT_AT_START);
  assert.deepEqual(both, [], 'a package is both loaded and not loaded at start');
  for (const [name, why] of Object.entries(NOT_AT_START)) assert.ok(why.length > 10, `${name}: say why it is not loaded at start`);
});

test('the floor server (bare Fastify with the dependencies) answers the webhook path with the ignored body', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  const server = await startBare([], 'deps', path.join(dir, 'floor.db'));
  try {
    const res = await fetch(`${server.url}/webhooks/channeltalk?token=x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: concrete(botMessageTemplate(), 'floortest'.padEnd(20, '0')) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true });
    assert.ok((rssKb(server.pid) ?? 0) > 0);
    assert.equal(server.errorLines(), 0);
  } finally {
    await server.stop();
    removeDir(dir);
  }
});
