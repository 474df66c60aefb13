// Turns one webhook delivery into an Event. Channel Talk's envelope comes in
// two readings (`type` naming the model, or `event` holding the scope name),
// ids are sometimes numbers, and old payloads carry extra fields and an older
// vocabulary: accept all of that.
//
// Only a body that is not a delivery envelope at all is refused (400). A
// delivery we cannot act on (no id, an id that is not one, a model we do not
// handle) becomes an `ignored` event, answered 2xx: Channel Talk counts every
// 4xx/5xx as a failed delivery and blocks the webhook after 100 in a row.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { profileWithName, type Event, type IgnoredEvent, type RawProfile, type WorkflowSource } from './event.js';
import { idOrNull, isOwnRequestId } from './ids.js';
import { valueOutOfBounds } from './body-bounds.js';
import { changeOf, decideChat, stateOf } from './chat-state.js';
import { isAddTags, readTagLog } from './tags.js';
import { fastPathOn, isPlainObject, messagePart, refersPart, type LogPart, userChatPart, userEntityPart, parsePart, type Parsed, type UserChatPart, type UserPart } from './delivery-shapes.js';
import { words, type Words } from '../words.js';

export class MalformedDeliveryError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MalformedDeliveryError';
  }
}

const Envelope = z.looseObject({
  event: z.string().optional(),
  type: z.string().optional(),
  entity: z.record(z.string(), z.unknown(), { error: 'entity must be an object' }),
  refers: z.unknown().optional(),
});
type Envelope = z.infer<typeof Envelope>;

type Model = 'message' | 'userchat' | 'user' | 'other';

/** Which model the delivery is about, from either envelope reading. */
function modelOf(type: string | undefined, event: string | undefined): { model: Model; scope: string | null } {
  const scope = event && event.includes('.') ? event : null;
  if (scope) {
    if (scope === 'message.created.userChat') return { model: 'message', scope };
    if (scope === 'userChat.opened') return { model: 'userchat', scope };
    if (/^(lead|member)\./.test(scope)) return { model: 'user', scope };
    return { model: 'other', scope };
  }
  const t = type?.toLowerCase();
  if (t === 'message') return { model: 'message', scope: null };
  if (t === 'userchat') return { model: 'userchat', scope: null };
  if (t === 'user') return { model: 'user', scope: null };
  return { model: 'other', scope: null };
}

export interface NormalizeOptions {
  /** The body was already checked against body-bounds.ts's limits (its JSON text was, before parsing): not walked again. */
  bounded?: boolean;
}

export function normalize(body: unknown, opts: NormalizeOptions = {}): Event {
  const env = envelopeOf(body, opts.bounded === true);
  const { model, scope } = modelOf(env.type, env.event);
  switch (model) {
    case 'message':
      return fromMessage(env, body);
    case 'userchat':
      return fromUserChat(env, scope, body);
    case 'user':
      return isProfileChange(env.event, scope) ? fromUserUpsert(env, body) : notActedOn(env, model, scope, body);
    case 'other':
      return notActedOn(env, model, scope, body);
  }
}

/** The envelope, or MalformedDeliveryError when the body is not one at all. */
function envelopeOf(body: unknown, bounded: boolean): Envelope {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MalformedDeliveryError('the body must be a JSON object with event, type and entity');
  }
  // Before anything that recurses or copies (zod, the stored event's JSON.stringify, the hash of an unusable body): see body-bounds.ts.
  const outOfBounds = bounded ? null : valueOutOfBounds(body);
  if (outOfBounds !== null) throw new MalformedDeliveryError(outOfBounds);
  const env = fastPathOn() && plainEnvelope(body) ? body : zodEnvelope(body);
  if (env.type === undefined && env.event === undefined) {
    throw new MalformedDeliveryError('the delivery has neither type nor event, so its model is unknown');
  }
  return env;
}

/** The envelope as zod reads it, or the error that names its first fault. */
function zodEnvelope(body: object): Envelope {
  const parsed = Envelope.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') || 'body';
  throw new MalformedDeliveryError(
    issue?.code === 'invalid_type' && issue.path[0] === 'entity' && !('entity' in body)
      ? 'the delivery has no entity'
      : `${where}: ${issue?.message ?? 'invalid'}`,
  );
}

/**
 * The envelope as zod would return it, without zod's copy (delivery-shapes.ts,
 * "the fast path"): event and type strings or absent, entity a plain object.
 * Anything else goes through zod, which words the error.
 */
function plainEnvelope(body: object): body is Envelope {
  const b = body as Record<string, unknown>;
  return isPlainObject(b) && (b.event === undefined || typeof b.event === 'string') && (b.type === undefined || typeof b.type === 'string') && isPlainObject(b.entity);
}

type Base = Omit<IgnoredEvent, 'kind' | 'dedupeKey' | 'reason' | 'unusable'>;

