// The fake's user chats: opened through the control API (a customer starts a
// chat), listed through GET /open/v5/user-chats (`since` a paging cursor and
// not a time), and announced to the registered webhooks as `userChat.opened`
// deliveries. No source documents the list's order; the fake lists by last
// activity, most recent first, as the record suggests (a chat opened long ago
// that a customer wrote in just now comes first). `openedAt`, the kinder order
// older tests were written against, is a switch (POST /_fake/user-chats/config).
import type { FakeUser } from './state.js';

export type ChatState = 'opened' | 'snoozed' | 'closed' | 'queued' | 'initial' | 'missed';
export const CHAT_STATES: readonly ChatState[] = ['opened', 'snoozed', 'closed', 'queued', 'initial', 'missed'];

export interface FakeUserChat {
  id: string;
  channelId: string;
  userId: string;
  state: ChatState;
  tags: string[];
  source?: Record<string, unknown>;
  assigneeId?: string;
  /** Given to a team from the desk: Channel Talk sets teamId with no assigneeId. */
  teamId?: string;
  openedAt: number;
  createdAt: number;
  updatedAt: number;
  /** The last time someone wrote in the chat (its opening, a message): the list's default order. */
  lastActivityAt: number;
}

/** What GET /user-chats orders by: `lastActivity` (default, strict) or `openedAt` (the kinder order, opt-in). */
export type ChatListOrder = 'lastActivity' | 'openedAt';

export interface ChatPage {
  userChats: FakeUserChat[];
  next?: string;
}

/** Most recent first by the order's key (asc reverses it); the cursor is the last item's position, opaque to clients. */
export function pageUserChats(
  all: FakeUserChat[],
  q: { state: ChatState; sortOrder: 'asc' | 'desc'; limit: number; since: string | null; order?: ChatListOrder },
): ChatPage | 'bad cursor' {
  const dir = q.sortOrder === 'asc' ? 1 : -1;
  const key = (c: FakeUserChat): number => (q.order === 'openedAt' ? c.openedAt : c.lastActivityAt);
  const cmp = (at: number, id: string, pos: { at: number; id: string }): number => dir * (at - pos.at) || dir * (id < pos.id ? -1 : id > pos.id ? 1 : 0);
  const sorted = all.filter((c) => c.state === q.state).sort((a, b) => cmp(key(a), a.id, { at: key(b), id: b.id }));
  let start = 0;
  if (q.since !== null) {
    const pos = decodeCursor(q.since);
    if (pos === null) return 'bad cursor';
    const after = sorted.findIndex((c) => cmp(key(c), c.id, pos) > 0);
    start = after === -1 ? sorted.length : after;
  }
  const userChats = sorted.slice(start, start + q.limit);
  const last = userChats[userChats.length - 1];
  const more = start + q.limit < sorted.length;
  return { userChats, ...(more && last ? { next: encodeCursor(key(last), last.id) } : {}) };
}

function encodeCursor(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(s: string): { at: number; id: string } | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return { at: v[0], id: v[1] };
  } catch {
    // fall through: not a cursor this API gave out
  }
  return null;
}

export function userChatView(c: FakeUserChat): Record<string, unknown> {
  return {
    id: c.id,
    channelId: c.channelId,
    userId: c.userId,
    state: c.state,
    managed: c.assigneeId !== undefined,
    tags: c.tags,
    ...(c.source ? { source: c.source } : {}),
    ...(c.assigneeId ? { assigneeId: c.assigneeId, managerIds: [c.assigneeId] } : {}),
    ...(c.teamId ? { teamId: c.teamId } : {}),
    openedAt: c.openedAt,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export function userView(u: FakeUser, channelId: string): Record<string, unknown> {
  return {
    id: u.id,
    channelId,
    type: 'member',
    ...(u.name !== undefined ? { name: u.name } : {}),
    profile: u.profile,
    ...(u.language !== undefined ? { language: u.language } : {}),
    ...(u.tags !== undefined ? { tags: u.tags } : {}),
  };
}

/** A `userChat.opened` delivery, shaped like the captures in test/fixtures/webhooks/. */
export function chatOpenedDelivery(c: FakeUserChat, user: FakeUser | undefined): Record<string, unknown> {
  return {
    event: 'push',
    type: 'userChat',
    entity: userChatView(c),
    refers: user ? { user: userView(user, c.channelId) } : {},
  };
}
