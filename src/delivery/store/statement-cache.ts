// Kysely's SQLite driver calls better-sqlite3's prepare() on every execution;
// at intake's ~20 statements per webhook that was 8% of the CPU. Kysely emits
// the same SQL text for the same query shape, so prepared statements can be
// kept and reused. The cache is bounded (LRU) because shapes with variable IN
// lists produce new texts.
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export function withStatementCache(database: BetterSqlite3.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit) {
        // Re-inserting moves it to the young end of the Map's order.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = database.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > max) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      return stmt;
    },
  };
}
