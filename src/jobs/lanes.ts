// The names jobs are grouped under. A lane serializes (one job of a lane
// runs at a time, in due order); `chat:<id>` also takes the chat's row lock
// in settle(). A pool bounds how many jobs run side by side (the handler's
// poolLimit): a send's pool is its channel, so one channel's outage or rate
// limit cannot take every send slot. A pool rather than letting the handler
// turn an over-share send back with a short retry: the claim leaves a full
// pool out and the runner sleeps until one of its jobs ends, so a stuck
// channel costs no passes and its waiting sends keep their due order.

/** The lane `chat:<id>` also serializes on the chat's row, like every transaction that moves a chat's queue. */
export const chatLane = (chatId: string): string => `chat:${chatId}`;

/** The chat id of a `chat:` lane, or null for any other lane. */
export const chatOfLane = (lane: string | null): string | null => (lane?.startsWith('chat:') ? lane.slice('chat:'.length) : null);

/** Sends of one Channel Talk channel share this pool (a message without a channel: the pool `send:`). */
export const channelPool = (channelId: string | null): string => `send:${channelId ?? ''}`;
