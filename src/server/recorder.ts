// Records raw webhook deliveries as files, so a real day's traffic can be
// replayed against a test instance (`curation replay`). Redaction masks what
// identifies or describes the customer, and keeps what routing needs: ids,
// kinds, tags, bot ids, person types.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const MASK = '[redacted]';

export interface RecordedDelivery {
  recordedAt: string;
  route: string;
  /** The query string without the token. */
  query: Record<string, unknown>;
  redacted: boolean;
  body: unknown;
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
// Legacy form posts carry the whole delivery as JSON text in one of these.
const JSON_TEXT_KEYS = new Set(['entity', 'refers', 'payload', 'body', 'data', 'json']);
const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;

export interface RecorderOptions {
  /**
   * Texts that stay readable when redacting: a customer message that is
   * exactly one of them (the curations' trigger keywords) is no personal
   * data, and masking it would stop the replay from triggering anything.
   */
  keepTexts?: () => Iterable<string>;
}

export class DeliveryRecorder {
  private ready: Promise<void> | null = null;
  /** Keeps arrival order among deliveries recorded within the same millisecond. */
  private seq = 0;

  constructor(
    readonly dir: string,
    readonly redact: boolean,
    private readonly opts: RecorderOptions = {},
  ) {}

  async record(route: string, query: Record<string, unknown>, body: unknown): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    await this.ready;
    // The token is the webhook's password: never written, whether it came in the
    // query, in a legacy GET (whose query is its body) or in a form field.
    const secrets = tokenValues(query.token);
    const rest = withoutToken(query);
    const bare = isRecord(body) ? withoutToken(body) : body;
    const keep = new Set([...(this.opts.keepTexts?.() ?? [])].map((t) => t.trim()));
    const entry: RecordedDelivery = {
      recordedAt: new Date().toISOString(),
      // A route pattern has no query; a raw URL (the fallback) would carry the token in it.
      route: route.split('?')[0] ?? route,
      query: (this.redact ? redactDelivery(rest, keep, secrets) : scrubSecrets(rest, secrets)) as Record<string, unknown>,
      redacted: this.redact,
      body: this.redact ? redactDelivery(bare, keep, secrets) : scrubSecrets(bare, secrets),
    };
    this.seq = (this.seq + 1) % 10_000;
    const name = fileNameFor(entry, bare, this.seq);
    const file = path.join(this.dir, name);
    // Write then rename, so a replay never reads half a file; the hidden temporary name is no *.json.
    const tmp = path.join(this.dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, `${JSON.stringify(entry, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  }
}

/**
 * `20260102T030405.678Z-0001-userChat-6a1b2c3d-1f2e3d4c.json`: sorts in
 * arrival order, names the entity, and the hash of the raw body tells
 * repeated deliveries apart from new ones at a glance.
 */
export function fileNameFor(entry: Pick<RecordedDelivery, 'recordedAt' | 'route'>, rawBody: unknown, seq = 0): string {
  const stamp = entry.recordedAt.replace(/[-:]/g, '');
  const hash = createHash('sha256').update(JSON.stringify(rawBody ?? null)).digest('hex').slice(0, 8);
  const b = isRecord(rawBody) ? rawBody : {};
  const entity = isRecord(b.entity) ? b.entity : {};
  const type = safePart(typeof b.type === 'string' ? b.type : entry.route.replace(/^\/+/, '').split('/').pop() ?? 'delivery');
  const id = safePart(typeof entity.id === 'string' || typeof entity.id === 'number' ? String(entity.id) : '');
  return `${stamp}-${String(seq).padStart(4, '0')}-${type}${id ? `-${id}` : ''}-${hash}.json`;
}

function safePart(s: string): string {
  return s.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 40);
}

function withoutToken(o: Record<string, unknown>): Record<string, unknown> {
  const { token: _token, ...rest } = o;
  return rest;
}

/** The token(s) a delivery was sent with (a repeated `?token=` arrives as a list). */
function tokenValues(v: unknown): string[] {
  const all = Array.isArray(v) ? v : [v];
  return all.filter((t): t is string => typeof t === 'string' && t.length > 0);
}

function hasSecret(s: string, secrets: readonly string[]): boolean {
  return secrets.some((t) => s.includes(t));
}

/** A raw recording: kept as received, except that a `token` field or any text holding the token is masked. */
export function scrubSecrets(value: unknown, secrets: readonly string[], key: string | null = null): unknown {
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, secrets, key));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'token' ? maskLeaf(v) : scrubSecrets(v, secrets, k)]));
  }
  if (typeof value === 'string' && hasSecret(value, secrets)) {
    // A legacy part sent as JSON text stays a delivery, minus the token.
    const parsed = key !== null && JSON_TEXT_KEYS.has(key) ? tryJson(value) : undefined;
    return parsed !== undefined ? JSON.stringify(scrubSecrets(withoutTokenIfRecord(parsed), secrets)) : MASK;
  }
  return value;
}

function withoutTokenIfRecord(v: unknown): unknown {
  return isRecord(v) ? withoutToken(v) : v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A copy of a delivery with customer data masked; structure, ids and routing fields kept. */
export function redactDelivery(value: unknown, keepTexts: ReadonlySet<string> = new Set(), secrets: readonly string[] = []): unknown {
  return walk(value, null, keepTexts, secrets);
}

function walk(value: unknown, key: string | null, keep: ReadonlySet<string>, secrets: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, key, keep, secrets));
  if (isRecord(value)) {
    // A text or code block's value is message text.
    const isTextBlock = value.type === 'text' || value.type === 'code';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const isText = (isTextBlock && k === 'value') || k === 'plainText';
      if (isText && typeof v === 'string' && keep.has(v.trim()) && !hasSecret(v, secrets)) out[k] = v;
      else if (PROFILE_KEYS.has(k)) out[k] = maskAll(v);
      else if (PERSONAL_KEYS.has(k.toLowerCase()) || isText || k === 'token') out[k] = maskLeaf(v);
      else out[k] = walk(v, k, keep, secrets);
    }
    return out;
  }
  if (typeof value === 'string') {
    if (key !== null && JSON_TEXT_KEYS.has(key)) {
      const parsed = tryJson(value);
      if (parsed !== undefined) return JSON.stringify(walk(withoutTokenIfRecord(parsed), null, keep, secrets));
    }
    return hasSecret(value, secrets) || EMAIL.test(value) ? MASK : value;
  }
  return value;
}

/** Every leaf value masked; keys (the survey's field names) kept, so the shape of the profile stays visible. */
function maskAll(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskAll);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]));
  return value === null || value === undefined ? value : MASK;
}

function maskLeaf(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value) || isRecord(value)) return maskAll(value);
  return MASK;
}

function tryJson(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}
