// The audit log: who did what, when, from where. Append-only: rows are
// inserted (in the transaction of the change they record, where the change
// is a database write) and deleted only by retention (AUDIT_RETENTION_DAYS).
// Details never hold a password, a token or a profile value: callers pass
// ids, versions and reasons.
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * Every action the log records. The console names each in both languages
 * (audit.action.* in its catalogue; the catalogue test holds it to this list)
 * and words its details (static/admin.js auditDetails).
 */
export const AUDIT_ACTIONS = [
  'sign_in',
  'sign_in.failed',
  'account.created',
  'account.password_reset',
  'account.disabled',
  'account.enabled',
  'account.role_changed',
  'curation.published',
  'curation.tests_overridden',
  'curation.rolled_back',
  'curation.switched',
  'profile.revealed',
  'run.stopped',
  'webhook.unblocked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  /** The account's id; null for break-glass and for a failed sign-in. */
  actorId: string | null;
  /** The account's name, 'break-glass', or the name a failed sign-in gave. */
  actor: string;
  action: AuditAction;
  target?: string | null;
  details?: Record<string, unknown>;
  /** The client address as Fastify sees it (TRUST_PROXY); null from the CLI. */
  address?: string | null;
}

export interface AuditRow {
  id: string;
  at: number;
  actorId: string | null;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  address: string | null;
}

export interface AuditFilter {
  action?: string;
  actor?: string;
  since?: number;
  until?: number;
  limit?: number;
}

type Db = Kysely<Database> | Transaction<Database>;

export async function appendAudit(db: Db, e: AuditEntry, at: number): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      // Time first, so ids of one millisecond still sort in a stable order.
      id: `au_${at.toString(36).padStart(9, '0')}_${randomBytes(6).toString('base64url')}`,
      at,
      actor_id: e.actorId,
      actor: e.actor,
      action: e.action,
      target: e.target ?? null,
      details_json: JSON.stringify(e.details ?? {}),
      address: e.address ?? null,
    })
    .execute();
}

/** Newest first. */
export async function listAudit(db: Db, f: AuditFilter): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').selectAll();
  if (f.action) q = q.where('action', '=', f.action);
  if (f.actor) q = q.where('actor', '=', f.actor);
  if (f.since !== undefined) q = q.where('at', '>=', f.since);
  if (f.until !== undefined) q = q.where('at', '<', f.until);
  const rows = await q
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.max(1, Math.min(f.limit ?? 200, 10_000)))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    at: Number(r.at),
    actorId: r.actor_id,
    actor: r.actor,
    action: r.action,
    target: r.target,
    details: JSON.parse(r.details_json) as Record<string, unknown>,
    address: r.address,
  }));
}

const BATCH = 1000;

/** Deletes rows older than `cutoff`, in small batches; how many went. */
export async function pruneAuditBefore(db: Kysely<Database>, cutoff: number): Promise<number> {
  let n = 0;
  for (;;) {
    const ids = (await db.selectFrom('audit_log').select('id').where('at', '<', cutoff).limit(BATCH).execute()).map((r) => r.id);
    if (ids.length === 0) return n;
    await db.deleteFrom('audit_log').where('id', 'in', ids).execute();
    n += ids.length;
    if (ids.length < BATCH) return n;
  }
}
