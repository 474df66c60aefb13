// Table shapes as Kysely sees them. Times are epoch milliseconds (bigint in
// PostgreSQL, parsed back to number), JSON is stored as text so both
// databases read it the same way.
import type { Generated } from 'kysely';
import type { MessageState, RunState, WriteBackState } from '../run-lifecycle.js';

// The states and their lists belong to the lifecycle (src/delivery/run-lifecycle.ts).
export type { MessageState, RunState, WriteBackState };
/** `queued`: stored, its planEvent job has not started its runs yet; `failed`: that job gave up (its reason says why). */
export type EventStatus = 'queued' | 'acted' | 'ignored' | 'no_match' | 'failed';

export interface EventsTable {
  id: string;
  /** The event's dedupe key in its channel, `<channelId>/<kind>:<id>` (delivery/ids.ts); unique. */
  dedupe_key: string;
  kind: string;
  channel_id: string | null;
  chat_id: string | null;
  user_id: string | null;
  status: EventStatus;
  reason: string | null;
  /** The reason as catalogue words, JSON (curation/reason-words.ts); null for a row older than them (migration 0015). */
  reason_words: string | null;
  received_at: number;
  /** The normalized event without the profile (health data lives only on runs). */
  summary_json: string;
  /** The full normalized event (profile included) while its planEvent job waits; cleared when the job starts the runs. */
  event_json: string | null;
}

export interface RunsTable {
  id: string;
  curation_id: string;
  event_id: string;
  channel_id: string | null;
  chat_id: string;
  user_id: string | null;
  state: RunState;
  outcome: string | null;
  reason: string | null;
  /** The reason as catalogue words, JSON (curation/reason-words.ts); null for a row older than them (migration 0015). */
  reason_words: string | null;
  lang: string | null;
  /** Set for once-per-chat curations: `${curationId}|${chatKey}` (the chat in its channel, `<channelId>/<chatId>`), unique. */
  once_key: string | null;
  values_json: string | null;
  problems_json: string | null;
  profile_json: string | null;
  /** The event that started it, as planning input when the profile had to be fetched. */
  event_json: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  planning_attempts: number;
  /** Profile fields to write after the sequence completes (`{profileKey: value}`), or null. */
  writeback_json: string | null;
  writeback_state: WriteBackState | null;
  /** The user event to record once the run completes (`{name, property}`, fixed at plan time), or null. */
  user_event_json: string | null;
  /** When the run asked the customer in the chat for missing answers (entered `awaiting`); it never asks twice. */
  asked_at: number | null;
  /** When the answer came: set when the run went back to planning, or earlier, by an answer that came while it still sent its ask (answer-wait.ts). */
  answered_at: number | null;
  /** The curation version it was planned with (curation_versions.id); null for a run older than versions, or planned from a set with none (tests). */
  curation_version: string | null;
  /** The customer's name as the profile gave it (channeltalk/event.ts customerName); null when it had none. Shown masked to a viewer. */
  customer_name: string | null;
}

/** Where a curation version came from: its file in CURATIONS_DIR, or the console. */
export type VersionOrigin = 'file' | 'console';

/** One published text of a curation: never changed once written. */
export interface CurationVersionsTable {
  /** `<scope>/<curationId>@<version>`. */
  id: string;
  /** The channel whose curations these are (its name in the configuration). */
  scope: string;
  curation_id: string;
  version: number;
  source: string;
  /** sha256 of the source, hex. */
  hash: string;
  origin: VersionOrigin;
  /** The file it came from, or (taken over in the console) still belongs to; null for a curation made in the console. */
  file: string | null;
  published_by: string | null;
  published_at: number;
  note: string | null;
  /** Published with failing golden tests: the reason the operator gave. */
  tests_override: string | null;
}

/** Which version of a curation is live, and who owns it. */
export interface CurationHeadsTable {
  scope: string;
  curation_id: string;
  /** Null: not live (its file was removed). */
  live_version: number | null;
  /** `file`: the file's changes become versions and go live; `console`: taken over, the file's changes are kept as versions but not made live. */
  owner: VersionOrigin;
  /** The console's switch: 0 starts no new run of it (runs under way go on); its text's own `enabled` still applies. Defaults to 1. */
  enabled: Generated<number>;
  updated_at: number;
}

