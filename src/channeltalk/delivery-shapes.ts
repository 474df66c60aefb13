// The parts of a webhook delivery that normalize() reads, as zod shapes.
// Everything is lenient (a field of an unexpected type counts as missing,
// unknown fields are kept and ignored) except ids: an id that is present
// must be an id (ids.ts), because ids end up in Open API paths.
import { z } from 'zod';
import { ID_PATTERN, ID_RULE } from './ids.js';

const Id = z
  .union([z.string(), z.number()], { error: ID_RULE })
  .transform(String)
  .pipe(z.string().regex(ID_PATTERN, { error: ID_RULE }));

/** Missing (or null, or empty: "no assignee") is fine; present, it must be an id. */
const OptId = z.preprocess((v) => (v === null || v === '' ? undefined : v), Id.optional());

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A nested object: not an object counts as missing; when it is one, its ids are checked. */
const part = <T extends z.ZodType>(shape: T) => z.preprocess((v) => (isRecord(v) ? v : undefined), shape.optional());

/** A field that is dropped when it has another type. */
const lenient = <T extends z.ZodType>(shape: T) => shape.optional().catch(undefined);

/** A list of ids: not a list counts as missing; a list must hold ids only. */
const IdList = z.preprocess((v) => (Array.isArray(v) ? v : undefined), z.array(Id).optional());

export const SupportBotShape = z.looseObject({ id: OptId });
export const WorkflowShape = z.looseObject({ id: OptId, sectionPath: IdList });

export const UserChatShape = z.looseObject({
  id: OptId,
  channelId: OptId,
  userId: OptId,
  state: lenient(z.string()),
  assigneeId: OptId,
  tags: lenient(z.array(z.string())),
  source: part(z.looseObject({ supportBot: part(SupportBotShape), workflow: part(WorkflowShape) })),
  /** Older payloads carry the support bot on the chat itself, not under source. */
  supportBot: part(SupportBotShape),
});

export const UserShape = z.looseObject({
  id: OptId,
  name: lenient(z.string()),
  language: lenient(z.string()),
  profile: lenient(z.record(z.string(), z.unknown())),
});

/** What a message's form says once the customer submitted it; only the bound keys are read, never the values. */
export const SubmittedFormShape = z.looseObject({
  submittedAt: lenient(z.number()),
  inputs: lenient(z.array(z.looseObject({ bindingKey: lenient(z.string()) }))),
});

/** A lead or member delivery: the entity is the User. */
export const UserEntityShape = UserShape.extend({
  channelId: OptId,
  updatedAt: lenient(z.number()),
  version: lenient(z.number()),
});

/** A log message's `log` (`{action, values, triggerType, triggerId}`): what happened in the chat, not text anyone wrote. */
export const LogShape = z.looseObject({
  action: lenient(z.string()),
  values: lenient(z.array(z.unknown())),
  /** Who did it (`manager`, a bot, a Workflow...) and its id: read, never trusted as an id (channeltalk/tags.ts checks them). */
  triggerType: lenient(z.string()),
  triggerId: lenient(z.union([z.string(), z.number()])),
});

export const MessageShape = z.looseObject({
  id: OptId,
  channelId: OptId,
  chatType: lenient(z.string()),
  chatId: OptId,
  personType: lenient(z.string()),
  personId: OptId,
  plainText: lenient(z.string()),
  blocks: lenient(z.array(z.looseObject({ type: z.string().optional(), value: z.string().optional() }))),
  language: lenient(z.string()),
  createdAt: lenient(z.number()),
  supportBot: part(SupportBotShape),
  form: part(SubmittedFormShape),
  /** Ours when it has our form (`${runId}-${seq}`): echoed back on the messages we sent. */
  requestId: lenient(z.string()),
  log: part(LogShape),
});

export const RefersShape = z.looseObject({ user: part(UserShape), userChat: part(UserChatShape) });

export type UserChatPart = z.infer<typeof UserChatShape>;
export type UserPart = z.infer<typeof UserShape>;
export type LogPart = z.infer<typeof LogShape>;

// --- the fast path -----------------------------------------------------------
//
// zod copies every object it parses (about 15 µs of a bot message's 26 µs in
// normalize, issue 21). A part whose every field normalize reads is absent or
// already of its plain type (an id that is an id, a string, a finite number, a
// list of those, a plain object) is what zod would return, key for key: for it
// the delivery's own object is used. Anything else (a null, an id given as a
// number, a field of the wrong type) is left to zod, which decides and words
// the error as before. Each table below mirrors the shape above it; the
// equivalence test (test/channeltalk/normalize-fast-path.test.ts) holds them
// to it over every fixture with every field replaced by values of every kind.

