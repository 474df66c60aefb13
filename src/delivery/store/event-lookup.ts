// Whether an event is stored, by its dedupe key in its channel (the unique
// index, the key Intake.accept stores): what the missed-delivery sweep asks
// before it recovers a chat.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { storedDedupeKey } from '../ids.js';

export async function hasEvent(db: Kysely<Database>, event: { channelId: string | null; dedupeKey: string }): Promise<boolean> {
  const row = await db.selectFrom('events').select('id').where('dedupe_key', '=', storedDedupeKey(event)).limit(1).executeTakeFirst();
  return row !== undefined;
}