/** The console's unpublished text of a curation: changes nothing live. */
export interface CurationDraftsTable {
  scope: string;
  curation_id: string;
  source: string;
  /** The version it was started from. */
  base_version: number | null;
  saved_by: string | null;
  saved_at: number;
}

/** One row: moves with every change of a head, so an instance sees a publish by reading it. */
export interface CurationCatalogTable {
  id: number;
  generation: number;
}

export interface MessagesTable {
  run_id: string;
  seq: number;
  chat_id: string;
  channel_id: string | null;
  request_id: string;
  state: MessageState;
  delay_ms: number;
  due_at: number | null;
  body_json: string;
  is_last: number;
  /** Defaults to 0. */
  attempts: Generated<number>;
  first_attempt_at: number | null;
  sent_at: number | null;
  channel_message_id: string | null;
  claimed_by: string | null;
  claim_until: number | null;
  reason: string | null;
  /** The reason as catalogue words, JSON (curation/reason-words.ts); null for a row older than them (migration 0015). */
  reason_words: string | null;
  created_at: number;
}

export interface AttemptsTable {
  id: Generated<number>;
  run_id: string;
  seq: number;
  request_id: string;
  started_at: number;
  status: number | null;
  latency_ms: number;
  error_kind: string | null;
  reason: string | null;
  instance: string | null;
}

/** One lock row per chat (chat-queue.ts lockChat). */
export interface ChatsTable {
  /** The chat's key, `<channelId>/<chatId>` (delivery/ids.ts chatKey); the bare chat id for a chat of no channel, and in rows from before migration 0010. */
  chat_id: string;
  updated_at: number;
}

/** Operator console sessions, shared by every instance on the database. The cookie's value is stored only as its hash. */
export interface ConsoleSessionsTable {
  id_hash: string;
  operator_id: string;
  csrf: string;
  created_at: number;
  last_seen: number;
  /** Null for a break-glass (ADMIN_TOKEN) session. */
  account_id: string | null;
  /** viewer | editor | admin; null (a row from before accounts) is refused. */
  role: string | null;
  /** The account's name, or 'break-glass': who the audit log names. */
  actor: string | null;
}

export interface AccountsTable {
  id: string;
  name: string;
  role: string;
  /** scrypt$N$r$p$salt$hash: the parameters travel with the hash, so they can be raised. */
  password_hash: string;
  disabled: number;
  language: string | null;
  created_at: number;
  updated_at: number;
}

/** Append-only: rows are only inserted, and deleted by retention. */
export interface AuditLogTable {
  id: string;
  at: number;
  actor_id: string | null;
  actor: string;
  action: string;
  target: string | null;
  details_json: string;
  address: string | null;
}

/** The job engine's queue (src/jobs/): one row per piece of timed work, deleted once done. */
export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** Dedupe key: a second enqueue with the same key adds nothing while the first row exists. */
  key: string | null;
  payload_json: string;
  /** Due time (epoch ms); also when a retry runs. */
  run_at: number;
  /** Claims so far (the one running included). */
  attempts: Generated<number>;
  /** Per-job limits; null: the handler's. */
  max_attempts: number | null;
  max_age_ms: number | null;
  created_at: number;
  /** Serialization key: two jobs of one lane never run at once, and run in due order. A send on `chat:<channelId>/<chatId>` also takes the chat's lock first (delivery/lanes.ts, handlers/send-message.ts). */
  lane: string | null;
  /** Concurrency group: at most the handler's poolLimit of one pool run at once per instance (a send's channel). */
  pool: string | null;
  state: JobState;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
}

export type JobState = 'pending' | 'running' | 'failed';

export interface Database {
  jobs: JobsTable;
  events: EventsTable;
  runs: RunsTable;
  messages: MessagesTable;
  attempts: AttemptsTable;
  chats: ChatsTable;
  console_sessions: ConsoleSessionsTable;
  accounts: AccountsTable;
  audit_log: AuditLogTable;
  curation_versions: CurationVersionsTable;
  curation_heads: CurationHeadsTable;
  curation_drafts: CurationDraftsTable;
  curation_catalog: CurationCatalogTable;
}
