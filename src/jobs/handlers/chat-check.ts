// The takeover check before each message (issue 17 item 3). No webhook scope
// delivers a chat's close, snooze or assignment, so before a message is sent
// the chat is read (GET /user-chats/{id}), unless this instance read it less
// than TAKEOVER_CHECK_SECONDS ago and found it clear. A desk change thus stops
// a sequence within that time plus one message; the cost is at most one read
// per chat per interval, counted in /metrics.
import type { UserChatDetail } from '../../channeltalk/resources.js';
import type { ChatCheckStop } from '../../curation/types.js';
import { reason, reasonWords, type Reason, type ReasonCode } from '../../curation/reason-words.js';

/** Which of a curation's stops the chat shows, first found in this order; null when none. */
export function stopOf(chat: UserChatDetail, stops: readonly ChatCheckStop[]): ChatCheckStop | null {
  const state = chat.state?.toLowerCase();
  const found: Record<ChatCheckStop, boolean> = {
    closed: state === 'closed' || state === 'solved',
    snoozed: state === 'snoozed',
    assigned: typeof chat.assigneeId === 'string' && chat.assigneeId !== '',
    team: typeof chat.teamId === 'string' && chat.teamId !== '',
  };
  return stops.find((s) => found[s]) ?? null;
}

/** How the run shows why it stopped. */
export function stopReason(stop: ChatCheckStop, seq: number): string {
  return stopReasonOf(stop, seq).text;
}

/** The same, with its catalogue words for the console. */
export function stopReasonOf(stop: ChatCheckStop, seq: number): Reason {
  const what: Record<ChatCheckStop, [string, ReasonCode]> = {
    closed: ['chat closed', 'takeoverClosed'],
    snoozed: ['chat snoozed', 'takeoverSnoozed'],
    assigned: ['chat assigned', 'takeoverAssigned'],
    team: ['chat given to a team', 'takeoverTeam'],
  };
  const [text, code] = what[stop];
  return reason(`human takeover: ${text} (read before message ${seq + 1})`, reasonWords(code, { n: seq + 1 }));
}

/** When each chat was last read and found clear, per instance; entries older than the interval are dropped as the map grows. */
export class ChatReadCache {
  private readonly clearAt = new Map<string, number>();
  constructor(private readonly maxAgeMs: number) {}

  fresh(key: string, now: number): boolean {
    const at = this.clearAt.get(key);
    return at !== undefined && now - at < this.maxAgeMs;
  }

  noteClear(key: string, now: number): void {
    if (this.maxAgeMs <= 0) return;
    if (this.clearAt.size >= 10_000) for (const [k, at] of this.clearAt) if (now - at >= this.maxAgeMs) this.clearAt.delete(k);
    this.clearAt.set(key, now);
  }
}

/** What stopsByVersion asks of a run: its curation, and the version it was planned with (null: the live set's). */
export interface RunCurationRef {
  channel_id: string | null;
  curation_id: string;
  curation_version: string | null;
}

/**
 * A run's chat-read stops, kept per curation version. A version's text never
 * changes once written, so its stops are looked up once, not before every
 * message: each look read the version's whole source from the database (a
 * third of the SQLite time of a send's chat read, issue 21). A run with no
 * version follows its channel's live set, which a publish changes, so it is
 * asked each time; a version not found (undefined) is not kept. At most
 * `max` versions are kept, the oldest dropped first.
 */
export function stopsByVersion(
  stopsOf: (run: RunCurationRef) => Promise<readonly ChatCheckStop[] | undefined>,
  max = 256,
): (run: RunCurationRef) => Promise<readonly ChatCheckStop[]> {
  const kept = new Map<string, readonly ChatCheckStop[]>();
  return async (run) => {
    const version = run.curation_version;
    const hit = version === null ? undefined : kept.get(version);
    if (hit) return hit;
    const stops = await stopsOf(run);
    if (stops === undefined) return [];
    if (version !== null) {
      if (kept.size >= max) kept.delete(kept.keys().next().value!);
      kept.set(version, stops);
    }
    return stops;
  };
}
