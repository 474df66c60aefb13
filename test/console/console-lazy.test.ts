// Issue 21 (memory): a service with the console off (no ADMIN_TOKEN) loads
// only the off page's modules, never the console's API, its queries and
// helpers. Checked in a child process with the bench's module recorder, so
// this process's own imports do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../', import.meta.url));
const RECORDER = path.join(DIST, 'bench/lib/record-modules.js');
const CONSOLE = new URL('../../src/server/console/index.js', import.meta.url).href;

const SCRIPT = `
import Fastify from 'fastify';
import pino from 'pino';
const { registerConsole } = await import(${JSON.stringify(CONSOLE)});
const app = Fastify();
await registerConsole(app, {
  store: {},
  logger: pino({ level: 'silent' }),
  adminToken: undefined,
  curations: () => { throw new Error('not asked when off'); },
  reloadCurations: async () => ({ ok: true, ids: [] }),
});
await app.ready();
const page = await app.inject({ url: '/console/' });
const api = await app.inject({ url: '/console/api/runs' });
console.log(JSON.stringify({ page: page.statusCode, api: api.statusCode, apiBody: api.json() }));
await app.close();
`;

test('the console off loads its off page and not the console API, its queries or its sessions store', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'console-lazy-'));
  try {
    const out = path.join(dir, 'modules.json');
    const r = spawnSync(process.execPath, [`--import=${RECORDER}`, '--input-type=module', '-e', SCRIPT], {
      cwd: path.resolve(DIST, '..'),
      env: { PATH: process.env.PATH ?? '', BENCH_MODULES_OUT: out },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const answers = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { page: number; api: number; apiBody: { error?: string } };
    assert.equal(answers.page, 503, 'the off page answers');
    assert.equal(answers.api, 404, 'the API is off');
    assert.match(answers.apiBody.error ?? '', /ADMIN_TOKEN/);
    const loaded = (JSON.parse(readFileSync(out, 'utf8')) as { modules: Array<{ url: string }> }).modules.map((m) => m.url);
    const consoleModules = loaded.filter((u) => u.includes('/dist/src/server/console/')).map((u) => path.basename(fileURLToPath(u)));
    assert.ok(consoleModules.includes('off-page.js'), consoleModules.join(' '));
    for (const name of ['runs-api.js', 'editor-api.js', 'accounts-api.js', 'sign-in.js', 'versions-api.js']) {
      assert.ok(!consoleModules.includes(name), `${name} is not loaded: ${consoleModules.join(' ')}`);
    }
    for (const store of ['/delivery/store/console-queries.js', '/delivery/store/console-sessions.js', '/delivery/store/accounts.js']) {
      assert.ok(!loaded.some((u) => u.endsWith(store)), `${store} is not loaded`);
    }
    assert.ok(!loaded.some((u) => u.includes('/node_modules/@fastify/cookie/')), '@fastify/cookie is not loaded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
