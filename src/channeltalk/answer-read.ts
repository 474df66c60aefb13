// Reading Channel Talk's answers with a bound. A real answer is a few KB (a
// page of 25 chats with their users, tens of KB), yet one 200 MB answer to
// GET /user-chats took the service to 860 MB and its event loop with it. So
// an answer is read as a stream, and the read stops (the connection closed)
// once it passes MAX_ANSWER_BYTES, or at once when Content-Length says it
// will; and an answer nested deeper than MAX_ANSWER_DEPTH is not parsed
// (JSON.parse takes seconds over a few MB of brackets).

/** The most of a 2xx answer the client reads: 2 MiB, some 50 times the largest page the service asks for. */
import { jsonTextOutOfBounds } from './body-bounds.js';
export const MAX_ANSWER_BYTES = 2 * 1024 * 1024;
/** The most of an error answer the client reads: only its `{message, code}` is used, and the status decides. */
export const MAX_ERROR_ANSWER_BYTES = 64 * 1024;
/** The deepest nesting a 2xx answer may have: a real one (message blocks within blocks) stays under 15. */
export const MAX_ANSWER_DEPTH = 64;

export type BoundedRead = { text: string } | { tooLarge: true };

/**
 * The answer's body as text, or tooLarge as soon as it is known to pass
 * `maxBytes` (what was read is dropped, the rest is never fetched: the
 * stream is cancelled). The caller aborts its request on tooLarge, which
 * closes the connection.
 */
export async function readBounded(res: Response, maxBytes: number): Promise<BoundedRead> {
  const declared = res.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    return { tooLarge: true };
  }
  if (res.body === null) return { text: '' };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  // As Response.text() decodes: UTF-8, a leading BOM dropped, bad bytes replaced.
  return { text: new TextDecoder().decode(Buffer.concat(chunks, size)) };
}

/**
 * Whether JSON text nests arrays and objects deeper than `max`: one pass,
 * brackets within strings skipped (the same scan that bounds a delivery), so
 * the check costs far less than the parse it saves.
 */
export function nestedDeeperThan(text: string, max: number): boolean {
  return jsonTextOutOfBounds(text, max, Number.POSITIVE_INFINITY) !== null;
}
