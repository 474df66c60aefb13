// Everything the fake Channel Talk remembers, readable in-process by tests and
// over HTTP through /_fake/received.
import { FaultInjector } from './faults.js';
import { FixedWindowLimiter } from './rate-limit.js';
import type { ChatListOrder, FakeUserChat } from './user-chats.js';
import { WebhookRegistry, type DeliveryRecord } from './webhooks.js';

export interface RecordedMessage {
  id: string;
  /** Arrival order across all chats and channels, from 1. */
  seq: number;
  channelId: string;
  chatId: string;
  body: Record<string, unknown>;
  botName: string | null;
  requestId: string | null;
  /** Epoch ms with sub-millisecond precision, to measure pacing. */
  receivedAt: number;
  createdAt: number;
  /** Goes up when the message changes in place (a submitted form); absent until then. */
  version?: number;
}

export interface RejectedRecord {
  /** null when no answer was sent (dropped or abandoned stall). */
  status: number | null;
  path: string;
  reason: string;
  at: number;
}

export interface CloseRecord {
  channelId: string;
  chatId: string;
  botName: string;
  at: number;
}

export interface ProfilePatchRecord {
  channelId: string;
  userId: string;
  profile: Record<string, unknown>;
  at: number;
}

export interface FakeUser {
  id: string;
  name?: string;
  profile: Record<string, unknown>;
  language?: string;
  tags?: string[];
  blocked?: boolean;
  unsubscribeEmail?: boolean;
  unsubscribeTexting?: boolean;
}

export interface UserEventRecord {
  id: string;
  channelId: string;
  userId: string;
  name: string;
  property: Record<string, unknown>;
  createdAt: number;
}

export class FakeState {
  messages: RecordedMessage[] = [];
  rejected: RejectedRecord[] = [];
  duplicateRequestIds = 0;
  /** Answers by status code, plus 'dropped' and 'stalled' for requests that got none. */
  requests: Record<string, number> = {};
  closes: CloseRecord[] = [];
  profilePatches: ProfilePatchRecord[] = [];
  /** Every GET /users/{id} answered with the user, in order. */
  userReads: Array<{ channelId: string; userId: string; at: number }> = [];
  users = new Map<string, FakeUser>();
  /** Chats by id; opened through the control API, listed by GET /user-chats. */
  userChats = new Map<string, FakeUserChat>();
  /** GET /user-chats's order: by last activity unless a test asks for openedAt. */
  chatListOrder: ChatListOrder = 'lastActivity';
  userEvents: UserEventRecord[] = [];
  readonly webhooks = new WebhookRegistry();
  readonly faults = new FaultInjector();
  readonly rateLimit = new FixedWindowLimiter();
  private seq = 0;
  /** requestId lookups are per send; a linear search made the fake itself the bottleneck of large runs. */
  private readonly byRequestId = new Map<string, RecordedMessage>();

  reset(): void {
    this.messages = [];
    this.byRequestId.clear();
    this.rejected = [];
    this.duplicateRequestIds = 0;
    this.requests = {};
    this.closes = [];
    this.profilePatches = [];
    this.userReads = [];
    this.users.clear();
    this.userChats.clear();
    this.chatListOrder = 'lastActivity';
    this.userEvents = [];
    this.webhooks.reset();
    this.faults.configure({});
    this.rateLimit.configure(null);
    this.seq = 0;
  }

  countRequest(outcome: number | 'dropped' | 'stalled'): void {
    const key = String(outcome);
    this.requests[key] = (this.requests[key] ?? 0) + 1;
  }

  findByRequestId(channelId: string, chatId: string, requestId: string): RecordedMessage | undefined {
    return this.byRequestId.get(requestKey(channelId, chatId, requestId));
  }

  recordMessage(init: Omit<RecordedMessage, 'id' | 'seq' | 'receivedAt' | 'createdAt'>): RecordedMessage {
    this.seq++;
    const receivedAt = performance.timeOrigin + performance.now();
    const m: RecordedMessage = {
      ...init,
      id: `fa4e${this.seq.toString(16).padStart(20, '0')}`,
      seq: this.seq,
      receivedAt,
      createdAt: Math.floor(receivedAt),
    };
    this.messages.push(m);
    if (m.requestId !== null) {
      const key = requestKey(m.channelId, m.chatId, m.requestId);
      if (!this.byRequestId.has(key)) this.byRequestId.set(key, m);
    }
    return m;
  }

  chatMessages(channelId: string, chatId: string): RecordedMessage[] {
    return this.messages.filter((m) => m.channelId === channelId && m.chatId === chatId);
  }

  isClosed(channelId: string, chatId: string): boolean {
    return this.closes.some((c) => c.channelId === channelId && c.chatId === chatId);
  }

  received(filter: { chatId?: string | undefined; channelId?: string | undefined } = {}): ReceivedSnapshot {
    const keep = <T extends { chatId?: string; channelId: string }>(r: T): boolean =>
      (filter.chatId === undefined || r.chatId === filter.chatId) &&
      (filter.channelId === undefined || r.channelId === filter.channelId);
    return {
      messages: this.messages.filter(keep),
      totalMessages: this.messages.length,
      rejected: [...this.rejected],
      duplicateRequestIds: this.duplicateRequestIds,
      requests: { ...this.requests },
      rateLimited: this.requests['429'] ?? 0,
      closes: this.closes.filter(keep),
      profilePatches: this.profilePatches.filter((p) => filter.channelId === undefined || p.channelId === filter.channelId),
      userEvents: this.userEvents.filter((e) => filter.channelId === undefined || e.channelId === filter.channelId),
      deliveries: [...this.webhooks.deliveries],
    };
  }
}

const requestKey = (channelId: string, chatId: string, requestId: string) => JSON.stringify([channelId, chatId, requestId]);

export interface ReceivedSnapshot {
  messages: RecordedMessage[];
  /** Every message accepted, whatever the filter: a cheap count for a load that waits for them. */
  totalMessages: number;
  rejected: RejectedRecord[];
  duplicateRequestIds: number;
  requests: Record<string, number>;
  /** 429 answers, from the limiter and from injected faults. */
  rateLimited: number;
  closes: CloseRecord[];
  profilePatches: ProfilePatchRecord[];
  userEvents: UserEventRecord[];
  /** Webhook deliveries the fake made (or dropped on purpose). */
  deliveries: DeliveryRecord[];
}
