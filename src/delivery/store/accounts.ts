// Operator accounts. Every change is written with its audit row in one
// transaction; a new password, a disabled account and a new role end that
// account's sessions in the same transaction, so no old session outlives it.
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { appendAudit, type AuditAction, type AuditEntry } from './audit-log.js';
import type { Database } from './schema.js';

export interface Account {
  id: string;
  name: string;
  role: string;
  passwordHash: string;
  disabled: boolean;
  language: string | null;
  createdAt: number;
  updatedAt: number;
}

/** What an account change records; its action and target come from the change. */
export type Actor = Pick<AuditEntry, 'actorId' | 'actor' | 'address'>;

type Db = Kysely<Database> | Transaction<Database>;
type Row = Database['accounts'];

const fromRow = (r: Row): Account => ({
  id: r.id,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  disabled: Number(r.disabled) !== 0,
  language: r.language,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export async function accountByName(db: Db, name: string): Promise<Account | null> {
  const r = await db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
  return r ? fromRow(r) : null;
}

export async function accountById(db: Db, id: string): Promise<Account | null> {
  const r = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? fromRow(r) : null;
}

export async function listAccounts(db: Db): Promise<Account[]> {
  return (await db.selectFrom('accounts').selectAll().orderBy('name').execute()).map(fromRow);
}

export type CreateResult = { ok: true; account: Account } | { ok: false; reason: 'name taken' };

export async function createAccount(db: Kysely<Database>, a: { name: string; role: string; passwordHash: string }, by: Actor, now: number): Promise<CreateResult> {
  return db.transaction().execute(async (trx) => {
    if (await accountByName(trx, a.name)) return { ok: false as const, reason: 'name taken' as const };
    const id = `acc_${randomBytes(9).toString('base64url')}`;
    const row: Row = { id, name: a.name, role: a.role, password_hash: a.passwordHash, disabled: 0, language: null, created_at: now, updated_at: now };
    await trx.insertInto('accounts').values(row).execute();
    await appendAudit(trx, { ...by, action: 'account.created', target: a.name, details: { accountId: id, role: a.role } }, now);
    return { ok: true as const, account: fromRow(row) };
  });
}

export type ChangeResult = { ok: true; account: Account; sessionsEnded: number } | { ok: false; reason: 'no such account' | 'last admin' };

type Change =
  | { kind: 'password'; passwordHash: string }
  | { kind: 'disabled'; disabled: boolean }
  | { kind: 'role'; role: string };

function actionOf(c: Change): { action: AuditAction; details: Record<string, unknown>; set: Partial<Row> } {
  switch (c.kind) {
    case 'password':
      return { action: 'account.password_reset', details: {}, set: { password_hash: c.passwordHash } };
    case 'disabled':
      return { action: c.disabled ? 'account.disabled' : 'account.enabled', details: {}, set: { disabled: c.disabled ? 1 : 0 } };
    case 'role':
      return { action: 'account.role_changed', details: { role: c.role }, set: { role: c.role } };
  }
}

/** Changes one account by name, records it, and ends its sessions (enabling ends none: it has none). */
export async function changeAccount(db: Kysely<Database>, name: string, change: Change, by: Actor, now: number): Promise<ChangeResult> {
  return db.transaction().execute(async (trx) => {
    const before = await accountByName(trx, name);
    if (!before) return { ok: false as const, reason: 'no such account' as const };
    // Disabling or demoting the last active admin would leave only the break-glass token.
    const losesAdmin = before.role === 'admin' && !before.disabled && ((change.kind === 'disabled' && change.disabled) || (change.kind === 'role' && change.role !== 'admin'));
    if (losesAdmin && !(await otherActiveAdmin(trx, before.id))) return { ok: false as const, reason: 'last admin' as const };
    const { action, details, set } = actionOf(change);
    await trx.updateTable('accounts').set({ ...set, updated_at: now }).where('id', '=', before.id).execute();
    const ended = change.kind === 'disabled' && !change.disabled ? 0 : await endSessions(trx, before.id);
    const extra = change.kind === 'role' ? { from: before.role } : {};
    await appendAudit(trx, { ...by, action, target: name, details: { accountId: before.id, ...details, ...extra, sessionsEnded: ended } }, now);
    return { ok: true as const, account: (await accountById(trx, before.id))!, sessionsEnded: ended };
  });
}

/** Replaces a stored hash after a sign-in with a stronger cost; no audit row: nothing an operator did. */
export async function rehashPassword(db: Db, id: string, oldHash: string, passwordHash: string): Promise<void> {
  await db.updateTable('accounts').set({ password_hash: passwordHash }).where('id', '=', id).where('password_hash', '=', oldHash).execute();
}

async function otherActiveAdmin(trx: Transaction<Database>, id: string): Promise<boolean> {
  const r = await trx.selectFrom('accounts').select('id').where('role', '=', 'admin').where('disabled', '=', 0).where('id', '!=', id).limit(1).executeTakeFirst();
  return r !== undefined;
}

async function endSessions(trx: Transaction<Database>, accountId: string): Promise<number> {
  const r = await trx.deleteFrom('console_sessions').where('account_id', '=', accountId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** An account's console language (null: follow the browser). A preference, not an access change: no audit row. */
export async function setAccountLanguage(db: Db, id: string, language: string | null, now: number): Promise<boolean> {
  const r = await db.updateTable('accounts').set({ language, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
