// Masks what identifies or describes the customer in a recorded delivery, and
// keeps what routing needs: ids, kinds, tags, bot ids, person types.
//
// A delivery is untrusted input of up to the body limit, so the walk is
// bounded and never holds the event loop: each string is scanned once, in
// linear time (value-kinds.ts), and only up to a length; a delivery gets a
// budget of characters scanned, values visited and nesting depth, past which
// values are masked whole unscanned; and the walk yields to the loop
// (setImmediate) every chunk of work.
import { containsEmail } from './value-kinds.js';

export const MASK = '[redacted]';

export interface RedactionLimits {
  /** A longer string is masked whole, unscanned. */
  maxScanChars: number;
  /** Characters scanned per delivery; strings past the budget are masked whole. */
  maxScanTotal: number;
  /** Values (scalars, arrays, objects) visited per delivery; the rest is masked. */
  maxNodes: number;
  /** Deeper values are masked. */
  maxDepth: number;
  /** A part sent as JSON text (legacy form posts) longer than this is masked whole, not parsed. */
  maxJsonText: number;
  /** The walk yields to the event loop after this many values... */
  chunkNodes: number;
  /** ...or this many characters scanned. */
  chunkChars: number;
}

export const REDACTION_LIMITS: Readonly<RedactionLimits> = Object.freeze({
  maxScanChars: 4096,
  maxScanTotal: 256 * 1024,
  maxNodes: 20_000,
  maxDepth: 32,
  maxJsonText: 256 * 1024,
  chunkNodes: 1000,
  chunkChars: 16 * 1024,
});

/** What a string masked for its size alone reads as: its length, never its content. */
export function maskedText(length: number): string {
  return `[masked: ${length} chars]`;
}

export interface RedactOptions {
  /** Exact texts (trigger keywords) a customer message may keep. */
  keepTexts?: ReadonlySet<string>;
  /** Values that must never be written (the webhook token), masked wherever they appear. */
  secrets?: readonly string[];
  limits?: Partial<RedactionLimits>;
}

/** A copy of a delivery with customer data masked; structure, ids and routing fields kept. */
export function redactDelivery(value: unknown, opts: RedactOptions = {}): Promise<unknown> {
  return new Walk('redact', opts).value(value, null, 0, 'walk');
}

/**
 * A raw recording (RECORD_REDACT=false): the delivery as received, except the
 * secrets, under the same bounds on values and depth.
 */
export function scrubDelivery(value: unknown, secrets: readonly string[], limits: Partial<RedactionLimits> = {}): Promise<unknown> {
  return new Walk('raw', { secrets, limits }).value(value, null, 0, 'walk');
}

// Keys whose values describe a person, wherever they appear.
const PERSONAL_KEYS = new Set(
  [
    'name',
    'firstName',
    'lastName',
    'fullName',
    'nickname',
    'email',
    'mobileNumber',
    'phoneNumber',
    'phone',
    'avatarUrl',
    'address',
    'postcode',
    'zipCode',
    'city',
    'ip',
    'latitude',
    'longitude',
  ].map((k) => k.toLowerCase()),
);
// Whole subtrees of customer data: every value inside is masked, keys are kept.
const PROFILE_KEYS = new Set(['profile']);
// Legacy form posts carry the delivery, or its parts, as JSON text in one of these.
const JSON_TEXT_KEYS = new Set(['entity', 'refers', 'payload', 'body', 'data', 'json']);

type Mode = 'redact' | 'raw';
/** `walk` applies the field rules; `all` masks every scalar below, keeping keys. */
type How = 'walk' | 'all';

class Walk {
  private readonly limits: RedactionLimits;
  private readonly keep: ReadonlySet<string>;
  private readonly secrets: readonly string[];
  private nodes = 0;
  private scanned = 0;
  private nodesSinceYield = 0;
  private charsSinceYield = 0;

