// Reading a service's store after the fact (the service is stopped): its
// SQLite file, or its PostgreSQL database.
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

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

export async function pgCounts(url: string): Promise<DbCounts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const n = async (table: string) => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
    const byStatus = (await client.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM events GROUP BY status')).rows;
    return { events: await n('events'), runs: await n('runs'), messages: await n('messages'), eventsByStatus: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])) };
  } finally {
    await client.end();
  }
}

/** Seconds until no event is queued any more (polled every 100 ms), or the limit. */
export async function drained(count: () => Promise<DbCounts>, limitS: number): Promise<number> {
  const t0 = performance.now();
  while ((performance.now() - t0) / 1000 < limitS) {
    if (((await count()).eventsByStatus.queued ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return (performance.now() - t0) / 1000;
}
