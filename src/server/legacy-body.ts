// The old system's two URLs took the delivery as JSON, as a form post or as a
// GET query string. Form and query values are strings, so nested parts
// (entity, refers) arrive as JSON text, or the whole delivery in one field.
import { jsonTextOutOfBounds } from '../channeltalk/body-bounds.js';

const WHOLE = ['payload', 'body', 'data', 'json'];
const NESTED = ['entity', 'refers'];

export function legacyBody(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const o = raw as Record<string, unknown>;
  for (const k of WHOLE) {
    const v = o[k];
    if (typeof v === 'string' && !('entity' in o)) return parseJson(v, k);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'token') continue;
    out[k] = NESTED.includes(k) && typeof v === 'string' ? parseJson(v, k) : v;
  }
  return out;
}

export class LegacyBodyError extends Error {}

function parseJson(text: string, field: string): unknown {
  // Measured before parsing, as the JSON body is (app.ts).
  const outOfBounds = jsonTextOutOfBounds(text);
  if (outOfBounds !== null) throw new LegacyBodyError(`${field}: ${outOfBounds}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LegacyBodyError(`${field} is not valid JSON`);
  }
}
