// Deterministic ids: the same delivery always maps to the same event and run,
// and a planned message's requestId is `${runId}-${seq}`, so every retry of a
// send carries the same idempotency key.
//
// Keys are a channel's own. A chat id, a user id and a delivery's dedupe key
// are unique only within a channel, and with several channels another
// channel's valid token may name any id. So every key of a chat or a customer
// (the stored dedupe key, and from it the event and run ids; the lanes; the
// chat's lock; the once-per-chat key) is `<channelId>/<id>`. The channel can
// be trusted as part of a key because the route refuses a delivery whose
// channelId is not its token's channel (server/app.ts). No id holds a `/`
// (channeltalk/ids.ts), so the prefix cannot be forged; an id of no channel
// (a single-channel setup whose delivery names none) stays as it is, as every
// key was before migration 0010.
import { hash } from 'node:crypto';

// One-shot (node:crypto hash): no Hash object per id; every webhook makes one or more. Same digest as before.
const h = (s: string) => hash('sha256', s, 'base64url').slice(0, 22);

export const eventIdFor = (dedupeKey: string): string => `e_${h(dedupeKey)}`;
export const runIdFor = (curationId: string, dedupeKey: string): string => `r_${h(`${curationId}\n${dedupeKey}`)}`;

/** An id (chat, user, dedupe key) as a key of its channel. */
export const inChannel = (channelId: string | null, id: string): string => (channelId === null ? id : `${channelId}/${id}`);

/** A chat: its id is unique only within its channel. */
export interface ChatRef {
  channelId: string | null;
  chatId: string;
}

/** The chat's key: its lanes, its lock row and its once-per-chat key are named by it. */
export const chatKey = (chat: ChatRef): string => inChannel(chat.channelId, chat.chatId);

/** The dedupe key an event is stored under: its own, in its channel. */
export const storedDedupeKey = (event: { channelId: string | null; dedupeKey: string }): string => inChannel(event.channelId, event.dedupeKey);
