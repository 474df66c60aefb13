// Turns one webhook delivery into an Event. Channel Talk's envelope comes in
// two readings (`type` naming the model, or `event` holding the scope name),
// ids are sometimes numbers, and old payloads carry extra fields: accept all
// of that, and reject only what cannot be acted on at all.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Event, RawProfile } from './event.js';

export class MalformedDeliveryError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MalformedDeliveryError';
  }
}

const id = z.union([z.string().min(1), z.number()]).transform(String);
const optId = id.optional().catch(undefined);
const loose = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape);

const SupportBot = loose({ id: optId }).optional().catch(undefined);
const UserChatShape = loose({
  id: optId,
  channelId: optId,
  userId: optId,
  state: z.string().optional().catch(undefined),
  assigneeId: optId,
  tags: z.array(z.string()).optional().catch(undefined),
  source: loose({ supportBot: SupportBot }).optional().catch(undefined),
});
const UserShape = loose({
  id: optId,
  name: z.string().optional().catch(undefined),
  language: z.string().optional().catch(undefined),
  profile: z.record(z.string(), z.unknown()).optional().catch(undefined),
});
const MessageShape = loose({
  id: optId,
  channelId: optId,
  chatType: z.string().optional().catch(undefined),
  chatId: optId,
  personType: z.string().optional().catch(undefined),
  personId: optId,
  plainText: z.string().optional().catch(undefined),
  blocks: z.array(loose({ type: z.string().optional(), value: z.string().optional() })).optional().catch(undefined),
  language: z.string().optional().catch(undefined),
  createdAt: z.number().optional().catch(undefined),
  supportBot: SupportBot,
});

