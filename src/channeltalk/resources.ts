// The Open API resources the service manages or reads besides messages:
// webhooks (webhook.Webhook), the opened user chats list, user events. Answers
// are checked with zod, leniently: unknown fields are kept and ignored, a
// field of an unexpected type counts as missing, and only what the service
// cannot do without (an id, a list) makes the answer unreadable.
import { z } from 'zod';

import { WEBHOOK_SCOPES, type WebhookScope } from './webhook-scopes.js';

export { WEBHOOK_SCOPES, type WebhookScope };

export function isWebhookScope(s: string): s is WebhookScope {
  return (WEBHOOK_SCOPES as readonly string[]).includes(s);
}

/** What POST and PATCH /webhooks take: the whole webhook.Webhook, read-only fields left out. */
export interface WebhookBody {
  name: string;
  url: string;
  scopes: WebhookScope[];
  apiVersion: string;
  /** Writable: false unblocks a webhook Channel Talk has blocked. */
  blocked?: boolean;
  /** Deprecated keyword filter; sent only to keep one that exists. */
  keywords?: string[];
}

const IdText = z.union([z.string().min(1), z.number()]).transform(String);
const lenient = <T extends z.ZodType>(shape: T) => shape.optional().catch(undefined);

export const WebhookSchema = z.looseObject({
  id: IdText,
  channelId: lenient(IdText),
  name: z.string().catch(''),
  url: z.string().catch(''),
  /** Read-only: made by Channel Talk. */
  token: lenient(z.string()),
  // A scope this code does not know yet is kept as text, never refused.
  scopes: z.array(z.string()).catch([]),
  keywords: lenient(z.array(z.string())),
  apiVersion: lenient(z.string()),
  blocked: lenient(z.boolean()),
  /** Read-only, epoch ms: when Channel Talk last blocked it. */
  lastBlockedAt: lenient(z.number()),
  createdAt: lenient(z.number()),
});
export type Webhook = z.infer<typeof WebhookSchema>;

export const WebhookViewSchema = z.looseObject({ webhook: WebhookSchema });
export const WebhooksViewSchema = z.looseObject({
  webhooks: z.array(WebhookSchema),
  /** The createdAt of the next webhook, for `since`. */
  next: lenient(z.number()),
});

/** One listed user chat: the fields the sweep reads; the rest is kept as it came. */
export const ListedUserChatSchema = z.looseObject({
  id: IdText,
  channelId: lenient(IdText),
  userId: lenient(IdText),
  state: lenient(z.string()),
  openedAt: lenient(z.number()),
  createdAt: lenient(z.number()),
});
export type ListedUserChat = z.infer<typeof ListedUserChatSchema>;

export const ListedUserSchema = z.looseObject({
  id: IdText,
  name: lenient(z.string()),
  profile: lenient(z.record(z.string(), z.unknown())),
  language: lenient(z.string()),
});
export type ListedUser = z.infer<typeof ListedUserSchema>;

/** One chat as GET /user-chats/{id} answers: what the takeover check reads (state, assigneeId, teamId). */
export const UserChatViewSchema = z.looseObject({
  userChat: z.looseObject({
    id: IdText,
    state: lenient(z.string()),
    assigneeId: lenient(IdText.nullable()),
    teamId: lenient(IdText.nullable()),
  }),
});
export type UserChatDetail = z.infer<typeof UserChatViewSchema>['userChat'];

export const UserChatsViewSchema = z.looseObject({
  userChats: z.array(z.unknown()),
  users: z.array(z.unknown()).catch([]),
  next: lenient(z.string()),
});

export interface UserChatPage {
  userChats: ListedUserChat[];
  users: ListedUser[];
  /** The cursor for the next page (`since`); absent on the last page. */
  next?: string;
  /** Listed chats without a usable id, left out (users without one are dropped: the user is fetched later). */
  unreadable: number;
}

export type UserChatState = 'opened' | 'snoozed' | 'closed' | 'queued' | 'initial' | 'missed';

export interface UserChatsQuery {
  state: UserChatState;
  sortOrder?: 'asc' | 'desc';
  /** 1 to 500. */
  limit?: number;
  /** A `next` from the previous page: a paging cursor, not a time. */
  since?: string | undefined;
}

export const UserEventSchema = z.looseObject({
  id: lenient(IdText),
  name: z.string(),
  property: lenient(z.record(z.string(), z.unknown())),
  createdAt: lenient(z.number()),
});
export type UserEvent = z.infer<typeof UserEventSchema>;
export const UserEventViewSchema = z.looseObject({ event: UserEventSchema });
export const UserEventsViewSchema = z.looseObject({ events: z.array(z.unknown()), next: lenient(z.string()) });

export interface UserEventsQuery {
  sortOrder: 'asc' | 'desc';
  /** 1 to 500. */
  limit?: number;
  /** A `next` from the previous page. */
  since?: string | undefined;
}

/** Parses an answer; a wrong shape names the endpoint and the first field at fault, never a value. */
export function readAnswer<T>(schema: z.ZodType<T>, data: unknown, endpoint: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(body)';
  throw new Error(`unexpected answer shape from ${endpoint}: ${where} ${issue?.message ?? 'invalid'}`);
}

/** The readable items of a list; the others are counted. */
export function readItems<T>(schema: z.ZodType<T>, items: unknown[]): { items: T[]; unreadable: number } {
  const out: T[] = [];
  let unreadable = 0;
  for (const item of items) {
    const r = schema.safeParse(item);
    if (r.success) out.push(r.data);
    else unreadable++;
  }
  return { items: out, unreadable };
}
