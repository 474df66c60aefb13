// Reconciliation: Channel Talk documents no retry for webhooks and has had
// outages, so a delivery can be lost for good. The sweep pages through the
// opened user chats, newest first, and for each one no stored event covers,
// starts what its `userChat.opened` delivery would have started.
//
// It goes through the same door as the webhook: the listed chat is wrapped in
// the delivery's envelope, read by the same normalize(), and handed to the
// intake, so the dedupe key is the webhook path's own (`<channelId>/chatOpened:<chatId>`).
// A delivery that arrives after the sweep is a duplicate and starts nothing;
// a sweep after the delivery finds the event and starts nothing.
//
// It reads at most `pageLimit` chats of a page, whatever the page holds, so
// one sweep looks at (and starts runs for) at most pageLimit × maxPages
// chats; what it leaves unread is counted (`dropped`), and such a sweep
// covers nothing new.
//
// `since` is a paging cursor, not a time. The sweep stops at the first page
// holding a chat opened before `coveredUntil - overlapMs`. The overlap looks
// again at the last minutes already covered because the two clocks differ
// (openedAt is Channel Talk's, coveredUntil ours) and a chat opened just
// before the previous sweep may not have been listed yet when it paged; what
// it finds again is already stored and costs one lookup.
import type { ChatOpenedEvent, Event } from '../channeltalk/event.js';
import type { ListedUserChat, UserChatPage, UserChatsQuery } from '../channeltalk/resources.js';
import type { CallOptions } from '../channeltalk/transformers/types.js';

export interface SweepDeps {
  client: { listUserChats(q: UserChatsQuery, opts?: CallOptions): Promise<UserChatPage> };
  /** Epoch ms up to which an earlier complete sweep covered the chats; null: none did (this process just started). */
  coveredUntil: number | null;
  /** Whether the event is stored (the webhook's or an earlier sweep's), by its dedupe key in its channel. */
  hasEvent(event: ChatOpenedEvent): Promise<boolean>;
  /** The intake, with the channel's curations: commits the event and the runs it starts. */
  accept(event: ChatOpenedEvent): Promise<{ duplicate: boolean; runs: Array<{ runId: string }> }>;
  /** The project's normalize(), the webhook route's own. */
  normalize(body: unknown): Event;
  now(): number;
  /** Chats per page: small, so each call is cheap and live sends get turns between them. No more are read, whatever a page holds. */
  pageLimit: number;
  /** The most pages one sweep reads; a sweep that stops there is incomplete and covers nothing new. */
  maxPages: number;
  /** How far before coveredUntil to look again. */
  overlapMs: number;
  /** Chats opened longer ago than this are never recovered (a customer who waited that long gets no late sequence). */
  maxAgeMs: number;
  /** Awaited between two pages, to leave the event loop and the rate limit to live traffic. */
  pause?: () => Promise<void>;
  /** A chat a manager already answered is not started late; optional (it costs a call per recovered chat). */
  takenOver?: (chat: ListedUserChat) => Promise<boolean>;
  /** For the list calls; default priority 'background'. */
  callOptions?: CallOptions;
}

export interface RecoveredChat {
  chatId: string;
  /** Runs the recovered event started (none when no curation matched it). */
  runs: string[];
}

export interface SweepResult {
  /** When this sweep started listing (epoch ms). */
  startedAt: number;
  /** Chats opened before this were not looked at. */
  stopAt: number;
  /** startedAt when the sweep reached stopAt or the end of the list; else the coveredUntil it was given. */
  coveredUntil: number | null;
  complete: boolean;
  pages: number;
  /** Chats opened since stopAt that were looked at. */
  scanned: number;
  recovered: RecoveredChat[];
  /** Chats not started, with why (a manager already wrote, not readable as a chat opened). */
  skipped: Array<{ chatId: string | null; reason: string }>;
  /** Chats whose delivery arrived while the sweep was at them (the intake called them duplicates). */
  late: number;
  /** Listed chats beyond the page's limit, left unread (Channel Talk sent more than asked). */
  dropped: number;
  /** Listed chats newer than the one before them: Channel Talk's order was not newest first (logged). */
  outOfOrder: number;
  /** Why the sweep stopped early (Channel Talk unreachable, the store down); ids only. */
  error?: string;
}

