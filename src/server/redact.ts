// Masks what identifies or describes the customer in a recorded delivery, and
// keeps what routing needs: ids, kinds, tags, bot ids, person types.
//
// A delivery is untrusted input of up to the body limit, so the walk is
// bounded and never holds the event loop: each string is scanned once, in
// linear time (value-kinds.ts), and only up to a length; a delivery gets a
// budget of characters scanned, values visited and nesting depth, past which
// values are masked whole unscanned; and the walk yields to the loop
// (setImmediate) every chunk of work.
import { valueKind } from './value-kinds.js';
import { idOrNull } from '../channeltalk/ids.js';

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

// What is masked is decided by field and by kind of value:
// - whole subtrees of customer data (profiles, custom payloads): every value
//   masked, keys (the survey's field names) kept;
// - fields that name, reach or describe a person, free text, and what a
//   customer typed or chose (form input values and the options offered with
//   them, which are strings holding the chosen answer; log values): masked whole;
// - user tags (a diagnosis, say) masked; a chat's tags kept, for routing, and
//   so are the values of a log of a chat's tags (addTags, removeTags);
// - ids, kinds and timestamps kept, for routing and dedupe, but only when
//   they have the shape of one (an id: channeltalk/ids.ts; a kind: a short
//   dotted word) and hold no phone number, date or e-mail; else masked;
// - keys kept when they are field names (a short word); any other key (raw
//   JSON posted as a form becomes one) is masked, and its value with it;
// - any other text holding something that looks like an e-mail, phone
//   number, date or long digit run (value-kinds.ts) masked whole, and so is a
//   number of 8 digits or more.
const PROFILE_KEYS = new Set(['profile', 'profileOnce', 'mediumProfile', 'customPayload']);
const MASKED_KEYS = new Set(
  [
    // Who the person is and how to reach them.
    'name',
    'firstName',
    'lastName',
    'fullName',
    'nickname',
    'email',
    'mobileNumber',
    'landlineNumber',
    'phoneNumber',
    'phone',
    'avatarUrl',
    'address',
    'postcode',
    'zipCode',
    'city',
    'province',
    'ip',
    'latitude',
    'longitude',
    'memberId',
    'mediumId',
    'mediumKey',
    'contactKey',
    // Free text.
    'memo',
    'memos',
    'description',
    'note',
    'notes',
    'comment',
    'comments',
    'title',
    'summary',
    'text',
    'content',
    'subject',
    // What the customer entered or chose: form inputs, profile bot answers, log values (tag names, new names).
    'value',
    'values',
    // Tags of a user (never of a chat: see tagsAreKept).
    'userImportTags',
    // A secret, should a delivery ever carry one.
    'token',
  ].map((k) => k.toLowerCase()),
);
// Kept when they look like what they are: what routing, dedupe and file names need.
const ID_KEYS = new Set(['id', 'chatKey', 'mainKey', 'threadKey']);
function isIdKey(k: string): boolean {
  // ids (chatId, personId, requestId, managerIds...), but a member id is the shop's own name for the person.
  return ID_KEYS.has(k) || (/[a-z]Ids?$/.test(k) && k !== 'memberId');
}
const KIND_KEYS = new Set(['bindingKey', 'event', 'type', 'state', 'personType', 'chatType', 'language', 'action', 'dataType', 'mediumType']);
/** A kind: `userChat.opened`, `user.profile.weight`, `multiSelect`, `ko`. */
const KIND_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** A field name: `entity`, `profile`, `number_dining`, `user.profile.weight` as a key. Anything else is masked. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/**
 * An id as a recording may keep it: the shape of an id (channeltalk/ids.ts)
 * and no phone number or date in it (a long digit run is what real ids
 * hold: "6a1b2c3d4e5f60718293"). Null when it is no such id.
 */
export function recordableId(v: unknown): string | null {
  const id = idOrNull(v);
  if (id === null) return null;
  const kind = valueKind(id);
  return kind === null || kind === 'digits' ? id : null;
}

