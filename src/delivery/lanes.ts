// The names jobs are grouped under. A lane serializes (one job of a lane
// runs at a time, in due order); a send on `chat:<key>` also takes the chat's
// row lock first in its settle (its outcome's lock: handlers/send-message.ts). A chat's lanes are named by its key, `<channelId>/<chatId>`
// (delivery/ids.ts), since a chat id is unique only within its channel. A
// pool bounds how many jobs run side by side (the handler's poolLimit): a
// send's pool is its channel, so one channel's outage or rate limit cannot
// take every send slot. A pool rather than letting the handler turn an
// over-share send back with a short retry: the claim leaves a full pool out
// and the runner sleeps until one of its jobs ends, so a stuck channel costs
// no passes and its waiting sends keep their due order.
import { chatKey, inChannel, type ChatRef } from './ids.js';

/** The lane `chat:<key>` (the chat's sends) also serializes on the chat's row, like every transaction that moves a chat's queue. */
export const chatLane = (chat: ChatRef): string => `chat:${chatKey(chat)}`;

/** The chat key of a `chat:` lane (what lockChat takes), or null for any other lane. */
export const chatOfLane = (lane: string | null): string | null => (lane?.startsWith('chat:') ? lane.slice('chat:'.length) : null);

/** A chat's events, planned one at a time in arrival order; not its send lane, so planning never waits behind a send in flight. */
export const chatEventsLane = (chat: ChatRef): string => `chatEvents:${chatKey(chat)}`;

/** A customer's events outside a chat (a profile change); without a user id, the event's own. */
export const userEventsLane = (channelId: string | null, userId: string | null, eventId: string): string =>
  `userEvents:${userId !== null ? inChannel(channelId, userId) : eventId}`;

/** Sends of one Channel Talk channel share this pool (a message without a channel: the pool `send:`). */
export const channelPool = (channelId: string | null): string => `send:${channelId ?? ''}`;
