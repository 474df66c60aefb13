// `npm start` runs what is built and no longer compiles first (that took
// 22–78 s per start): `npm install` builds (the `prepare` script), and
// bin/check-build.js, run before the start, says in one line what to run when
// the build is missing or older than a source file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/child-process.js';
import { tempDir } from '../support/processes.js';

const CHECK = path.join(ROOT, 'bin/check-build.js');

function check(root: string, flags: string[] = []) {
  const r = spawnSync(process.execPath, [CHECK, ...flags, root], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function write(root: string, rel: string, at: number): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '// x\n');
  utimesSync(file, at / 1000, at / 1000);
}

const BUNDLE_ENTRY = 'src/server/console/bundle/codemirror.js';
const BUNDLE_OUT = 'dist/console/codemirror.js';

/** A project of three sources and the console bundle's entry, built an hour after they were written. */
function project(): string {
  const root = tempDir('build-check-');
  const t = Date.now() - 7_200_000;
  for (const rel of ['src/cli/main.ts', 'src/service.ts', 'src/types.d.ts', BUNDLE_ENTRY]) write(root, rel, t);
  for (const rel of ['dist/src/cli/main.js', 'dist/src/service.js', BUNDLE_OUT]) write(root, rel, t + 3_600_000);
  return root;
}

test('package.json: npm install builds, npm start compiles nothing, npm test still builds', () => {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  // Built unless fresh: `npx curation` runs `prepare` again when it first links the project.
  assert.match(scripts.prepare ?? '', /node bin\/check-build\.js --quiet \|\| npm run build$/);
  assert.equal(scripts.prestart, 'node bin/check-build.js');
  assert.doesNotMatch(`${scripts.prestart} ${scripts.start}`, /tsc|npm run build/);
  assert.match(scripts.test ?? '', /^npm run build && /);
});

test('a fresh build starts; declaration files have no output of their own', () => {
  const r = check(project());
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out, '');
});

test('no build: one line that says to run npm run build', () => {
  const root = project();
  rmSync(path.join(root, 'dist'), { recursive: true });
  const r = check(root);
  assert.equal(r.code, 1);
  assert.equal(r.out.trim().split('\n').length, 1, r.out);
  assert.match(r.out, /not built.*run `npm run build`/);
  // What `prepare` asks: the answer alone.
  assert.deepEqual(check(root, ['--quiet']), { code: 1, out: '' });
  assert.deepEqual(check(project(), ['--quiet']), { code: 0, out: '' });
});

test('a source changed after the build, or one never built: stale, named, with what to run', () => {
  const changed = project();
  write(changed, 'src/service.ts', Date.now());
  const r = check(changed);
  assert.equal(r.code, 1);
  assert.equal(r.out.trim().split('\n').length, 1, r.out);
  assert.match(r.out, /src\/service\.ts .*run `npm run build`/);

  const added = project();
  write(added, 'src/new-module.ts', Date.now() - 7_200_000);
  const a = check(added);
  assert.equal(a.code, 1);
  assert.match(a.out, /src\/new-module\.ts/);

  // A curation's function module is compiled by the same build.
  const fn = project();
  write(fn, 'curations/vat.ts', Date.now());
  assert.match(check(fn).out, /curations\/vat\.ts has not been built yet/);
});

test("the console's CodeMirror bundle: missing, or older than its entry, is named with what to run", () => {
  const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts.build ?? '', /node bin\/build-console\.js/);

  const missing = project();
  rmSync(path.join(missing, BUNDLE_OUT));
  const m = check(missing);
  assert.equal(m.code, 1);
  assert.equal(m.out.trim().split('\n').length, 1, m.out);
  assert.match(m.out, /dist\/console\/codemirror\.js .*has not been built yet.*run `npm run build`/);

  const stale = project();
  write(stale, BUNDLE_ENTRY, Date.now());
  assert.match(check(stale).out, /src\/server\/console\/bundle\/codemirror\.js changed after the last build/);
});

test('an install with only dist/ (the Docker image: no src/) is not checked against sources', () => {
  const root = project();
  rmSync(path.join(root, 'src'), { recursive: true });
  assert.equal(check(root).code, 0);
});
