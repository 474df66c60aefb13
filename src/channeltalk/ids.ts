// What an id from Channel Talk looks like. Ids go into Open API paths
// (`/user-chats/{id}/messages`), where encodeURIComponent leaves `.` and `..`
// alone: `..` would turn the request into another endpoint. Real ids are hex
// strings ("6a1b2c3d4e5f60718293"), numbers ("95334", 228036) and prefixed
// strings ("msg1a20a5ff318000001", "bot-1"); nothing else is let in.
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The rule as a sentence, for reasons and load errors (it never repeats the value). */
export const ID_RULE = 'must be an id of 1 to 64 letters, digits, _ or -';

/** The id as a string when `v` is one (a string or a number that matches ID_PATTERN), else null. */
export function idOrNull(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v);
  return ID_PATTERN.test(s) ? s : null;
}

/**
 * Our own requestId: `${runId}-${seq}` with a run id `r_` + 22 base64url
 * characters (delivery/ids.ts). Channel Talk echoes it on the message it
 * delivers back, which is how a message we sent with `actAsManager` (echoed
 * as personType "manager") is told from a manager taking over.
 */
const OWN_REQUEST_ID = /^r_[A-Za-z0-9_-]{22}-\d{1,9}$/;

export function isOwnRequestId(s: string): boolean {
  return OWN_REQUEST_ID.test(s);
}
