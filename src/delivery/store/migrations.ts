// Versioned migrations, run at start-up for both databases. Kysely's
// Migrator takes a lock, so several instances starting at once migrate once;
// on PostgreSQL a session lock of ours comes first (withMigrationLock), so
// they do not race over the Migrator's own tables either.
import { Kysely, sql } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Dialect } from './connect.js';
import { STATE_INDEX_PREDICATES } from './state-sql.js';
import { CUSTOMER_NAME_MAX } from '../../channeltalk/event.js';

function migrations(dialect: Dialect): Record<string, Migration> {
  const ms = 'bigint';
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('events')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('channel_id', 'text')
          .addColumn('chat_id', 'text')
          .addColumn('user_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('received_at', ms, (c) => c.notNull())
          .addColumn('summary_json', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('events_received_at').on('events').column('received_at').execute();
        await db.schema.createIndex('events_chat').on('events').columns(['chat_id', 'received_at']).execute();

        await db.schema
          .createTable('runs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('curation_id', 'text', (c) => c.notNull())
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('channel_id', 'text')
          .addColumn('chat_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('outcome', 'text')
          .addColumn('reason', 'text')
          .addColumn('lang', 'text')
          .addColumn('once_key', 'text', (c) => c.unique())
          .addColumn('values_json', 'text')
          .addColumn('problems_json', 'text')
          .addColumn('profile_json', 'text')
          .addColumn('event_json', 'text')
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .addColumn('finished_at', ms)
          .addColumn('claimed_by', 'text')
          .addColumn('claim_until', ms)
          .addColumn('planning_attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.createIndex('runs_chat').on('runs').columns(['chat_id', 'created_at']).execute();
        await db.schema.createIndex('runs_user_curation').on('runs').columns(['user_id', 'curation_id', 'created_at']).execute();
        await db.schema.createIndex('runs_created').on('runs').column('created_at').execute();
        await sql`CREATE INDEX runs_planning ON runs (claim_until) WHERE state = 'planning'`.execute(db);
        await sql`CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL`.execute(db);

        await db.schema
          .createTable('messages')
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('chat_id', 'text', (c) => c.notNull())
          .addColumn('channel_id', 'text')
          .addColumn('request_id', 'text', (c) => c.notNull().unique())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('delay_ms', 'integer', (c) => c.notNull())
          .addColumn('due_at', ms)
          .addColumn('body_json', 'text', (c) => c.notNull())
          .addColumn('is_last', 'integer', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('first_attempt_at', ms)
          .addColumn('sent_at', ms)
          .addColumn('channel_message_id', 'text')
          .addColumn('claimed_by', 'text')
          .addColumn('claim_until', ms)
          .addColumn('reason', 'text')
          .addColumn('created_at', ms, (c) => c.notNull())
          .addPrimaryKeyConstraint('messages_pk', ['run_id', 'seq'])
          .execute();
        // The dispatcher's two lookups: due messages and expired claims. Partial
        // indexes keep them proportional to the queue, not to history.
        await sql`CREATE INDEX messages_due ON messages (due_at) WHERE state = 'pending'`.execute(db);
        await sql`CREATE INDEX messages_claimed ON messages (claim_until) WHERE state = 'sending'`.execute(db);
        await db.schema.createIndex('messages_chat_state').on('messages').columns(['chat_id', 'state']).execute();

        await db.schema
          .createTable('attempts')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('run_id', 'text', (c) => c.notNull())
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('request_id', 'text', (c) => c.notNull())
          .addColumn('started_at', ms, (c) => c.notNull())
          .addColumn('status', 'integer')
          .addColumn('latency_ms', 'integer', (c) => c.notNull())
          .addColumn('error_kind', 'text')
          .addColumn('reason', 'text')
          .addColumn('instance', 'text')
          .execute();
        await db.schema.createIndex('attempts_run').on('attempts').columns(['run_id', 'seq']).execute();

        await db.schema
          .createTable('chats')
          .addColumn('chat_id', 'text', (c) => c.primaryKey())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .execute();
      },
    },
    '0002_profile_write_back': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('runs').addColumn('writeback_json', 'text').execute();
        await db.schema.alterTable('runs').addColumn('writeback_state', 'text').execute();
        await db.schema.alterTable('runs').addColumn('writeback_due_at', ms).execute();
        await sql`CREATE INDEX runs_writeback_due ON runs (writeback_due_at) WHERE writeback_state = 'pending'`.execute(db);
      },
    },
    // Found by the scale benchmark: with a million finished runs, claiming the
    // next planning run walked runs_created over all of history (0.8 s per
    // dispatcher pass), and the queue depth scanned every message ever sent.
    // Both indexes hold only live rows, so their cost follows the queue.
    // runs_active is per run, not per message: an index over waiting messages
    // cost 12 index writes per planned sequence, 12% of intake CPU.
    '0003_live_row_indexes': {
      async up(db: Kysely<unknown>) {
        await sql`DROP INDEX IF EXISTS runs_planning`.execute(db);
        await sql`CREATE INDEX runs_planning ON runs (created_at, claim_until) WHERE state = 'planning'`.execute(db);
        await sql`CREATE INDEX runs_active ON runs (state, id) WHERE state IN ('pending', 'sending')`.execute(db);
      },
    },
    // Console sessions in the database, so that behind a load balancer a
    // sign-in on one instance holds on every other, and a sign-out everywhere.
    '0004_console_sessions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('console_sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('operator_id', 'text', (c) => c.notNull())
          .addColumn('csrf', 'text', (c) => c.notNull())
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('last_seen', ms, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('console_sessions_created').on('console_sessions').column('created_at').execute();
      },
    },
    // The job engine (src/jobs/): planning and write-back leave the runs table
    // as queues. Work in flight moves over: a run still planning becomes a
    // planRun job (a live claim's lease end is its due time, so another
    // instance's attempt is not doubled), a pending write-back a writeBack job.
    '0005_jobs': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('jobs')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.unique())
          .addColumn('payload_json', 'text', (c) => c.notNull())
          .addColumn('run_at', ms, (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('max_attempts', 'integer')
          .addColumn('max_age_ms', ms)
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('lane', 'text')
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('locked_by', 'text')
          .addColumn('locked_until', ms)
          .addColumn('last_error', 'text')
          .execute();
        // Live rows only, so the claim's cost follows the queue, not the failed history.
        await sql`CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'pending'`.execute(db);
        await sql`CREATE INDEX jobs_lane_pending ON jobs (lane, run_at, id) WHERE state = 'pending' AND lane IS NOT NULL`.execute(db);
        await sql`CREATE INDEX jobs_running ON jobs (locked_until) WHERE state = 'running'`.execute(db);
        await sql`CREATE INDEX jobs_lane_running ON jobs (lane) WHERE state = 'running' AND lane IS NOT NULL`.execute(db);
        await sql`
          INSERT INTO jobs (kind, key, payload_json, run_at, attempts, created_at, state)
          SELECT 'planRun', 'planRun:' || id, '{"runId":"' || id || '"}', COALESCE(claim_until, created_at), planning_attempts, created_at, 'pending'
          FROM runs WHERE state = 'planning'`.execute(db);
        await sql`
          INSERT INTO jobs (kind, key, payload_json, run_at, created_at, state)
          SELECT 'writeBack', 'writeBack:' || id, '{"runId":"' || id || '"}', COALESCE(writeback_due_at, updated_at), COALESCE(finished_at, updated_at), 'pending'
          FROM runs WHERE writeback_state = 'pending'`.execute(db);
        await sql`UPDATE runs SET claimed_by = NULL, claim_until = NULL WHERE state = 'planning'`.execute(db);
        await sql`UPDATE runs SET writeback_due_at = NULL WHERE writeback_state = 'pending'`.execute(db);
      },
    },
    // The webhook is answered once the event is stored: the event keeps its
    // full body until the planEvent job has started its runs.
    '0006_event_intake': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('events').addColumn('event_json', 'text').execute();
      },
    },
    // Sending is a job kind (handlers/send-message.ts): every live message
    // (pending, or in flight under the old dispatcher's claim) becomes a
    // sendMessage job in its chat's lane and its channel's pool, due when the
    // message was (an in-flight claim: when its lease ends, so a still
    // running old instance's attempt is not doubled). Waiting messages get
    // theirs when their turn comes, as new ones do.
    '0007_send_jobs': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('jobs').addColumn('pool', 'text').execute();
        const payload = dialect === 'postgres' ? sql`json_build_object('runId', run_id, 'seq', seq)::text` : sql`json_object('runId', run_id, 'seq', seq)`;
        await sql`
          INSERT INTO jobs (kind, key, payload_json, run_at, attempts, created_at, lane, pool, state)
          SELECT 'sendMessage', 'send:' || run_id || ':' || CAST(seq AS text), ${payload},
            CASE WHEN state = 'sending' THEN COALESCE(claim_until, due_at, created_at) ELSE COALESCE(due_at, created_at) END,
            0, COALESCE(due_at, created_at), 'chat:' || chat_id, 'send:' || COALESCE(channel_id, ''), 'pending'
          FROM messages WHERE state IN ('pending', 'sending')`.execute(db);
      },
    },
    // Asking for a missing answer in the chat (issue 12): when a run asked and
    // when the answer came, and the runs that wait, by customer, for the
    // answer's delivery to find (live rows only, like runs_active).
    '0008_answer_wait': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('runs').addColumn('asked_at', ms).execute();
        await db.schema.alterTable('runs').addColumn('answered_at', ms).execute();
        await sql`CREATE INDEX runs_awaiting ON runs (user_id) WHERE state = 'awaiting'`.execute(db);
      },
    },
    // A curation's userEvent, rendered when the run is planned: the userEvent
    // job sends exactly this once the run completes. Null for runs before it.
    '0009_user_events': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('runs').addColumn('user_event_json', 'text').execute();
      },
    },
    // Chats scoped by channel (delivery/ids.ts): a chat id, a user id and a
    // dedupe key are unique only within a channel, so every stored key that
    // names one becomes `<channelId>/<id>`, its channel taken from the row
    // (events, runs and messages store it); a row of no channel keeps its key,
    // as inChannel() does. The jobs already queued move to their chat's new
    // lane (a send's from its message, a planEvent's from its event), so they
    // keep serializing with what comes after the upgrade and a running send
    // still takes its chat's new lock. The chats table only holds lock rows:
    // new ones are made under the new keys when first taken.
    '0010_channel_scope': {
      async up(db: Kysely<unknown>) {
        await sql`UPDATE events SET dedupe_key = channel_id || '/' || dedupe_key WHERE channel_id IS NOT NULL`.execute(db);
        await sql`UPDATE runs SET once_key = curation_id || '|' || channel_id || '/' || chat_id WHERE once_key IS NOT NULL AND channel_id IS NOT NULL`.execute(db);
        const field = (name: 'runId' | 'seq' | 'eventId') =>
          dialect === 'postgres'
            ? sql.raw(name === 'seq' ? `CAST(jobs.payload_json::json ->> 'seq' AS integer)` : `(jobs.payload_json::json ->> '${name}')`)
            : sql.raw(`json_extract(jobs.payload_json, '$.${name}')`);
        const message = sql`FROM messages m WHERE m.run_id = ${field('runId')} AND m.seq = ${field('seq')} AND m.channel_id IS NOT NULL`;
        await sql`
          UPDATE jobs SET lane = (SELECT 'chat:' || m.channel_id || '/' || m.chat_id ${message})
          WHERE kind = 'sendMessage' AND EXISTS (SELECT 1 ${message})`.execute(db);
        const event = sql`FROM events e WHERE e.id = ${field('eventId')} AND e.channel_id IS NOT NULL AND (e.chat_id IS NOT NULL OR e.user_id IS NOT NULL)`;
        await sql`
          UPDATE jobs SET lane = (
            SELECT CASE WHEN e.chat_id IS NOT NULL THEN 'chatEvents:' || e.channel_id || '/' || e.chat_id ELSE 'userEvents:' || e.channel_id || '/' || e.user_id END ${event})
          WHERE kind = 'planEvent' AND EXISTS (SELECT 1 ${event})`.execute(db);
      },
    },
    // What the job engine left unused (issue 18): a run's claim
    // (claimed_by, claim_until) and its write-back's due time live on its
    // planRun and writeBack jobs. runs_planning drops the claim column, and
    // its predicate comes from the lifecycle's constants (state-sql.ts).
    '0011_drop_run_claims': {
      async up(db: Kysely<unknown>) {
        await sql`DROP INDEX IF EXISTS runs_writeback_due`.execute(db);
        await sql`DROP INDEX IF EXISTS runs_planning`.execute(db);
        await sql`CREATE INDEX runs_planning ON runs (created_at) WHERE ${sql.raw(STATE_INDEX_PREDICATES.runs_planning)}`.execute(db);
        for (const column of ['claimed_by', 'claim_until', 'writeback_due_at']) await db.schema.alterTable('runs').dropColumn(column).execute();
      },
    },
    // Curations as versioned documents (issue 19): every published text is an
    // immutable version; a head per curation says which version is live and
    // who owns it (its file, or the console); a draft per curation holds the
    // console's unpublished text; a run records the version it was planned
    // with. The catalog's generation moves with every change of a head, so
    // each instance sees a publish by reading one row.
    '0012_curation_versions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('curation_versions')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('curation_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('origin', 'text', (c) => c.notNull())
          .addColumn('file', 'text')
          .addColumn('published_by', 'text')
          .addColumn('published_at', ms, (c) => c.notNull())
          .addColumn('note', 'text')
          .addColumn('tests_override', 'text')
          .addUniqueConstraint('curation_versions_number', ['scope', 'curation_id', 'version'])
          .execute();
        await db.schema
          .createTable('curation_heads')
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('curation_id', 'text', (c) => c.notNull())
          .addColumn('live_version', 'integer')
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .addPrimaryKeyConstraint('curation_heads_pk', ['scope', 'curation_id'])
          .execute();
        await db.schema
          .createTable('curation_drafts')
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('curation_id', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('base_version', 'integer')
          .addColumn('saved_by', 'text')
          .addColumn('saved_at', ms, (c) => c.notNull())
          .addPrimaryKeyConstraint('curation_drafts_pk', ['scope', 'curation_id'])
          .execute();
        await db.schema
          .createTable('curation_catalog')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('generation', 'integer', (c) => c.notNull())
          .execute();
        await sql`INSERT INTO curation_catalog (id, generation) VALUES (1, 0)`.execute(db);
        await db.schema.alterTable('runs').addColumn('curation_version', 'text').execute();
      },
    },
    // Named operator accounts with roles, and the audit log (issue 20). The
    // sessions of the one admin token are dropped: a session now carries
    // its account and role, and one without a role is refused.
    '0013_accounts_and_audit': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('accounts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('role', 'text', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('language', 'text')
          .addColumn('created_at', ms, (c) => c.notNull())
          .addColumn('updated_at', ms, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('audit_log')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', ms, (c) => c.notNull())
          .addColumn('actor_id', 'text')
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text')
          .addColumn('details_json', 'text', (c) => c.notNull())
          .addColumn('address', 'text')
          .execute();
        await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
        await sql`DELETE FROM console_sessions`.execute(db);
        await db.schema.alterTable('console_sessions').addColumn('account_id', 'text').execute();
        await db.schema.alterTable('console_sessions').addColumn('role', 'text').execute();
        await db.schema.alterTable('console_sessions').addColumn('actor', 'text').execute();
        await db.schema.createIndex('console_sessions_account').on('console_sessions').column('account_id').execute();
      },
    },
    // The console's on/off switch per curation (issue 20 item 4): an
    // operational state of the head, not a change of the text, so switching
    // makes no version.
    '0014_curation_switch': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('curation_heads').addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      },
    },
    // A reason as catalogue words (curation/reason-words.ts), beside its English, for the console in the operator's language; null in older rows.
    '0015_reason_words': {
      async up(db: Kysely<unknown>) {
        for (const table of ['runs', 'messages', 'events']) await db.schema.alterTable(table).addColumn('reason_words', 'text').execute();
      },
    },
    // The customer's name with the run (issue 20 item 4): the console lists
    // and searches runs by it. Copied from the stored profile of older runs;
    // on PostgreSQL a pattern index serves the name's prefix search (SQLite
    // walks runs_created newest first, as every other list does).
    '0016_run_customer_name': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('runs').addColumn('customer_name', 'text').execute();
        const name =
          dialect === 'postgres'
            ? sql`CASE WHEN jsonb_typeof(profile_json::jsonb -> 'name') = 'string' THEN left(btrim(profile_json::jsonb ->> 'name'), ${sql.lit(CUSTOMER_NAME_MAX)}) END`
            : sql`CASE WHEN json_type(profile_json, '$.name') = 'text' THEN substr(trim(json_extract(profile_json, '$.name')), 1, ${sql.lit(CUSTOMER_NAME_MAX)}) END`;
        await sql`UPDATE runs SET customer_name = NULLIF(${name}, '') WHERE profile_json IS NOT NULL`.execute(db);
        if (dialect === 'postgres') await sql`CREATE INDEX runs_customer_name ON runs (customer_name text_pattern_ops, created_at)`.execute(db);
      },
    },
  };
}

