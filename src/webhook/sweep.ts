// Reconciliation: Channel Talk documents no retry for webhooks and has had
// outages, so a delivery can be lost for good. The sweep pages through the
// opened user chats and for each one no stored event covers, starts what its
// `userChat.opened` delivery would have started.
//
// It goes through the same door as the webhook: the listed chat is wrapped in
// the delivery's envelope, read by the same normalize(), and handed to the
// intake, so the dedupe key is the webhook path's own (`<channelId>/chatOpened:<chatId>`).
// A delivery that arrives after the sweep is a duplicate and starts nothing;
// a sweep after the delivery finds the event and starts nothing.
// Openings only: a lost message delivery (a customer's keyword, the addTags
// log a chatTagged curation starts on) is not in the chat list.
//
// No source documents the list's order (it may be by last activity, not by
// openedAt), so the sweep never stops at an old chat: it reads the list to
// its end, skipping chats opened before `coveredUntil - overlapMs` (or older
// than maxAgeMs), within a budget of maxPages pages. When the budget runs
// out it hands back its cursor, and the next sweep goes on from there; a
// cursor that repeats stops it (Channel Talk going round in circles).
// Only a sweep that read the whole list by itself covers anything new: over
// a pass spread across sweeps a chat may move up past the cursor unseen.
//
// It reads at most `pageLimit` chats of a page, whatever the page holds, so
// one sweep looks at (and starts runs for) at most pageLimit × maxPages
// chats; what it leaves unread is counted (`dropped`), and such a sweep
// covers nothing new and carries no cursor.
//
// `since` is a paging cursor, not a time. The overlap looks again at the last
// minutes already covered because the two clocks differ (openedAt is Channel
// Talk's, coveredUntil ours) and a chat opened just before the previous sweep
// may not have been listed yet when it paged; what it finds again is already
// stored and costs one lookup.
import type { ChatOpenedEvent, Event } from '../channeltalk/event.js';
import type { Words } from '../words.js';
import { channelTalkErrorWords } from '../channeltalk/error-words.js';
import type { ListedUserChat, UserChatPage, UserChatsQuery } from '../channeltalk/resources.js';
import type { CallOptions } from '../channeltalk/transformers/types.js';

export interface SweepDeps {
  client: { listUserChats(q: UserChatsQuery, opts?: CallOptions): Promise<UserChatPage> };
  /** Epoch ms up to which an earlier complete sweep covered the chats; null: none did (this process just started). */
  coveredUntil: number | null;
  /** Where the previous sweep's page budget ran out: this one goes on from there. Absent or null: from the top. */
  cursor?: string | null;
  /** Whether the event is stored (the webhook's or an earlier sweep's), by its dedupe key in its channel. */
  hasEvent(event: ChatOpenedEvent): Promise<boolean>;
  /** The intake, with the channel's curations: commits the event and the runs it starts. */
  accept(event: ChatOpenedEvent): Promise<{ duplicate: boolean; runs: Array<{ runId: string }> }>;
  /** The project's normalize(), the webhook route's own. */
  normalize(body: unknown): Event;
  now(): number;
  /** Chats per page: small, so each call is cheap and live sends get turns between them. No more are read, whatever a page holds. */
  pageLimit: number;
  /** The page budget of one sweep; one that runs out of it hands back its cursor and covers nothing new. */
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
  /** startedAt when the sweep read the whole list from its top by itself; else the coveredUntil it was given. */
  coveredUntil: number | null;
  complete: boolean;
  /** Where the page budget ran out: the next sweep goes on from there. null: it reached the end, or must start again from the top. */
  cursor: string | null;
  /** It went on from the cursor an earlier sweep handed back, not from the top. */
  resumed: boolean;
  /** Channel Talk answered a cursor the sweep had already read from: it stopped there. */
  repeatedCursor: boolean;
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
  /** Why the sweep stopped early (Channel Talk unreachable, the store down); ids only. */
  error?: string;
  /** The same as catalogue words (error-words.ts), for the overview's sweep card. */
  errorWords?: Words;
}

