// The settings of an SQLite connection as the service opens it (connect.ts
// openSqlite): durable commits, and a page cache bounded below
// better-sqlite3's compiled-in 16 MB (issue 21: the cache is memory the idle
// and loaded service holds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { openSqlite, SQLITE_CACHE_KIB } from '../../src/delivery/store/connect.js';
import { tempDir } from '../support/processes.js';

test('openSqlite: WAL, synchronous=FULL, foreign keys, and a page cache of at most 4 MB', () => {
  const dir = tempDir();
  const db = openSqlite(path.join(dir, 'p.db'));
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2);
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    // Negative: a size in KiB rather than pages (SQLite's convention).
    assert.equal(db.pragma('cache_size', { simple: true }), -SQLITE_CACHE_KIB);
    assert.ok(SQLITE_CACHE_KIB >= 2048 && SQLITE_CACHE_KIB <= 4096, `cache of ${SQLITE_CACHE_KIB} KiB`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