function fromMessage(env: Envelope, body: unknown): Event {
  const refers = parsePart(refersPart, env.refers, 'refers');
  const parsed = parsePart(messagePart, env.entity, 'entity');
  if (!parsed.ok || !refers.ok) return unusable('message', body, firstProblem(parsed, refers), env.entity, 'chatId');
  const msg = parsed.value;
  if (msg.id === undefined) return unusable('message', body, 'entity.id: a message needs an id', env.entity, 'chatId');
  const { user, userChat } = refers.value;
  const base: Base = {
    channelId: msg.channelId ?? userChat?.channelId ?? null,
    chatId: msg.chatId ?? null,
    userId: userChat?.userId ?? user?.id ?? null,
    chatTags: userChat?.tags ?? [],
    supportBotId: supportBotOf(userChat) ?? msg.supportBot?.id ?? null,
    workflow: workflowOf(userChat),
    profile: profileOf(user),
    language: user?.language ?? msg.language ?? null,
    occurredAt: msg.createdAt ?? null,
  };
  if (msg.chatType !== undefined && msg.chatType.toLowerCase() !== 'userchat') {
    return ignored(`message:${msg.id}`, base, `message in a ${label(msg.chatType)} chat, not a user chat`, words('ignored.chatType', { chatType: label(msg.chatType) }));
  }
  if (msg.chatId === undefined) return unusable('message', body, 'entity.chatId: a user chat message needs a chatId', env.entity, 'chatId');
  const chatId = msg.chatId;
  // The customer submitted the message's form: its answers are in the profile now. Whoever posted the form, it is the customer's act.
  if (msg.form?.submittedAt !== undefined) {
    if (base.userId === null) return ignored(`form:${msg.id}:${msg.form.submittedAt}`, base, 'a submitted form without the user it belongs to (refers.userChat.userId or refers.user.id)', words('ignored.formNoUser'));
    const keys = (msg.form.inputs ?? []).flatMap((i) => {
      const m = /^user\.profile\.(.+)$/.exec(i.bindingKey ?? '');
      return m?.[1] !== undefined ? [m[1]] : [];
    });
    return { ...base, kind: 'profileChanged', dedupeKey: `profileChanged:form:${msg.id}:${msg.form.submittedAt}`, chatId, userId: base.userId, via: 'formSubmitted', keys };
  }
  const person = personOf(msg.personType);
  const tagged = msg.log !== undefined && isAddTags(msg.log) ? fromTagLog(msg.id, msg.log, base, chatId, person === 'manager', userChat?.state) : null;
  if (tagged !== null) return tagged;
  const logged = msg.log === undefined ? null : fromLog(msg.id, msg.log, base, chatId, userChat?.assigneeId);
  if (logged !== null) return logged;
  switch (person) {
    case 'user': {
      const system = systemMessageOf(msg, env.entity);
      if (system !== null) return ignored(`message:${msg.id}`, base, `${system.text} is not the customer writing`, words('ignored.notCustomer', { what: [system.words] }));
      return {
        ...base,
        kind: 'userMessage',
        dedupeKey: `userMessage:${msg.id}`,
        chatId,
        userId: base.userId ?? msg.personId ?? null,
        messageId: msg.id,
        text: textOf(msg.plainText, msg.blocks),
      };
    }
    case 'manager':
      // A message we sent with actAsManager comes back as a manager's: it carries our requestId.
      if (msg.requestId !== undefined && isOwnRequestId(msg.requestId)) {
        return ignored(`message:${msg.id}`, base, 'our own message echoed back (actAsManager; the requestId is ours), not a manager taking over', words('ignored.ownEcho'));
      }
      return { ...base, kind: 'managerMessage', dedupeKey: `managerMessage:${msg.id}`, chatId, messageId: msg.id, personId: msg.personId ?? null };
    case 'bot':
      return { ...base, kind: 'botMessage', dedupeKey: `botMessage:${msg.id}`, chatId, messageId: msg.id, personId: msg.personId ?? null };
    case null:
      {
      const personType = msg.personType === undefined ? '(none)' : label(msg.personType);
      return ignored(`message:${msg.id}`, base, `message from personType ${personType}`, words('ignored.personType', { personType }));
    }
  }
}

/**
 * A log message that says the desk took the chat (no scope delivers a close
 * or an assignment, but these log messages do arrive): the takeover kinds.
 * Other log actions are left to the person who wrote them (null here).
 */
