// The idle-memory investigation's pieces: RSS grouped by mapping from
// /proc/PID/smaps text, and the module recorder loaded with --import.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { smapsByMapping } from '../../bench/lib/profile-idle.js';

const RECORDER = fileURLToPath(new URL('../../bench/lib/record-modules.js', import.meta.url));
const STATS = fileURLToPath(new URL('../../bench/lib/stats.js', import.meta.url));

const SMAPS = `00400000-00600000 r-xp 00000000 08:01 123  /usr/bin/node
Size:               2048 kB
Rss:                1500 kB
00600000-00700000 r--p 00200000 08:01 123  /usr/bin/node
Rss:                 500 kB
01000000-02000000 rw-p 00000000 00:00 0      [heap]
Rss:                 300 kB
7f0000000000-7f0000100000 rw-p 00000000 00:00 0 
Rss:                 700 kB
7f0000100000-7f0000200000 rw-p 00000000 00:00 0 
Rss:                 100 kB
7f0000200000-7f0000300000 r-xp 00000000 08:01 456  /opt/app/node_modules/better-sqlite3/build/linux-x64.node
Rss:                 250 kB
`;

describe('idle memory profile', () => {
  test('RSS is summed by mapping: the binary, each shared object, [heap], and anonymous memory together', () => {
    assert.deepEqual(smapsByMapping(SMAPS), [
      { mapping: 'node', kb: 2000 },
      { mapping: '[anon]', kb: 800 },
      { mapping: '[heap]', kb: 300 },
      { mapping: 'linux-x64.node', kb: 250 },
    ]);
  });

  test('the recorder lists the modules a process loads, and its built-ins, in the file BENCH_MODULES_OUT names', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'record-modules-'));
    try {
      const out = path.join(dir, 'modules.json');
      const r = spawnSync(process.execPath, [`--import=${RECORDER}`, '--input-type=module', '-e', `await import(${JSON.stringify(new URL(`file://${STATS}`).href)});`], {
        env: { PATH: process.env.PATH ?? '', BENCH_MODULES_OUT: out },
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      const rec = JSON.parse(readFileSync(out, 'utf8')) as { modules: Array<{ url: string; ms: number }>; builtins: string[] };
      assert.ok(rec.modules.some((m) => m.url.endsWith('/dist/bench/lib/stats.js')), JSON.stringify(rec.modules));
      assert.ok(rec.modules.every((m) => !m.url.startsWith('node:') && Number.isInteger(m.ms)));
      assert.ok(rec.builtins.includes('fs'), 'node:fs is among the built-ins');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
