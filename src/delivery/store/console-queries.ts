// Every read the operator console makes, and nothing else: the console never
// writes the delivery tables. Portable across SQLite and PostgreSQL through
// Kysely; anything dialect-sensitive (percentiles) is computed in JS over a
// bounded window.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AttemptsTable, Database, EventsTable, MessagesTable, RunState, RunsTable } from './schema.js';
import { isFinalRunState, OPEN_MESSAGE_STATES, RUN_STATES } from '../run-lifecycle.js';
import { parseReasonWords, type ReasonWords } from '../../curation/reason-words.js';

/** The console's state filter and counts cover every state of the lifecycle. */
export { RUN_STATES };
const HOUR_MS = 3_600_000;
/** Most recent runs whose first-message latency enters the percentiles. */
const LATENCY_WINDOW = 5000;

export interface WindowCounts {
  since: number;
  webhooks: { received: number; acted: number; noMatch: number; ignored: number };
  runs: { started: number } & Record<RunState, number>;
  messagesSent: number;
  /** Webhook received → first message sent, ms; null when no run of the window sent anything yet. */
  latencyMs: { p50: number | null; p95: number | null; samples: number };
}

export interface Overview {
  now: number;
  today: WindowCounts;
  week: WindowCounts;
  /** Runs started per hour, oldest first, `hours` entries ending with the current hour. */
  runsPerHour: Array<{ hourStart: number; runs: number }>;
  queue: { waiting: number; pending: number; sending: number; total: number };
}

export interface RunFilter {
  chatId?: string | undefined;
  userId?: string | undefined;
  curationId?: string | undefined;
  state?: RunState | undefined;
  /** Free text: a run, chat or user id, or a prefix of one. */
  q?: string | undefined;
  /** A prefix of the customer's name, matched literally (LIKE wildcards escaped), whatever the case. */
  name?: string | undefined;
  /** Runs created in [from, to) (epoch ms): a day in the channel's zone. */
  from?: number | undefined;
  to?: number | undefined;
  /** Cursor: runs created strictly before this (epoch ms). */
  before?: number | undefined;
  limit?: number | undefined;
}

export interface RunListItem {
  id: string;
  curationId: string;
  channelId: string | null;
  chatId: string;
  userId: string | null;
  /** The customer's name, in full: runs-api.ts masks it for a viewer. */
  customerName: string | null;
  state: RunState;
  outcome: string | null;
  reason: string | null;
  /** The reason as catalogue words; null for a run older than them (the console shows `reason`). */
  reasonWords: ReasonWords[] | null;
  createdAt: number;
  finishedAt: number | null;
  messages: number;
  sent: number;
}

/** A stored reason's words, parsed (curation/reason-words.ts): null where the row has none. */
type Worded<T extends { reason_words: string | null }> = Omit<T, 'reason_words'> & { reasonWords: ReasonWords[] | null };

export type EventRow = Worded<Omit<EventsTable, 'summary_json'>> & { summary: Record<string, unknown> };

export interface RunDetail {
  // Every column that can hold an answer, or a copy of one (a computed value, a write-back, a user event's property), is named here and shown only by a reveal.
  run: Worded<Omit<RunsTable, 'values_json' | 'profile_json' | 'event_json' | 'problems_json' | 'writeback_json' | 'user_event_json'>> & {
    problems: unknown;
    /** Names of the profile keys and computed values; their values need a reveal. */
    profileKeys: string[];
    valueKeys: string[];
    /** The profile keys the write-back writes; their values need a reveal. */
    writeBackKeys: string[];
    /** The user event the run records: its name (fixed text of the curation) and its properties' names. */
    userEvent: { name: string; propertyKeys: string[] } | null;
  };
  event: EventRow | null;
  messages: Worded<Selectable<MessagesTable>>[];
  attempts: Array<Selectable<AttemptsTable>>;
  /** What happened in the chat after the run started (takeovers, other triggers), bounded. */
  laterEvents: EventRow[];
}

