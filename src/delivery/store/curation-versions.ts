// What the curation versions ask of the database (issue 19): immutable
// versions, a head per curation (which version is live, who owns it), the
// console's drafts, and the catalog's generation that moves with every head
// change. Every change of a head runs under the catalog row's lock
// (PostgreSQL: FOR UPDATE; SQLite has one writer), so two instances that
// record the same file change at the same moment number it once.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { CurationHeadsTable, CurationVersionsTable, Database, VersionOrigin } from './schema.js';
import type { Dialect } from './connect.js';

export type VersionRow = Selectable<CurationVersionsTable>;
export type HeadRow = Selectable<CurationHeadsTable>;
/** A version without its text, for lists. */
export type VersionSummary = Omit<VersionRow, 'source'>;

export const versionId = (scope: string, curationId: string, version: number): string => `${scope}/${curationId}@${version}`;

export async function catalogGeneration(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('curation_catalog').select('generation').where('id', '=', 1).executeTakeFirst();
  return Number(row?.generation ?? 0);
}

/** Takes the catalog's lock for the rest of the transaction: every change of a head goes through it. */
export async function lockCatalog(trx: Transaction<Database>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`SELECT generation FROM curation_catalog WHERE id = 1 FOR UPDATE`.execute(trx);
}

async function bumpGeneration(trx: Transaction<Database>): Promise<void> {
  await trx
    .updateTable('curation_catalog')
    .set((eb) => ({ generation: eb('generation', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

/** Every head, and the live version's row for those that have one. */
export async function liveVersions(db: Kysely<Database> | Transaction<Database>): Promise<Array<{ head: HeadRow; live: VersionRow | null }>> {
  const heads = await db.selectFrom('curation_heads').selectAll().orderBy('scope').orderBy('curation_id').execute();
  const ids = heads.filter((h) => h.live_version !== null).map((h) => versionId(h.scope, h.curation_id, h.live_version!));
  const rows = ids.length === 0 ? [] : await db.selectFrom('curation_versions').selectAll().where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return heads.map((head) => ({ head, live: head.live_version === null ? null : (byId.get(versionId(head.scope, head.curation_id, head.live_version)) ?? null) }));
}

export function versionById(db: Kysely<Database> | Transaction<Database>, id: string): Promise<VersionRow | undefined> {
  return db.selectFrom('curation_versions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function headOf(db: Kysely<Database> | Transaction<Database>, scope: string, curationId: string): Promise<HeadRow | undefined> {
  return db.selectFrom('curation_heads').selectAll().where('scope', '=', scope).where('curation_id', '=', curationId).executeTakeFirst();
}

/** A curation's versions, newest first, without their texts. */
export function listVersions(db: Kysely<Database>, scope: string, curationId: string): Promise<VersionSummary[]> {
  return db
    .selectFrom('curation_versions')
    .select(['id', 'scope', 'curation_id', 'version', 'hash', 'origin', 'file', 'published_by', 'published_at', 'note', 'tests_override'])
    .where('scope', '=', scope)
    .where('curation_id', '=', curationId)
    .orderBy('version', 'desc')
    .execute();
}

/** The newest version of a curation, and the newest that came from its file. */
export async function newestVersions(trx: Transaction<Database>, scope: string, curationId: string): Promise<{ newest: number; newestFileHash: string | null }> {
  const rows = await trx
    .selectFrom('curation_versions')
    .select(['version', 'hash', 'origin'])
    .where('scope', '=', scope)
    .where('curation_id', '=', curationId)
    .orderBy('version', 'desc')
    .execute();
  return { newest: rows[0]?.version ?? 0, newestFileHash: rows.find((r) => r.origin === 'file')?.hash ?? null };
}

export interface NewVersion {
  scope: string;
  curationId: string;
  source: string;
  hash: string;
  origin: VersionOrigin;
  file: string | null;
  publishedBy: string | null;
  note: string | null;
  testsOverride?: string | null;
}

/**
 * Records the next version of a curation, inside the caller's transaction
 * (which holds the catalog's lock). `live`: the head points at it, owned by
 * `owner`; otherwise the head is left as it is (a file change kept while the
 * console owns the curation). Returns the version's row.
 */
export async function addVersionTx(trx: Transaction<Database>, v: NewVersion, now: number, head: { live: true; owner: VersionOrigin } | { live: false }): Promise<VersionRow> {
  const { newest } = await newestVersions(trx, v.scope, v.curationId);
  const row: VersionRow = {
    id: versionId(v.scope, v.curationId, newest + 1),
    scope: v.scope,
    curation_id: v.curationId,
    version: newest + 1,
    source: v.source,
    hash: v.hash,
    origin: v.origin,
    file: v.file,
    published_by: v.publishedBy,
    published_at: now,
    note: v.note,
    tests_override: v.testsOverride ?? null,
  };
  await trx.insertInto('curation_versions').values(row).execute();
  if (head.live) await setHeadTx(trx, v.scope, v.curationId, { live_version: row.version, owner: head.owner }, now);
  return row;
}

/** Points a curation's head (live version, owner), and moves the catalog's generation so every instance rebuilds. */
export async function setHeadTx(trx: Transaction<Database>, scope: string, curationId: string, set: { live_version: number | null; owner: VersionOrigin }, now: number): Promise<void> {
  await trx
    .insertInto('curation_heads')
    .values({ scope, curation_id: curationId, ...set, updated_at: now })
    .onConflict((oc) => oc.columns(['scope', 'curation_id']).doUpdateSet({ ...set, updated_at: now }))
    .execute();
  await bumpGeneration(trx);
}

/** The console's on/off switch; false when the curation has no head. Moves the generation, so every instance rebuilds. */
export async function switchCurationTx(trx: Transaction<Database>, scope: string, curationId: string, on: boolean, now: number): Promise<boolean> {
  const res = await trx
    .updateTable('curation_heads')
    .set({ enabled: on ? 1 : 0, updated_at: now })
    .where('scope', '=', scope)
    .where('curation_id', '=', curationId)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) return false;
  await bumpGeneration(trx);
  return true;
}

export function draftOf(db: Kysely<Database>, scope: string, curationId: string) {
  return db.selectFrom('curation_drafts').selectAll().where('scope', '=', scope).where('curation_id', '=', curationId).executeTakeFirst();
}

export async function saveDraft(db: Kysely<Database>, d: { scope: string; curationId: string; source: string; baseVersion: number | null; savedBy: string | null }, now: number): Promise<void> {
  const values = { source: d.source, base_version: d.baseVersion, saved_by: d.savedBy, saved_at: now };
  await db
    .insertInto('curation_drafts')
    .values({ scope: d.scope, curation_id: d.curationId, ...values })
    .onConflict((oc) => oc.columns(['scope', 'curation_id']).doUpdateSet(values))
    .execute();
}

export async function dropDraftTx(trx: Transaction<Database>, scope: string, curationId: string): Promise<void> {
  await trx.deleteFrom('curation_drafts').where('scope', '=', scope).where('curation_id', '=', curationId).execute();
}
