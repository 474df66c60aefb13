// Console sessions as rows, for every instance on the database to share.
// The server's Sessions (src/server/console/sessions.ts) decides what a
// session is and when it expires; this only stores them.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface SessionRecord {
  /** SHA-256 of the cookie value: the table never holds a usable cookie. */
  idHash: string;
  operatorId: string;
  csrf: string;
  createdAt: number;
  lastSeen: number;
  /** Null for a break-glass (ADMIN_TOKEN) session. */
  accountId: string | null;
  /** Null on a row from before accounts: the server refuses it. */
  role: string | null;
  /** The account's name, or 'break-glass'. */
  actor: string | null;
}

/** Where sessions live: in the database (SessionTable), or in memory for a lone process and tests. */
export interface SessionBackend {
  /** Adds a session, after dropping expired ones (created before `createdBefore` or idle since `idleBefore`) and the oldest beyond `keep`. */
  insert(r: SessionRecord, expiry: { createdBefore: number; idleBefore: number; keep: number }): Promise<void>;
  find(idHash: string): Promise<SessionRecord | null>;
  touch(idHash: string, lastSeen: number): Promise<void>;
  remove(idHash: string): Promise<void>;
}

export class SessionTable implements SessionBackend {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: SessionRecord, expiry: { createdBefore: number; idleBefore: number; keep: number }): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('console_sessions')
        .where((eb) => eb.or([eb('created_at', '<', expiry.createdBefore), eb('last_seen', '<', expiry.idleBefore)]))
        .execute();
      const keepers = trx.selectFrom('console_sessions').select('id_hash').orderBy('created_at', 'desc').limit(Math.max(0, expiry.keep - 1));
      // A subquery with LIMIT inside NOT IN needs a derived table on some databases.
      await trx
        .deleteFrom('console_sessions')
        .where('id_hash', 'not in', (eb) => eb.selectFrom(keepers.as('k')).select('k.id_hash'))
        .execute();
      await trx
        .insertInto('console_sessions')
        .values({ id_hash: r.idHash, operator_id: r.operatorId, csrf: r.csrf, created_at: r.createdAt, last_seen: r.lastSeen, account_id: r.accountId, role: r.role, actor: r.actor })
        .execute();
    });
  }

  async find(idHash: string): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row
      ? { idHash: row.id_hash, operatorId: row.operator_id, csrf: row.csrf, createdAt: Number(row.created_at), lastSeen: Number(row.last_seen), accountId: row.account_id, role: row.role, actor: row.actor }
      : null;
  }

  async touch(idHash: string, lastSeen: number): Promise<void> {
    await this.db.updateTable('console_sessions').set({ last_seen: lastSeen }).where('id_hash', '=', idHash).where('last_seen', '<', lastSeen).execute();
  }

  async remove(idHash: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  }
}