export async function sweepOpenedChats(deps: SweepDeps): Promise<SweepResult> {
  const startedAt = deps.now();
  const floor = startedAt - deps.maxAgeMs;
  const stopAt = deps.coveredUntil === null ? floor : Math.max(floor, deps.coveredUntil - deps.overlapMs);
  const resumed = deps.cursor ?? undefined;
  const r: SweepResult = { startedAt, stopAt, coveredUntil: deps.coveredUntil, complete: false, cursor: null, resumed: resumed !== undefined, repeatedCursor: false, pages: 0, scanned: 0, recovered: [], skipped: [], late: 0, dropped: 0 };
  const opts: CallOptions = { priority: 'background', ...deps.callOptions };
  let since = resumed;
  const seen = new Set<string>(resumed !== undefined ? [resumed] : []);
  let reachedEnd = false;
  try {
    while (r.pages < deps.maxPages) {
      if (r.pages > 0) await deps.pause?.();
      const page = await deps.client.listUserChats({ state: 'opened', sortOrder: 'desc', limit: deps.pageLimit, since }, opts);
      r.pages++;
      await readPage(deps, r, page, stopAt);
      if (page.next === undefined) {
        reachedEnd = true;
        break;
      }
      if (seen.has(page.next)) {
        r.repeatedCursor = true;
        break;
      }
      seen.add(page.next);
      since = page.next;
    }
    // The budget ran out mid-list: the next sweep goes on from here. Not after dropped chats: those it must read again.
    if (!reachedEnd && !r.repeatedCursor && r.dropped === 0) r.cursor = since ?? null;
  } catch (err) {
    r.error = err instanceof Error ? err.message.slice(0, 300) : 'unknown error';
    r.errorWords = channelTalkErrorWords(err);
  }
  // Covered: the whole list, from its top, read in this sweep with nothing left unread.
  r.complete = reachedEnd && resumed === undefined && r.dropped === 0 && r.error === undefined;
  if (r.complete) r.coveredUntil = startedAt;
  return r;
}

/** Why a sweep left part of the list unread (logged, counted in /metrics), or null when it read to the end. */
export type SweepShortfall = 'error' | 'dropped' | 'repeated_cursor' | 'budget';

export function shortfallOf(r: Pick<SweepResult, 'error' | 'dropped' | 'repeatedCursor' | 'cursor'>): SweepShortfall | null {
  if (r.error !== undefined) return 'error';
  if (r.dropped > 0) return 'dropped';
  if (r.repeatedCursor) return 'repeated_cursor';
  if (r.cursor !== null) return 'budget';
  return null;
}

/** Every chat of the page within the limit: those opened before stopAt are covered (or too old); the rest are considered. */
async function readPage(deps: SweepDeps, r: SweepResult, page: UserChatPage, stopAt: number): Promise<void> {
  const { chats, unreadable, dropped } = withinLimit(page, deps.pageLimit);
  r.dropped += dropped;
  for (let i = 0; i < unreadable; i++) r.skipped.push({ chatId: null, reason: 'a listed chat without a usable id' });
  const users = new Map(page.users.map((u) => [u.id, u]));
  for (const chat of chats) {
    const at = chat.openedAt ?? chat.createdAt;
    // Not a reason to stop: a list by last activity holds newer chats after older ones.
    if (at !== undefined && at < stopAt) continue;
    r.scanned++;
    await consider(deps, r, chat, chat.userId !== undefined ? users.get(chat.userId) : undefined);
  }
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
  // It happened when the chat opened, not now: a curation's `now` is that moment (a listed chat's
  // updatedAt, which normalize() falls back to, is its last activity).
  const occurredAt = chat.openedAt ?? chat.createdAt ?? event.occurredAt;
  const outcome = await deps.accept({ ...event, occurredAt, recoveredBy: 'sweep' });
  if (outcome.duplicate) {
    r.late++;
    return;
  }
  r.recovered.push({ chatId: event.chatId, runs: outcome.runs.map((x) => x.runId) });
}