const Envelope = z.looseObject({
  event: z.string().optional(),
  type: z.string().optional(),
  entity: z.record(z.string(), z.unknown(), { error: 'entity must be an object' }),
  refers: z
    .looseObject({
      user: UserShape.optional().catch(undefined),
      userChat: UserChatShape.optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

type Model = 'message' | 'userchat' | 'user' | 'other';

/** Which model the delivery is about, from either envelope reading. */
function modelOf(type: string | undefined, event: string | undefined): { model: Model; scope: string | null } {
  const scope = event && event.includes('.') ? event : null;
  if (scope) {
    if (scope === 'message.created.userChat') return { model: 'message', scope };
    if (scope === 'userChat.opened') return { model: 'userchat', scope };
    return { model: 'other', scope };
  }
  const t = type?.toLowerCase();
  if (t === 'message') return { model: 'message', scope: null };
  if (t === 'userchat') return { model: 'userchat', scope: null };
  if (t === 'user') return { model: 'user', scope: null };
  return { model: 'other', scope: null };
}

export function normalize(body: unknown): Event {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new MalformedDeliveryError('the body must be a JSON object with event, type and entity');
  }
  const parsed = Envelope.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    throw new MalformedDeliveryError(
      issue?.code === 'invalid_type' && issue.path[0] === 'entity' && !('entity' in body)
        ? 'the delivery has no entity'
        : `${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const env = parsed.data;
  if (env.type === undefined && env.event === undefined) {
    throw new MalformedDeliveryError('the delivery has neither type nor event, so its model is unknown');
  }
  const { model, scope } = modelOf(env.type, env.event);
  const user = env.refers?.user;
  const referredChat = env.refers?.userChat;
  const profile = profileOf(user);
  const language = user?.language ?? null;

  if (model === 'message') {
    const msg = MessageShape.parse(env.entity);
    if (msg.id === undefined) throw new MalformedDeliveryError('entity.id: a message needs an id');
    const base = {
      channelId: msg.channelId ?? referredChat?.channelId ?? null,
      chatId: msg.chatId ?? null,
      userId: referredChat?.userId ?? user?.id ?? null,
      chatTags: referredChat?.tags ?? [],
      supportBotId: referredChat?.source?.supportBot?.id ?? msg.supportBot?.id ?? null,
      profile,
      language: language ?? msg.language ?? null,
      occurredAt: msg.createdAt ?? null,
    };
    if (msg.chatType !== undefined && msg.chatType !== 'userChat') {
      return ignored(`message:${msg.id}`, base, `message in a ${msg.chatType} chat, not a user chat`);
    }
    if (msg.chatId === undefined) throw new MalformedDeliveryError('entity.chatId: a user chat message needs a chatId');
    const chatId = msg.chatId;
    switch (msg.personType) {
      case 'user':
        return {
          ...base,
          kind: 'userMessage',
          dedupeKey: `userMessage:${msg.id}`,
          chatId,
          userId: base.userId ?? msg.personId ?? null,
          messageId: msg.id,
          text: textOf(msg.plainText, msg.blocks),
        };
      case 'manager':
        return { ...base, kind: 'managerMessage', dedupeKey: `managerMessage:${msg.id}`, chatId, messageId: msg.id, personId: msg.personId ?? null };
      case 'bot':
        return { ...base, kind: 'botMessage', dedupeKey: `botMessage:${msg.id}`, chatId, messageId: msg.id, personId: msg.personId ?? null };
      default:
        return ignored(`message:${msg.id}`, base, `message from personType ${msg.personType ?? '(none)'}`);
    }
  }

  if (model === 'userchat') {
    const chat = UserChatShape.parse(env.entity);
    if (chat.id === undefined) throw new MalformedDeliveryError('entity.id: a user chat needs an id');
    const base = {
      channelId: chat.channelId ?? null,
      chatId: chat.id,
      userId: chat.userId ?? user?.id ?? null,
      chatTags: chat.tags ?? [],
      supportBotId: chat.source?.supportBot?.id ?? null,
      profile,
      language,
      occurredAt: numberField(env.entity, 'openedAt') ?? numberField(env.entity, 'updatedAt') ?? null,
    };
    const state = chat.state?.toLowerCase();
    if (state === 'closed' || state === 'solved') {
      return { ...base, kind: 'chatClosed', dedupeKey: `chatClosed:${chat.id}:${base.occurredAt ?? ''}` };
    }
    if (state === 'assigned') {
      return { ...base, kind: 'chatAssigned', dedupeKey: `chatAssigned:${chat.id}:${chat.assigneeId ?? ''}`, assigneeId: chat.assigneeId ?? null };
    }
    if (state === undefined || state === 'opened' || scope === 'userChat.opened') {
      return { ...base, kind: 'chatOpened', dedupeKey: `chatOpened:${chat.id}` };
    }
    return ignored(`userChat:${chat.id}:${state}`, base, `user chat in state ${state}`);
  }

  const entityId = typeof env.entity.id === 'string' || typeof env.entity.id === 'number' ? String(env.entity.id) : null;
  const what = scope ?? env.type ?? 'unknown';
  return ignored(
    `${what}:${entityId ?? digest(body)}`,
    {
      channelId: typeof env.entity.channelId === 'string' ? env.entity.channelId : null,
      chatId: null,
      userId: user?.id ?? null,
      chatTags: [],
      supportBotId: null,
      profile: null,
      language,
      occurredAt: null,
    },
    `deliveries of ${what} are not acted on`,
  );
}

type Base = Omit<Event, 'kind' | 'dedupeKey'>;

function ignored(key: string, base: Base, reason: string): Event {
  // Ignored events keep no profile: we will never read it, so we never store it.
  return { ...base, profile: null, kind: 'ignored', dedupeKey: `ignored:${key}`, reason };
}

function profileOf(user: z.infer<typeof UserShape> | undefined): RawProfile | null {
  if (!user?.profile) return null;
  const profile: RawProfile = { ...user.profile };
  if (profile.name === undefined && user.name !== undefined) profile.name = user.name;
  return profile;
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

function digest(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24);
}