export interface MigrationProgress {
  migration: string;
  phase: 'start' | 'done';
  /** On 'done': how long it took. */
  ms?: number;
}

class InCodeProvider implements MigrationProvider {
  constructor(
    private readonly dialect: Dialect,
    private readonly progress?: (p: MigrationProgress) => void,
  ) {}
  getMigrations(): Promise<Record<string, Migration>> {
    const all = migrations(this.dialect);
    const report = this.progress;
    if (!report) return Promise.resolve(all);
    // An index build over a large history can take a while: say which step runs, and how long it took.
    return Promise.resolve(
      Object.fromEntries(
        Object.entries(all).map(([name, m]) => [
          name,
          {
            async up(db: Kysely<unknown>) {
              report({ migration: name, phase: 'start' });
              const t0 = performance.now();
              await m.up(db);
              report({ migration: name, phase: 'done', ms: Math.round(performance.now() - t0) });
            },
          },
        ]),
      ),
    );
  }
}

/** Migrates up to and including `target` (tests build an older store this way, then upgrade it). */
export async function migrateTo(db: Kysely<unknown>, dialect: Dialect, target: string): Promise<void> {
  const { error } = await new Migrator({ db, provider: new InCodeProvider(dialect) }).migrateTo(target);
  if (error) throw new Error(`database migration to ${target} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect, progress?: (p: MigrationProgress) => void): Promise<string[]> {
  return dialect === 'postgres' ? withMigrationLock(db, () => migrateOnce(db, dialect, progress)) : migrateOnce(db, dialect, progress);
}

async function migrateOnce(db: Kysely<unknown>, dialect: Dialect, progress?: (p: MigrationProgress) => void): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeProvider(dialect, progress) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The session lock that serializes migrations: two int4 keys, a space apart from Kysely's own int8 lock. */
export const MIGRATION_LOCK: readonly [number, number] = [0x43555241, 1];
const LOCK_POLL_MS = 200;

/**
 * Runs `migrate` holding a PostgreSQL session lock, taken on a connection of
 * its own. Kysely's Migrator creates its tables and its lock row before it
 * takes its own lock, so instances that start together race there; the
 * losers' statements fail, which the Migrator shrugs off but the server logs
 * as ERRORs (duplicate key on kysely_migration_lock, relation already
 * exists). With this lock the next instance finds everything in place. It is
 * polled (pg_try_advisory_lock), so the wait is never a failed statement
 * under lock_timeout either.
 */
async function withMigrationLock<T>(db: Kysely<unknown>, migrate: () => Promise<T>): Promise<T> {
  const [k1, k2] = MIGRATION_LOCK;
  return db.connection().execute(async (conn) => {
    for (;;) {
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${k1}, ${k2}) AS locked`.execute(conn);
      if (rows[0]?.locked) break;
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
    try {
      return await migrate();
    } finally {
      // A session that died has let go of the lock already.
      await sql`SELECT pg_advisory_unlock(${k1}, ${k2})`.execute(conn).catch(() => undefined);
    }
  });
}