function fromLog(messageId: string, log: LogPart, base: Base, chatId: string, chatAssignee: string | undefined): Event | null {
  switch (log.action?.toLowerCase()) {
    case 'close':
    case 'snooze':
      return { ...base, kind: 'chatClosed', chatId, dedupeKey: `chatClosed:${chatId}:log:${messageId}` };
    case 'assign':
    case 'assignteam': {
      const assigneeId = idOrNull(log.values?.[0]) ?? chatAssignee ?? null;
      return { ...base, kind: 'chatAssigned', chatId, dedupeKey: `chatAssigned:${chatId}:log:${messageId}`, assigneeId };
    }
    default:
      return null;
  }
}

/** An addTags log (channeltalk/tags.ts): a chatTagged event, ignored, or null to read it as its writer's message. */
function fromTagLog(messageId: string, log: LogPart, base: Base, chatId: string, byManager: boolean, chatState: string | undefined): Event | null {
  const read = readTagLog(log, byManager, stateOf(chatState));
  switch (read.kind) {
    case 'tagged':
      return { ...base, kind: 'chatTagged', dedupeKey: `chatTagged:${messageId}`, chatId, messageId, tags: read.tags, addedBy: read.addedBy };
    case 'ignored':
      return ignored(`message:${messageId}`, base, read.reason, read.words);
    case 'asMessage':
      return null;
  }
}

/**
 * What a message under the customer's name is when it is not the customer
 * writing: a log message (a `log` object, no text), a phone call (`meet`, no
 * text) or a sticker (a system text). Null for the customer's own words, and
 * for a support-bot button click, which is the customer's choice.
 */
function systemMessageOf(msg: { log?: LogPart | undefined }, entity: Record<string, unknown>): { text: string; words: Words } | null {
  if (msg.log !== undefined) {
    const action = label(msg.log.action ?? '(no action)');
    return { text: `a log message (${action})`, words: words('ignored.logMessage', { action }) };
  }
  if (entity.meet !== undefined && entity.meet !== null) return { text: 'a phone call (meet)', words: words('ignored.meet') };
  if (entity.sticker !== undefined && entity.sticker !== null) return { text: 'a sticker', words: words('ignored.sticker') };
  return null;
}

/** Who wrote a message; the older vocabulary called an anonymous customer a "Veil". */
function personOf(personType: string | undefined): 'user' | 'manager' | 'bot' | null {
  switch (personType?.toLowerCase()) {
    case 'user':
    case 'veil':
      return 'user';
    case 'manager':
      return 'manager';
    case 'bot':
      return 'bot';
    default:
      return null;
  }
}

function fromUserChat(env: Envelope, scope: string | null, body: unknown): Event {
  const refers = parsePart(refersPart, env.refers, 'refers');
  const parsed = parsePart(userChatPart, env.entity, 'entity');
  if (!parsed.ok || !refers.ok) return unusable('userChat', body, firstProblem(parsed, refers), env.entity, 'id');
  const chat = parsed.value;
  if (chat.id === undefined) return unusable('userChat', body, 'entity.id: a user chat needs an id', env.entity, 'id');
  const user = refers.value.user;
  const base: Base = {
    channelId: chat.channelId ?? null,
    chatId: chat.id,
    userId: chat.userId ?? user?.id ?? null,
    chatTags: chat.tags ?? [],
    supportBotId: supportBotOf(chat),
    workflow: workflowOf(chat),
    profile: profileOf(user),
    language: user?.language ?? null,
    occurredAt: numberField(env.entity, 'openedAt') ?? numberField(env.entity, 'updatedAt') ?? null,
  };
  const decision = decideChat({
    change: changeOf(env.event),
    openedScope: scope === 'userChat.opened',
    state: stateOf(chat.state),
    stateLabel: chat.state === undefined ? '(none)' : label(chat.state),
    assigned: chat.assigneeId !== undefined,
  });
  switch (decision.kind) {
    case 'chatOpened':
      return { ...base, kind: 'chatOpened', chatId: chat.id, dedupeKey: `chatOpened:${chat.id}` };
    case 'chatAssigned':
      return { ...base, kind: 'chatAssigned', chatId: chat.id, dedupeKey: `chatAssigned:${chat.id}:${chat.assigneeId ?? ''}`, assigneeId: chat.assigneeId ?? null };
    case 'chatClosed':
      return { ...base, kind: 'chatClosed', chatId: chat.id, dedupeKey: `chatClosed:${chat.id}:${decision.deleted ? 'deleted' : (base.occurredAt ?? '')}` };
    case 'ignored':
      return ignored(`userChat:${chat.id}:${label(chat.state ?? '')}:${label(env.event ?? '')}`, base, decision.reason, decision.words);
  }
}

/**
 * A user's contact upsert, in either reading: the scope (`lead.upserted.contact`,
 * `member.upserted.contact`) or a User model that was upserted or updated.
 * Subscription changes, deletions and a bare push are not profile changes.
 */
function isProfileChange(event: string | undefined, scope: string | null): boolean {
  if (scope !== null) return scope === 'lead.upserted.contact' || scope === 'member.upserted.contact';
  return event === 'upsert' || event === 'update';
}