  constructor(
    private readonly mode: Mode,
    opts: RedactOptions,
  ) {
    this.limits = { ...REDACTION_LIMITS, ...opts.limits };
    this.keep = opts.keepTexts ?? new Set();
    this.secrets = (opts.secrets ?? []).filter((s) => s.length > 0);
  }

  async value(v: unknown, key: string | null, depth: number, how: How): Promise<unknown> {
    await this.spend(1, 0);
    if (this.nodes > this.limits.maxNodes) return `[masked: over ${this.limits.maxNodes} values]`;
    if (depth > this.limits.maxDepth) return `[masked: nested deeper than ${this.limits.maxDepth}]`;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) out.push(await this.value(item, key, depth + 1, how));
      return out;
    }
    if (isRecord(v)) return this.object(v, depth, how);
    if (how === 'all') return v === null || v === undefined ? v : MASK;
    if (typeof v === 'string') return this.string(v, key, depth);
    return v;
  }

  private async object(o: Record<string, unknown>, depth: number, how: How): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    // A text or code block's value is message text.
    const isTextBlock = o.type === 'text' || o.type === 'code';
    for (const [k, v] of Object.entries(o)) {
      const value = how === 'all' ? await this.value(v, k, depth + 1, 'all') : await this.field(k, v, isTextBlock, depth + 1);
      // defineProperty: a "__proto__" key (possible in parsed JSON text) stays a plain field.
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  private async field(k: string, v: unknown, isTextBlock: boolean, depth: number): Promise<unknown> {
    if (k === 'token') return this.value(v, k, depth, 'all');
    if (this.mode === 'raw') return this.value(v, k, depth, 'walk');
    const isText = (isTextBlock && k === 'value') || k === 'plainText';
    if (isText && typeof v === 'string' && v.length <= this.limits.maxScanChars && this.keep.has(v.trim()) && !this.hasSecret(v)) return v;
    if (PROFILE_KEYS.has(k) || isText || PERSONAL_KEYS.has(k.toLowerCase())) return this.value(v, k, depth, 'all');
    return this.value(v, k, depth, 'walk');
  }

  private async string(s: string, key: string | null, depth: number): Promise<unknown> {
    if (key !== null && JSON_TEXT_KEYS.has(key)) {
      const parsed = this.jsonText(s);
      if (parsed !== undefined) return JSON.stringify(await this.value(withoutToken(parsed), null, depth, 'walk'));
    }
    if (this.mode === 'raw') return this.hasSecret(s) ? MASK : s;
    if (s.length > this.limits.maxScanChars || this.scanned + s.length > this.limits.maxScanTotal) return maskedText(s.length);
    this.scanned += s.length;
    await this.spend(0, s.length);
    return this.hasSecret(s) || containsEmail(s) ? MASK : s;
  }

  /** The value of a part sent as JSON text, when it is one (and, raw, only when it holds a secret). */
  private jsonText(s: string): unknown {
    if (s.length > this.limits.maxJsonText) return undefined;
    if (this.mode === 'raw' && !this.hasSecret(s)) return undefined;
    const t = s.trim();
    if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return undefined;
    }
  }

  private hasSecret(s: string): boolean {
    return this.secrets.some((t) => s.includes(t));
  }

  /** Counts work, and lets the event loop run after every chunk of it. */
  private async spend(nodes: number, chars: number): Promise<void> {
    this.nodes += nodes;
    this.nodesSinceYield += nodes;
    this.charsSinceYield += chars;
    if (this.nodesSinceYield >= this.limits.chunkNodes || this.charsSinceYield >= this.limits.chunkChars) {
      this.nodesSinceYield = 0;
      this.charsSinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** A legacy form or GET carries the token as a field of the delivery: it is dropped, not masked, so the body stays equal to the query. */
export function withoutToken(v: unknown): unknown {
  if (!isRecord(v)) return v;
  const { token: _token, ...rest } = v;
  return rest;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
