// Reading a service's SQLite file after the fact (the service is stopped).
import BetterSqlite3 from 'better-sqlite3';

export interface DbCounts {
  events: number;
  runs: number;
  messages: number;
  eventsByStatus: Record<string, number>;
}

export function dbCounts(file: string): DbCounts {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const byStatus = db.prepare('SELECT status, count(*) AS n FROM events GROUP BY status').all() as Array<{ status: string; n: number }>;
    return { events: n('events'), runs: n('runs'), messages: n('messages'), eventsByStatus: Object.fromEntries(byStatus.map((r) => [r.status, r.n])) };
  } finally {
    db.close();
  }
}
