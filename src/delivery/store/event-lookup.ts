// Whether an event is stored, by its dedupe key (the unique index): what the
// missed-delivery sweep asks before it recovers a chat.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export async function hasEvent(db: Kysely<Database>, dedupeKey: string): Promise<boolean> {
  const row = await db.selectFrom('events').select('id').where('dedupe_key', '=', dedupeKey).limit(1).executeTakeFirst();
  return row !== undefined;
}
