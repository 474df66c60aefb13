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

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses `value` (found at `where`, e.g. `entity`); a failure names the first field at fault, never its value. */
export function parsePart<T>(shape: z.ZodType<T>, value: unknown, where: string): Parsed<T> {
  const r = shape.safeParse(isRecord(value) ? value : {});
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const path = [where, ...(issue?.path ?? []).map(String)].join('.');
  return { ok: false, reason: `${path}: ${issue?.message ?? ID_RULE}` };
}