export async function sweepOpenedChats(deps: SweepDeps): Promise<SweepResult> {
  const startedAt = deps.now();
  const floor = startedAt - deps.maxAgeMs;
  const stopAt = deps.coveredUntil === null ? floor : Math.max(floor, deps.coveredUntil - deps.overlapMs);
  const r: SweepResult = { startedAt, stopAt, coveredUntil: deps.coveredUntil, complete: false, pages: 0, scanned: 0, recovered: [], skipped: [], late: 0, dropped: 0, outOfOrder: 0 };
  const opts: CallOptions = { priority: 'background', ...deps.callOptions };
  let since: string | undefined;
  let previous: number | undefined;
  try {
    while (r.pages < deps.maxPages) {
      if (r.pages > 0) await deps.pause?.();
      const page = await deps.client.listUserChats({ state: 'opened', sortOrder: 'desc', limit: deps.pageLimit, since }, opts);
      r.pages++;
      const { chats, unreadable, dropped } = withinLimit(page, deps.pageLimit);
      r.dropped += dropped;
      for (let i = 0; i < unreadable; i++) r.skipped.push({ chatId: null, reason: 'a listed chat without a usable id' });
      const users = new Map(page.users.map((u) => [u.id, u]));
      let reachedStop = false;
      for (const chat of chats) {
        const at = chat.openedAt ?? chat.createdAt;
        if (at !== undefined && previous !== undefined && at > previous) r.outOfOrder++;
        if (at !== undefined) previous = at;
        // Older than the covered point: covered. The rest of the page is still read, in case the order is loose.
        if (at !== undefined && at < stopAt) {
          reachedStop = true;
          continue;
        }
        r.scanned++;
        await consider(deps, r, chat, chat.userId !== undefined ? users.get(chat.userId) : undefined);
      }
      if (reachedStop || page.next === undefined) {
        r.complete = true;
        break;
      }
      since = page.next;
    }
  } catch (err) {
    r.error = err instanceof Error ? err.message.slice(0, 300) : 'unknown error';
    r.complete = false;
  }
  // Chats left unread may be missed deliveries: a sweep that dropped any has not covered its window.
  if (r.dropped > 0) r.complete = false;
  if (r.complete) r.coveredUntil = startedAt;
  return r;
}

/**
 * At most `limit` listed chats of a page, readable ones first in the order
 * listed, then the unreadable ones counted: Channel Talk may send more than
 * was asked (a page of 5,000 for 25 once started 1,000 runs in one sweep),
 * and a sweep's work is bounded by what it asks for (pageLimit × maxPages).
 */
function withinLimit(page: UserChatPage, limit: number): { chats: ListedUserChat[]; unreadable: number; dropped: number } {
  const chats = page.userChats.slice(0, limit);
  const unreadable = Math.min(page.unreadable, limit - chats.length);
  return { chats, unreadable, dropped: page.userChats.length - chats.length + page.unreadable - unreadable };
}

async function consider(deps: SweepDeps, r: SweepResult, chat: ListedUserChat, user: unknown): Promise<void> {
  // The envelope of a `userChat.opened` delivery, so that normalize() reads it exactly as it reads the webhook's.
  const envelope = { event: 'push', type: 'userChat', entity: chat, refers: user !== undefined ? { user } : {} };
  let event: Event;
  try {
    event = deps.normalize(envelope);
  } catch (err) {
    r.skipped.push({ chatId: chat.id, reason: `not readable as a delivery: ${err instanceof Error ? err.message : 'unknown'}` });
    return;
  }
  if (event.kind !== 'chatOpened') {
    r.skipped.push({ chatId: chat.id, reason: event.kind === 'ignored' ? event.reason : `read as ${event.kind}, not a chat opened` });
    return;
  }
  if (await deps.hasEvent(event)) return;
  if (deps.takenOver && (await deps.takenOver(chat))) {
    r.skipped.push({ chatId: event.chatId, reason: 'a manager has already written in the chat' });
    return;
  }
  // Marked in the stored event (the console's timeline says so); the dedupe key stays the webhook's.
  const outcome = await deps.accept({ ...event, recoveredBy: 'sweep' });
  if (outcome.duplicate) {
    r.late++;
    return;
  }
  r.recovered.push({ chatId: event.chatId, runs: outcome.runs.map((x) => x.runId) });
}