export interface RunSecrets {
  profile: Record<string, unknown> | null;
  values: Record<string, unknown> | null;
  writeBack: Record<string, unknown> | null;
  userEvent: { name: string; property: Record<string, unknown> } | null;
}

const num = (v: unknown): number => Number(v ?? 0);

export class ConsoleQueries {
  constructor(private readonly db: Kysely<Database>) {}

  /** `todayStart` is the operator's local midnight (the browser knows its time zone, the server may not). */
  async overview(now: number, todayStart: number, hours = 24): Promise<Overview> {
    const weekStart = now - 7 * 24 * HOUR_MS;
    const [today, week, runsPerHour, queue] = await Promise.all([
      this.windowCounts(todayStart),
      this.windowCounts(weekStart),
      this.runsPerHour(now, hours),
      this.queue(),
    ]);
    return { now, today, week, runsPerHour, queue };
  }

  private async windowCounts(since: number): Promise<WindowCounts> {
    const events = await this.db
      .selectFrom('events')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .where('received_at', '>=', since)
      .groupBy('status')
      .execute();
    const byStatus = Object.fromEntries(events.map((r) => [r.status, num(r.n)]));
    const runs = await this.db
      .selectFrom('runs')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .where('created_at', '>=', since)
      .groupBy('state')
      .execute();
    const byState = Object.fromEntries(RUN_STATES.map((s) => [s, 0])) as Record<RunState, number>;
    for (const r of runs) byState[r.state] = num(r.n);
    const sent = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', '=', 'sent')
      .where('sent_at', '>=', since)
      .executeTakeFirst();
    return {
      since,
      webhooks: {
        received: Object.values(byStatus).reduce((a, b) => a + b, 0),
        acted: byStatus.acted ?? 0,
        noMatch: byStatus.no_match ?? 0,
        ignored: byStatus.ignored ?? 0,
      },
      runs: { started: Object.values(byState).reduce((a, b) => a + b, 0), ...byState },
      messagesSent: num(sent?.n),
      latencyMs: await this.firstMessageLatency(since),
    };
  }

