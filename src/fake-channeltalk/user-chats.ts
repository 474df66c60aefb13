// The fake's user chats: opened through the control API (a customer starts a
// chat), listed through GET /open/v5/user-chats like the real ones (newest
// first, `since` a paging cursor and not a time), and announced to the
// registered webhooks as `userChat.opened` deliveries.
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
  openedAt: number;
  createdAt: number;
  updatedAt: number;
}

export interface ChatPage {
  userChats: FakeUserChat[];
  next?: string;
}

/** Newest first by openedAt (asc reverses it); the cursor is the last item's position, opaque to clients. */
export function pageUserChats(all: FakeUserChat[], q: { state: ChatState; sortOrder: 'asc' | 'desc'; limit: number; since: string | null }): ChatPage | 'bad cursor' {
  const dir = q.sortOrder === 'asc' ? 1 : -1;
  const sorted = all
    .filter((c) => c.state === q.state)
    .sort((a, b) => dir * (a.openedAt - b.openedAt) || dir * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let start = 0;
  if (q.since !== null) {
    const pos = decodeCursor(q.since);
    if (pos === null) return 'bad cursor';
    const after = sorted.findIndex((c) => dir * (c.openedAt - pos.at) > 0 || (c.openedAt === pos.at && dir * (c.id < pos.id ? -1 : c.id > pos.id ? 1 : 0) > 0));
    start = after === -1 ? sorted.length : after;
  }
  const userChats = sorted.slice(start, start + q.limit);
  const last = userChats[userChats.length - 1];
  const more = start + q.limit < sorted.length;
  return { userChats, ...(more && last ? { next: encodeCursor(last) } : {}) };
}

function encodeCursor(c: FakeUserChat): string {
  return Buffer.from(JSON.stringify([c.openedAt, c.id])).toString('base64url');
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
