// Records raw webhook deliveries as files, so a real day's traffic can be
// replayed against a test instance (`curation replay`). Masking is in
// redact.ts. Recording runs after the request, one delivery at a time, in
// bounded chunks, so it never holds up webhooks or /healthz.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MASK, recordableId, redactDelivery, scrubDelivery, withoutToken, type RedactionLimits } from './redact.js';

export { MASK };

export interface RecordedDelivery {
  recordedAt: string;
  route: string;
  /** The query string without the token. */
  query: Record<string, unknown>;
  redacted: boolean;
  body: unknown;
}

export interface RecorderOptions {
  /**
   * Texts that stay readable when redacting: a customer message that is
   * exactly one of them (the curations' trigger keywords) is no personal
   * data, and masking it would stop the replay from triggering anything.
   */
  keepTexts?: () => Iterable<string>;
  /** Deliveries waiting to be recorded, past which a new one is refused (not recorded) rather than held in memory. */
  maxPending?: number;
  limits?: Partial<RedactionLimits>;
}

const DEFAULT_MAX_PENDING = 64;

export class DeliveryRecorder {
  private ready: Promise<void> | null = null;
  /** Keeps arrival order among deliveries recorded within the same millisecond. */
  private seq = 0;
  private pending = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly redact: boolean,
    private readonly opts: RecorderOptions = {},
  ) {}

  /**
   * Queues one delivery; resolves once its file is written. Returns at once:
   * the work starts on a later turn of the event loop.
   */
  record(route: string, query: Record<string, unknown>, body: unknown): Promise<void> {
    const max = this.opts.maxPending ?? DEFAULT_MAX_PENDING;
    if (this.pending >= max) {
      return Promise.reject(new Error(`recorder busy: ${this.pending} deliveries waiting; this one was not recorded`));
    }
    this.pending++;
    // Time and sequence of arrival, not of writing, so files sort in arrival order.
    const recordedAt = new Date().toISOString();
    this.seq = (this.seq + 1) % 10_000;
    const seq = this.seq;
    const job = this.tail
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => this.write(recordedAt, seq, route, query, body))
      .finally(() => {
        this.pending--;
      });
    this.tail = job.catch(() => undefined);
    return job;
  }

  /** Resolves when every queued delivery has been written (or failed). */
  idle(): Promise<void> {
    return this.tail;
  }

  private async write(recordedAt: string, seq: number, route: string, query: Record<string, unknown>, body: unknown): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    await this.ready;
    // The token is the webhook's password: never written, whether it came in the
    // query, in a legacy GET (whose query is its body) or in a form field.
    const secrets = tokenValues(query.token);
    const bareQuery = withoutToken(query) as Record<string, unknown>;
    const bare = body === query ? bareQuery : withoutToken(body);
    const keep = new Set([...(this.opts.keepTexts?.() ?? [])].map((t) => t.trim()));
    const clean = (v: unknown) => (this.redact ? redactDelivery(v, { keepTexts: keep, secrets, limits: this.opts.limits ?? {} }) : scrubDelivery(v, secrets, this.opts.limits));
    const cleanQuery = (await clean(bareQuery)) as Record<string, unknown>;
    const entry: RecordedDelivery = {
      recordedAt,
      // A route pattern has no query; a raw URL (the fallback) would carry the token in it.
      route: route.split('?')[0] ?? route,
      query: cleanQuery,
      redacted: this.redact,
      // A legacy GET's body is its query: masked once, so the two stay equal and the replay sends a GET.
      body: bare === bareQuery ? cleanQuery : await clean(bare),
    };
    const name = fileNameFor(entry, bare, seq);
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
 * repeated deliveries apart from new ones at a glance. The type and the id
 * come from the recorded (masked) body and only when they are ids
 * (redact.ts recordableId): a file name is listed where its content is not.
 */
export function fileNameFor(entry: Pick<RecordedDelivery, 'recordedAt' | 'route' | 'body'>, rawBody: unknown, seq = 0): string {
  const stamp = entry.recordedAt.replace(/[-:]/g, '');
  const hash = createHash('sha256').update(JSON.stringify(rawBody ?? null)).digest('hex').slice(0, 8);
  const b = isRecord(entry.body) ? entry.body : {};
  const entity = isRecord(b.entity) ? b.entity : {};
  const type = recordableId(b.type) ?? recordableId(entry.route.replace(/^\/+/, '').split('/').pop()) ?? 'delivery';
  const id = recordableId(entity.id);
  return `${stamp}-${String(seq).padStart(4, '0')}-${type.slice(0, 40)}${id ? `-${id.slice(0, 40)}` : ''}-${hash}.json`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The token(s) a delivery was sent with (a repeated `?token=` arrives as a list). */
function tokenValues(v: unknown): string[] {
  const all: unknown[] = Array.isArray(v) ? v : [v];
  return all.filter((t): t is string => typeof t === 'string' && t.length > 0);
}