/** True when zod's shape would return `v` unchanged (undefined: the field is absent). */
type Plain = (v: unknown) => boolean;

/** An object as JSON.parse makes it: zod's copy of it is equal to it (no odd prototype, no own `__proto__`). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, '__proto__');
}

const plainId: Plain = (v) => v === undefined || (typeof v === 'string' && ID_PATTERN.test(v));
const plainString: Plain = (v) => v === undefined || typeof v === 'string';
const plainNumber: Plain = (v) => v === undefined || (typeof v === 'number' && Number.isFinite(v));
/** A list of plain values; by index, not `every`, which would skip the holes of a sparse list (zod does not). */
const plainList =
  (each: Plain): Plain =>
  (v) => {
    if (v === undefined) return true;
    if (!Array.isArray(v)) return false;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (x === undefined || !each(x)) return false;
    }
    return true;
  };
const plainRecord: Plain = (v) => v === undefined || isPlainObject(v);

/** A loose object whose listed fields are plain (others are kept as they are, by zod too). */
function plainObject(fields: Record<string, Plain>): (v: Record<string, unknown>) => boolean {
  const entries = Object.entries(fields);
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (const [key, plain] of entries) if (!plain(v[key])) return false;
    return true;
  };
}

/** A nested part (zod: `part(shape)`): absent, or a plain object of plain fields. */
const plainPart = (check: (v: Record<string, unknown>) => boolean): Plain => (v) => v === undefined || (isPlainObject(v) && check(v));

const plainSupportBot = plainObject({ id: plainId });
const plainWorkflow = plainObject({ id: plainId, sectionPath: plainList(plainId) });
const plainUserChat = plainObject({
  id: plainId,
  channelId: plainId,
  userId: plainId,
  state: plainString,
  assigneeId: plainId,
  tags: plainList(plainString),
  source: plainPart(plainObject({ supportBot: plainPart(plainSupportBot), workflow: plainPart(plainWorkflow) })),
  supportBot: plainPart(plainSupportBot),
});
const userFields = { id: plainId, name: plainString, language: plainString, profile: plainRecord };
const plainUser = plainObject(userFields);
const plainUserEntity = plainObject({ ...userFields, channelId: plainId, updatedAt: plainNumber, version: plainNumber });
const plainForm = plainObject({ submittedAt: plainNumber, inputs: plainList(plainPart(plainObject({ bindingKey: plainString }))) });
const plainLog = plainObject({
  action: plainString,
  values: plainList(() => true),
  triggerType: plainString,
  triggerId: (v) => plainString(v) || plainNumber(v),
});
const plainMessage = plainObject({
  id: plainId,
  channelId: plainId,
  chatType: plainString,
  chatId: plainId,
  personType: plainString,
  personId: plainId,
  plainText: plainString,
  blocks: plainList(plainPart(plainObject({ type: plainString, value: plainString }))),
  language: plainString,
  createdAt: plainNumber,
  supportBot: plainPart(plainSupportBot),
  form: plainPart(plainForm),
  requestId: plainString,
  log: plainPart(plainLog),
});
const plainRefers = plainObject({ user: plainPart(plainUser), userChat: plainPart(plainUserChat) });

/** A part of a delivery: its zod shape, and when zod would return an object unchanged. */
export interface Part<T> {
  shape: z.ZodType<T>;
  plain: (v: Record<string, unknown>) => boolean;
}

export const messagePart: Part<z.infer<typeof MessageShape>> = { shape: MessageShape, plain: plainMessage };
export const refersPart: Part<z.infer<typeof RefersShape>> = { shape: RefersShape, plain: plainRefers };
export const userChatPart: Part<UserChatPart> = { shape: UserChatShape, plain: plainUserChat };
export const userEntityPart: Part<z.infer<typeof UserEntityShape>> = { shape: UserEntityShape, plain: plainUserEntity };

let fastPath = true;

/** Off only in the equivalence test, to compare with zod's own result. */
export function useFastPath(on: boolean): void {
  fastPath = on;
}

/** Whether the fast path is on (normalize's envelope uses it too). */
export const fastPathOn = (): boolean => fastPath;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses `value` (found at `where`, e.g. `entity`); a failure names the first field at fault, never its value. */
export function parsePart<T>(part: Part<T>, value: unknown, where: string): Parsed<T> {
  const v = isRecord(value) ? value : {};
  // The cast is what `plain` checks: zod would return this very object, field for field.
  if (fastPath && part.plain(v)) return { ok: true, value: v as T };
  const r = part.shape.safeParse(v);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const path = [where, ...(issue?.path ?? []).map(String)].join('.');
  return { ok: false, reason: `${path}: ${issue?.message ?? ID_RULE}` };
}
