// How a chat's messages are spaced: each message waits its delay (scaled by
// DELAY_SCALE) after the one before, and a wait longer than PARK_AFTER_SECONDS
// parks its run instead of holding the chat (issue 18 item 7): the run keeps
// no place in the chat's queue while it waits, so a follow-up due tomorrow
// never holds up the gift keyword today. Pure: the store asks it.

/** PARK_AFTER_SECONDS' default: longer than every pause a sequence makes between two messages, short beside a follow-up. */
export const DEFAULT_PARK_AFTER_SECONDS = 300;

export interface ChatTiming {
  /** DELAY_SCALE: 1 in production, 0 sends without waits. */
  delayScale: number;
  /** A scaled wait longer than this parks the run; PARK_AFTER_SECONDS. */
  parkAfterMs: number;
}

export function chatTiming(delayScale: number, parkAfterMs = DEFAULT_PARK_AFTER_SECONDS * 1000): ChatTiming {
  return { delayScale, parkAfterMs };
}

/** How long a message waits after the one before it (or after its run's turn came), scaled. */
export function waitOf(delayMs: number, t: ChatTiming): number {
  return Math.round(delayMs * t.delayScale);
}

/** Whether that wait parks the run: the chat is free meanwhile, and the run takes its turn again when it wakes. */
export function parksFor(delayMs: number, t: ChatTiming): boolean {
  return waitOf(delayMs, t) > t.parkAfterMs;
}
