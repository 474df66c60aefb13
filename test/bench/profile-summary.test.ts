// The CPU profile summary (bench/lib/profile-summary.ts) on a hand-made
// profile whose every number is known: 7 samples over 10 ms, one of them idle,
// one in the garbage collector, SQLite's native run() under better-sqlite3,
// and a stack that holds the same function twice.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, moduleOf, sampleDurations, summarize, type CpuProfile, type Row } from '../../bench/lib/profile-summary.js';
import { ROOT } from '../support/fixtures.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/cpuprofile/tiny.cpuprofile');
const profile = () => JSON.parse(readFileSync(FIXTURE, 'utf8')) as CpuProfile;
const CLI = fileURLToPath(new URL('../../bench/lib/profile-summary.js', import.meta.url));

/** key → [self ms, inclusive ms], rounded to µs so float sums compare exactly. */
const table = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.key, [Math.round(r.selfMs * 1000) / 1000, Math.round(r.totalMs * 1000) / 1000]]));

describe('profile summary', () => {
  test('each sample lasts until the next one, the last until the end of the profile', () => {
    assert.deepEqual(
      sampleDurations(profile()).map((s) => [s.node, s.ms]),
      [[3, 1], [8, 1], [8, 2], [5, 1], [6, 3], [11, 0.5], [2, 1.5]],
    );
  });

  test('totals: busy is every sample but idle; GC is its own share', () => {
    const s = summarize(profile(), { root: '/proj' });
    assert.equal(s.wallMs, 10);
    assert.equal(s.samples, 7);
    assert.equal(s.busyMs, 7);
    assert.equal(s.idleMs, 3);
    assert.equal(s.gcMs, 1);
  });

  test('by function: self time at the leaf, inclusive once per sample even when a function is twice on the stack', () => {
    assert.deepEqual(table(summarize(profile(), { root: '/proj' }).byFunction), {
      run: [3, 3],
      '(idle)': [3, 3],
      'handle src/server/webhook.js:10': [1.5, 6],
      'parse node_modules/@scope/pkg/index.js:1': [1, 1],
      '(garbage collector)': [1, 1],
      'read node:internal/streams/readable:100': [0.5, 0.5],
      'emit node:events:31': [0, 0.5],
      'exec node_modules/better-sqlite3/lib/methods/wrappers.js:5': [0, 3],
    });
  });

  test('by module: our folder, scoped and plain packages, node: modules, and native time named after its caller', () => {
    const s = summarize(profile(), { root: '/proj' });
    assert.deepEqual(table(s.byModule), {
      '(native) via better-sqlite3': [3, 3],
      '(idle)': [3, 3],
      'src/server': [1.5, 6],
      '@scope/pkg': [1, 1],
      '(garbage collector)': [1, 1],
      'node:internal/streams': [0.5, 0.5],
      'better-sqlite3': [0, 3],
      'node:events': [0, 0.5],
    });
    assert.deepEqual(s.byModule.slice(0, 2).map((r) => r.key), ['(idle)', '(native) via better-sqlite3'], 'sorted by self time, then by name');
    assert.deepEqual(table(s.byGroup), { native: [3, 3], idle: [3, 3], ours: [1.5, 6], package: [1, 4], gc: [1, 1], node: [0.5, 0.5] });
  });

  test('module names of frames', () => {
    const f = (url: string, functionName = 'f') => moduleOf({ functionName, url, lineNumber: 0 }, '/proj').module;
    assert.equal(f('file:///proj/dist/src/delivery/store/connect.js'), 'src/delivery/store');
    assert.equal(f('file:///proj/dist/src/service.js'), 'src');
    assert.equal(f('file:///other/node_modules/a/node_modules/fastify/lib/route.js'), 'fastify');
    assert.equal(f('node:internal/http'), 'node:internal/http');
    assert.equal(f('node:fs'), 'node:fs');
    assert.equal(f('', '(program)'), '(program)');
  });

  test('focus keeps only the samples whose stack holds a matching function', () => {
    const s = summarize(profile(), { root: '/proj', focus: /^emit / });
    assert.equal(s.samples, 1);
    assert.equal(s.busyMs, 0.5);
    assert.deepEqual(table(s.byModule), { 'node:internal/streams': [0.5, 0.5], 'src/server': [0, 0.5], 'node:events': [0, 0.5] });
  });

  test('after starts at the first sample whose stack holds a matching function', () => {
    const s = summarize(profile(), { root: '/proj', after: /^exec / });
    assert.equal(s.samples, 6);
    assert.equal(s.busyMs, 6);
    assert.equal(s.idleMs, 3);
    assert.deepEqual(table(s.byGroup), { native: [3, 3], idle: [3, 3], ours: [1.5, 5], package: [0, 3], gc: [1, 1], node: [0.5, 0.5] });
  });

  test('with the measured CPU per unit, the per-unit columns are each share of it', () => {
    const text = formatSummary(summarize(profile(), { root: '/proj' }), { top: 3, per: 7, unit: 'webhook', cpuMs: 0.7 });
    assert.match(text, /per webhook: 700\.0 µs of CPU as measured; µs columns are each share of it \(GC 100\.0 µs\); sampled 1000\.0 µs of busy wall time per webhook \(7 of them\)/);
    assert.match(text, /^ +3\.0 +42\.9% +300\.0 +3\.0 +42\.9% {2}\(native\) via better-sqlite3$/m);
  });

  test('sorted by inclusive time on request', () => {
    const text = formatSummary(summarize(profile(), { root: '/proj' }), { top: 2, sort: 'total' });
    assert.match(text, /## by module \(top 2 of 7, by inclusive time\)\n.*\n +1\.5 +21\.4% +6\.0 +85\.7% {2}src\/server\n +3\.0 +42\.9% +3\.0 +42\.9% {2}\(native\) via better-sqlite3\n/, 'ties go to the larger self time');
  });

  test('the text gives per-unit figures and leaves idle out of the tables', () => {
    const text = formatSummary(summarize(profile(), { root: '/proj' }), { top: 3, per: 7, unit: 'webhook' });
    assert.match(text, /busy \(not idle\) 7 ms, idle 3 ms, GC 1 ms \(14\.3% of busy\)/);
    assert.match(text, /per webhook \(7 of them\): busy 1000\.0 µs, GC 142\.9 µs/);
    assert.match(text, /## by module \(top 3 of 7, by self time\)/);
    assert.match(text, /^ +3\.0 +42\.9% +428\.6 +3\.0 +42\.9% {2}\(native\) via better-sqlite3$/m);
    assert.doesNotMatch(text, /\(idle\)$/m);
  });

  test('the command line prints the summary of a file, and says what is wrong with bad options', () => {
    const ok = spawnSync(process.execPath, [CLI, FIXTURE, '--top', '2', '--title', 'tiny'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^# tiny\nwall 10 ms, 7 samples/);
    const bad = spawnSync(process.execPath, [CLI, FIXTURE, '--bogus'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown option --bogus/);
  });
});