/** A kind as a recording may keep it: a short dotted word with no personal kind of value in it. */
export function recordableKind(v: unknown): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v);
  return KIND_PATTERN.test(s) && valueKind(s) === null ? s : null;
}
/** Event timestamps (createdAt, openedAt...): numbers kept. */
function isTimestampKey(k: string): boolean {
  return /[a-z]At$/.test(k);
}
// Legacy form posts carry the delivery, or its parts, as JSON text in one of these.
const JSON_TEXT_KEYS = new Set(['entity', 'refers', 'payload', 'body', 'data', 'json']);
/** A number this long may be a phone number. */
const LONG_NUMBER = 1e7;

/** Which Channel Talk model an object is, so that `tags` can be told apart (a chat's are kept, a user's masked). */
type Model = 'message' | 'userChat' | 'user' | 'other';
const MODEL_OF_KEY: Record<string, Model> = {
  user: 'user',
  users: 'user',
  member: 'user',
  lead: 'user',
  userChat: 'userChat',
  userChats: 'userChat',
  message: 'message',
  messages: 'message',
  manager: 'other',
  managers: 'other',
  bot: 'other',
  bots: 'other',
};

/** The model of an envelope's entity, from either reading of the envelope (see channeltalk/normalize.ts). */
function entityModel(envelope: Record<string, unknown>): Model {
  const event = typeof envelope.event === 'string' ? envelope.event : '';
  if (event.startsWith('message.')) return 'message';
  if (event.startsWith('userChat.')) return 'userChat';
  if (event.startsWith('member.') || event.startsWith('lead.')) return 'user';
  const type = typeof envelope.type === 'string' ? envelope.type.toLowerCase() : '';
  if (type === 'message') return 'message';
  if (type === 'userchat') return 'userChat';
  if (type === 'user') return 'user';
  return 'other';
}