  private async firstMessageLatency(since: number): Promise<WindowCounts['latencyMs']> {
    const rows = await this.db
      .selectFrom('runs as r')
      .innerJoin('events as e', 'e.id', 'r.event_id')
      .innerJoin('messages as m', (j) => j.onRef('m.run_id', '=', 'r.id').on('m.seq', '=', 0))
      .select(['e.received_at as receivedAt', 'm.sent_at as sentAt'])
      .where('r.created_at', '>=', since)
      .where('m.sent_at', 'is not', null)
      .orderBy('r.created_at', 'desc')
      .limit(LATENCY_WINDOW)
      .execute();
    const lat = rows.map((r) => num(r.sentAt) - num(r.receivedAt)).sort((a, b) => a - b);
    return { p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), samples: lat.length };
  }

  private async runsPerHour(now: number, hours: number): Promise<Overview['runsPerHour']> {
    const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
    const from = currentHour - (hours - 1) * HOUR_MS;
    // Integer division of two integers truncates in both SQLite and PostgreSQL.
    const bucket = sql<number>`created_at / ${sql.lit(HOUR_MS)}`;
    const rows = await this.db
      .selectFrom('runs')
      .select([bucket.as('bucket'), (eb) => eb.fn.countAll().as('n')])
      .where('created_at', '>=', from)
      .groupBy(bucket)
      .execute();
    const counts = new Map(rows.map((r) => [num(r.bucket) * HOUR_MS, num(r.n)]));
    return Array.from({ length: hours }, (_, i) => {
      const hourStart = from + i * HOUR_MS;
      return { hourStart, runs: counts.get(hourStart) ?? 0 };
    });
  }

  async queue(): Promise<Overview['queue']> {
    const rows = await this.db
      .selectFrom('messages')
      .select(['state', (eb) => eb.fn.countAll().as('n')])
      .where('state', 'in', OPEN_MESSAGE_STATES)
      .groupBy('state')
      .execute();
    const by = Object.fromEntries(rows.map((r) => [r.state, num(r.n)]));
    const waiting = by.waiting ?? 0;
    const pending = by.pending ?? 0;
    const sending = by.sending ?? 0;
    return { waiting, pending, sending, total: waiting + pending + sending };
  }

  async listRuns(f: RunFilter): Promise<RunListItem[]> {
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
    let q = this.db
      .selectFrom('runs')
      .select(['id', 'curation_id', 'channel_id', 'chat_id', 'user_id', 'customer_name', 'state', 'outcome', 'reason', 'reason_words', 'created_at', 'finished_at'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    if (f.chatId) q = q.where('chat_id', '=', f.chatId);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.curationId) q = q.where('curation_id', '=', f.curationId);
    if (f.state) q = q.where('state', '=', f.state);
    if (f.before !== undefined) q = q.where('created_at', '<', f.before);
    if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('created_at', '<', f.to);
    const name = f.name?.trim();
    // lower() on both sides: SQLite's LIKE ignores case, PostgreSQL's does not, and an operator types a name as it comes.
    if (name) q = q.where(sql<boolean>`lower(customer_name) LIKE lower(${`${escapeLike(name)}%`}) ESCAPE '\\'`);
    const text = f.q?.trim();
    if (text) {
      const prefix = `${escapeLike(text)}%`;
      q = q.where((eb) =>
        eb.or([
          eb('id', '=', text),
          eb('chat_id', '=', text),
          eb('user_id', '=', text),
          sql<boolean>`id LIKE ${prefix} ESCAPE '\\'`,
          sql<boolean>`chat_id LIKE ${prefix} ESCAPE '\\'`,
          sql<boolean>`user_id LIKE ${prefix} ESCAPE '\\'`,
        ]),
      );
    }
    const runs = await q.execute();
    if (runs.length === 0) return [];
    const counts = await this.db
      .selectFrom('messages')
      .select([
        'run_id',
        (eb) => eb.fn.countAll().as('total'),
        (eb) => eb.fn.sum(eb.case().when('state', '=', 'sent').then(1).else(0).end()).as('sent'),
      ])
      .where(
        'run_id',
        'in',
        runs.map((r) => r.id),
      )
      .groupBy('run_id')
      .execute();
    const byRun = new Map(counts.map((c) => [c.run_id, { total: num(c.total), sent: num(c.sent) }]));
    return runs.map((r) => ({
      id: r.id,
      curationId: r.curation_id,
      channelId: r.channel_id,
      chatId: r.chat_id,
      userId: r.user_id,
      customerName: r.customer_name,
      state: r.state,
      outcome: r.outcome,
      reason: r.reason,
      reasonWords: parseReasonWords(r.reason_words),
      createdAt: num(r.created_at),
      finishedAt: r.finished_at === null ? null : num(r.finished_at),
      messages: byRun.get(r.id)?.total ?? 0,
      sent: byRun.get(r.id)?.sent ?? 0,
    }));
  }

  /** Deliveries for a chat or user (or either, for `anyId`), newest first, runs or not: answers "did anything arrive at all?". */
  async listEvents(f: { chatId?: string | undefined; userId?: string | undefined; anyId?: string | undefined; limit?: number }): Promise<EventRow[]> {
    if (!f.chatId && !f.userId && !f.anyId) return [];
    let q = this.db
      .selectFrom('events')
      .selectAll()
      .orderBy('received_at', 'desc')
      .limit(Math.min(f.limit ?? 50, 200));
    if (f.chatId) q = q.where('chat_id', '=', f.chatId);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    const any = f.anyId;
    if (any) q = q.where((eb) => eb.or([eb('chat_id', '=', any), eb('user_id', '=', any)]));
    return (await q.execute()).map(eventRow);
  }

  async runDetail(runId: string): Promise<RunDetail | null> {
    const run = await this.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
    if (!run) return null;
    const [event, messages, attempts, later] = await Promise.all([
      this.db.selectFrom('events').selectAll().where('id', '=', run.event_id).executeTakeFirst(),
      this.db.selectFrom('messages').selectAll().where('run_id', '=', runId).orderBy('seq').execute(),
      this.db.selectFrom('attempts').selectAll().where('run_id', '=', runId).orderBy('started_at').orderBy('id').execute(),
      this.db
        .selectFrom('events')
        .selectAll()
        .where('chat_id', '=', run.chat_id)
        .where('channel_id', run.channel_id === null ? 'is' : '=', run.channel_id)
        .where('received_at', '>=', num(run.created_at))
        .where('id', '!=', run.event_id)
        .orderBy('received_at')
        .limit(20)
        .execute(),
    ]);
    const { values_json, profile_json, event_json: _e, problems_json, writeback_json, user_event_json, reason_words, ...rest } = run;
    const userEvent = userEventOf(user_event_json);
    return {
      run: {
        ...rest,
        reasonWords: parseReasonWords(reason_words),
        problems: parseJson(problems_json) ?? [],
        profileKeys: keysOf(parseJson(profile_json)),
        valueKeys: keysOf(parseJson(values_json)),
        writeBackKeys: keysOf(parseJson(writeback_json)),
        userEvent: userEvent && { name: userEvent.name, propertyKeys: Object.keys(userEvent.property) },
      },
      event: event ? eventRow(event) : null,
      messages: messages.map(({ reason_words: words, ...m }) => ({ ...m, reasonWords: parseReasonWords(words) })),
      attempts,
      laterEvents: later.map(eventRow),
    };
  }

  /** The customer's answers of one run and every copy of them (computed values, write-back, user event): only on an operator's explicit reveal. */
  async runSecrets(runId: string): Promise<RunSecrets | null> {
    const run = await this.db.selectFrom('runs').select(['profile_json', 'values_json', 'writeback_json', 'user_event_json']).where('id', '=', runId).executeTakeFirst();
    if (!run) return null;
    return {
      profile: asRecord(parseJson(run.profile_json)),
      values: asRecord(parseJson(run.values_json)),
      writeBack: asRecord(parseJson(run.writeback_json)),
      userEvent: userEventOf(run.user_event_json),
    };
  }

  /**
   * The answers of a curation's last `limit` runs that were planned from a
   * profile, newest first: what "what would change" replays through a draft.
   * Read on the server only; the page gets names and masked values.
   */
  async recentProfiles(curationId: string, limit: number): Promise<Array<{ id: string; createdAt: number; lang: string | null; profile: Record<string, unknown> }>> {
    const rows = await this.db
      .selectFrom('runs')
      .select(['id', 'created_at', 'lang', 'profile_json'])
      .where('curation_id', '=', curationId)
      .where('profile_json', 'is not', null)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.flatMap((r) => {
      const profile = asRecord(parseJson(r.profile_json));
      return profile ? [{ id: r.id, createdAt: num(r.created_at), lang: r.lang, profile }] : [];
    });
  }

  static isFinal(state: RunState): boolean {
    return isFinalRunState(state);
  }
}

/** Nearest-rank percentile over sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1] ?? null;
}

function eventRow(e: EventsTable): EventRow {
  const { summary_json, reason_words, ...rest } = e;
  // What the customer typed stays out of the console, like out of the logs.
  const { text, ...summary } = asRecord(parseJson(summary_json)) ?? {};
  return { ...rest, reasonWords: parseReasonWords(reason_words), received_at: num(rest.received_at), summary: typeof text === 'string' ? { ...summary, textLength: text.length } : summary };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** runs.user_event_json (`{name, property?}`, curation/plan-types.ts PlannedUserEvent), or null. */
function userEventOf(json: string | null): { name: string; property: Record<string, unknown> } | null {
  const e = asRecord(parseJson(json));
  if (!e || typeof e.name !== 'string') return null;
  return { name: e.name, property: asRecord(e.property) ?? {} };
}

function keysOf(v: unknown): string[] {
  return Object.keys(asRecord(v) ?? {});
}