function fromUserUpsert(env: Envelope, body: unknown): Event {
  const parsed = parsePart(userEntityPart, env.entity, 'entity');
  const user = parsed.ok ? parsed.value : null;
  if (user?.id === undefined) {
    const reason = parsed.ok ? 'entity.id: a user upsert needs the user id' : parsed.reason;
    const event = ignored(`user:unusable:${digest(body)}`, { channelId: idOrNull(env.entity.channelId), chatId: null, userId: null, chatTags: [], supportBotId: null, workflow: null, profile: null, language: null, occurredAt: null }, reason);
    return { ...event, unusable: true };
  }
  // No delivery id: the user's own version of itself tells two upserts apart, else their content does.
  const version = user.updatedAt ?? (user.version !== undefined ? `v${user.version}` : digest(body));
  return {
    kind: 'profileChanged',
    dedupeKey: `profileChanged:user:${user.id}:${version}`,
    channelId: user.channelId ?? null,
    chatId: null,
    userId: user.id,
    chatTags: [],
    supportBotId: null,
    workflow: null,
    profile: profileOf(user),
    language: user.language ?? null,
    occurredAt: user.updatedAt ?? null,
    via: 'userUpsert',
    keys: [],
  };
}

/** Models we do not act on (users, leads, members, team chats, anything new): recorded as ignored. */
function notActedOn(env: Envelope, model: 'user' | 'other', scope: string | null, body: unknown): Event {
  const entityId = idOrNull(env.entity.id);
  const what = label(scope ?? env.type ?? 'unknown');
  return ignored(`${what}:${entityId ?? digest(body)}`, {
    channelId: idOrNull(env.entity.channelId),
    chatId: null,
    // For lead and member deliveries the entity is the User.
    userId: model === 'user' ? entityId : idOrNull(field(field(env.refers, 'user'), 'id')),
    chatTags: [],
    supportBotId: null,
    workflow: null,
    profile: null,
    language: null,
    occurredAt: null,
  }, `deliveries of ${what} are not acted on`, words('ignored.notActedOn', { what }));
}

function ignored(key: string, base: Base, reason: string, said?: Words): IgnoredEvent {
  // Ignored events keep no profile: we will never read it, so we never store it.
  return { ...base, profile: null, kind: 'ignored', dedupeKey: `ignored:${key}`, reason, ...(said ? { words: said } : {}) };
}

/**
 * A delivery shaped like Channel Talk's that lacks what acting needs. Without a
 * usable entity id it is keyed by a hash of the body, so the same delivery sent
 * again is a duplicate; it keeps only the ids that are valid.
 */
function unusable(what: 'message' | 'userChat', body: unknown, reason: string, entity: Record<string, unknown>, chatKey: 'chatId' | 'id'): IgnoredEvent {
  const event = ignored(
    `${what}:unusable:${digest(body)}`,
    {
      channelId: idOrNull(entity.channelId),
      chatId: idOrNull(entity[chatKey]),
      userId: what === 'userChat' ? idOrNull(entity.userId) : null,
      chatTags: [],
      supportBotId: null,
      workflow: null,
      profile: null,
      language: null,
      occurredAt: null,
    },
    reason,
  );
  return { ...event, unusable: true };
}

function firstProblem(...parts: Array<Parsed<unknown>>): string {
  for (const p of parts) if (!p.ok) return p.reason;
  return 'the delivery could not be read';
}

/** `o[key]` when `o` is an object, else undefined. */
function field(o: unknown, key: string): unknown {
  return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[key] : undefined;
}

function supportBotOf(chat: UserChatPart | undefined): string | null {
  return chat?.source?.supportBot?.id ?? chat?.supportBot?.id ?? null;
}

function workflowOf(chat: UserChatPart | undefined): WorkflowSource | null {
  const wf = chat?.source?.workflow;
  return wf?.id === undefined ? null : { id: wf.id, sectionPath: wf.sectionPath ?? [] };
}

function profileOf(user: UserPart | undefined): RawProfile | null {
  return user?.profile ? profileWithName(user) : null;
}

function textOf(plainText: string | undefined, blocks: Array<{ type?: string | undefined; value?: string | undefined }> | undefined): string {
  if (plainText !== undefined) return plainText;
  return (blocks ?? [])
    .filter((b) => b.type === 'text' && typeof b.value === 'string')
    .map((b) => (b.value ?? '').replace(/<[^>]*>/g, ''))
    .join('\n');
}

function numberField(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A word from the delivery (a state, a type) as it may appear in a reason or a key: anything odd is not repeated. */
function label(s: string): string {
  return /^[A-Za-z0-9_.-]{0,40}$/.test(s) ? s : '(unrecognised)';
}

function digest(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24);
}