type Mode = 'redact' | 'raw';
/** `walk` applies the field rules; `all` masks every scalar below, keeping keys; `id` and `kind` keep scalars of that shape, masking the rest. */
type How = 'walk' | 'all' | 'id' | 'kind';

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

  async value(v: unknown, key: string | null, depth: number, how: How, model: Model = 'other'): Promise<unknown> {
    await this.spend(1, 0);
    if (this.nodes > this.limits.maxNodes) return `[masked: over ${this.limits.maxNodes} values]`;
    if (depth > this.limits.maxDepth) return `[masked: nested deeper than ${this.limits.maxDepth}]`;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) out.push(await this.value(item, key, depth + 1, how, model));
      return out;
    }
    if (isRecord(v)) return this.object(v, depth, how === 'all' ? 'all' : 'walk', model);
    if (v === null || v === undefined || typeof v === 'boolean') return v;
    switch (how) {
      case 'all':
        return MASK;
      case 'id':
        return this.routing(v, recordableId);
      case 'kind':
        return this.routing(v, recordableKind);
      case 'walk':
        return typeof v === 'string' ? this.string(v, key, depth, model) : this.number(v, key);
    }
  }

  private async object(o: Record<string, unknown>, depth: number, how: 'walk' | 'all', model: Model): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const ctx: FieldContext = {
      model,
      // A text or code block's value is message text, which may be a trigger keyword.
      isTextBlock: o.type === 'text' || o.type === 'code',
      isFormInput: typeof o.bindingKey === 'string',
      entity: 'entity' in o ? entityModel(o) : 'other',
      isChatTagLog: typeof o.action === 'string' && /^(addTags|removeTags)$/i.test(o.action),
    };
    let n = 0;
    for (const [k, v] of Object.entries(o)) {
      const name = this.keyName(k, ++n);
      // A masked key is no field we know: its value is masked with it.
      const value = how === 'all' || name !== k ? await this.value(v, null, depth + 1, 'all') : await this.field(k, v, ctx, depth + 1);
      // defineProperty: a "__proto__" key (possible in parsed JSON text) stays a plain field.
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /**
   * A key as written: a field name stays; any other key (the whole delivery,
   * when raw JSON is posted as a form) is masked, numbered so the object
   * keeps its keys apart. Raw, only a key holding a secret is masked.
   */
  private keyName(k: string, n: number): string {
    const masked = `[masked key ${n}: ${k.length} chars]`;
    if (this.hasSecret(k)) return masked;
    if (this.mode === 'raw') return k;
    // The pattern stops at 64 characters, so only a short key is scanned.
    return FIELD_NAME.test(k) && valueKind(k) === null ? k : masked;
  }

  private async field(k: string, v: unknown, ctx: FieldContext, depth: number): Promise<unknown> {
    const childModel = k === 'entity' ? ctx.entity : (MODEL_OF_KEY[k] ?? ctx.model);
    if (k === 'token') return this.value(v, k, depth, 'all');
    if (this.mode === 'raw') return this.value(v, k, depth, 'walk', childModel);
    const isText = (ctx.isTextBlock && k === 'value') || k === 'plainText';
    if (isText && typeof v === 'string' && v.length <= this.limits.maxScanChars && this.keep.has(v.trim()) && !this.hasSecret(v)) return v;
    const isChoice = ctx.isFormInput && k === 'options';
    // A chat's tags added or removed (a log's `values`, masked for any other log) route like the chat's own.
    if (k === 'values' && ctx.isChatTagLog) return this.value(v, k, depth, 'walk');
    if (isText || isChoice || PROFILE_KEYS.has(k) || MASKED_KEYS.has(k.toLowerCase())) return this.value(v, k, depth, 'all');
    // A chat's tags route (trigger conditions): scanned like any text, so a tag holding a phone number is masked.
    if (k === 'tags') return this.value(v, k, depth, ctx.model === 'userChat' ? 'walk' : 'all');
    // `message` is a model in `refers`, but text where a string.
    if (k === 'message' && typeof v === 'string') return MASK;
    if (isIdKey(k)) return this.value(v, k, depth, 'id', childModel);
    if (KIND_KEYS.has(k)) return this.value(v, k, depth, 'kind', childModel);
    return this.value(v, k, depth, 'walk', childModel);
  }

  /** An id or a kind: kept when it has the shape of one and holds no secret, else masked. */
  private routing(v: unknown, shape: (v: unknown) => string | null): unknown {
    if (typeof v === 'string' && v.length > this.limits.maxScanChars) return maskedText(v.length);
    const s = shape(v);
    return s === null || this.hasSecret(s) ? MASK : v;
  }

  private number(v: unknown, key: string | null): unknown {
    if (this.mode === 'raw' || typeof v !== 'number') return v;
    if (key !== null && isTimestampKey(key)) return v;
    return Math.abs(v) >= LONG_NUMBER ? MASK : v;
  }

  private async string(s: string, key: string | null, depth: number, model: Model): Promise<unknown> {
    if (key !== null && JSON_TEXT_KEYS.has(key)) {
      const parsed = this.jsonText(s);
      if (parsed !== undefined) return JSON.stringify(await this.value(withoutToken(parsed), null, depth, 'walk', model));
      // Not JSON: text of unknown meaning.
      if (this.mode === 'redact') return MASK;
    }
    if (this.mode === 'raw') return this.hasSecret(s) ? MASK : s;
    if (s.length > this.limits.maxScanChars || this.scanned + s.length > this.limits.maxScanTotal) return maskedText(s.length);
    this.scanned += s.length;
    await this.spend(0, s.length);
    return this.hasSecret(s) || valueKind(s) !== null ? MASK : s;
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

interface FieldContext {
  /** The model of the object the field is in. */
  model: Model;
  isTextBlock: boolean;
  /** A form's input: its `options` are the survey's answers, the chosen one among them. */
  isFormInput: boolean;
  /** The model of this object's `entity`, when the object is an envelope. */
  entity: Model;
  /** A log of a chat's tags (`addTags`, `removeTags`): its `values` are a chat's tags, which route. */
  isChatTagLog: boolean;
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
