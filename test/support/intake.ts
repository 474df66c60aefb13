// Store tests drive an event all the way in one call: the webhook's record
// (group-committed) and then its planEvent job's startRuns, as the job
// engine would run it, with the job then gone as after a settle.
import type { Store } from '../../src/delivery/store/store.js';
import { startRuns, type IntakeItem, type IntakeOutcome } from '../../src/delivery/store/start-runs.js';
import type { ChatOpenedEvent } from '../../src/channeltalk/event.js';
import type { Plan } from '../../src/curation/plan-types.js';

/** The channel the statement-count tests' chats belong to. */
export const STATEMENT_TEST_CHANNEL = '95334';

/** The `n`th opening of `chatId` in STATEMENT_TEST_CHANNEL. */
export function chatOpened(chatId: string, n: number): ChatOpenedEvent {
  return { kind: 'chatOpened', dedupeKey: `chatOpened:${chatId}:${n}`, channelId: STATEMENT_TEST_CHANNEL, chatId, userId: `user-${chatId}`, chatTags: [], supportBotId: null, profile: null, language: 'ko', occurredAt: null };
}

/** That opening as an intake item with one candidate run, `plan` when it was planned at its start. */
export function openedItem(chatId: string, n: number, runId: string, plan: Plan | null, at: number): IntakeItem {
  return { eventId: `e-${chatId}-${n}`, event: chatOpened(chatId, n), receivedAt: at, takeover: false, candidates: [{ runId, curationId: `c${n}`, oncePerChat: false, cooldownMs: null, plan }] };
}

export async function intake(store: Store, item: IntakeItem): Promise<IntakeOutcome> {
  const recorded = await store.record({
    eventId: item.eventId,
    event: item.event,
    receivedAt: item.receivedAt,
    candidates: item.candidates.map((c) => ({ runId: c.runId, curationId: c.curationId })),
    takeover: item.takeover,
  });
  if (recorded.status !== 'queued') return { eventId: recorded.eventId, duplicate: recorded.duplicate, status: recorded.status, reason: recorded.reason, runs: [], cancelledRuns: 0 };
  const outcome = await store.db.transaction().execute((trx) => startRuns(trx, item, store.timing));
  await store.db.deleteFrom('jobs').where('key', '=', `planEvent:${item.eventId}`).execute();
  return outcome;
}
