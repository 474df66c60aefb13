// Group commit: events that arrive while a commit is in flight share the
// next transaction, so durability costs one fsync per batch, not per request.
//
// SQLite has one writer, so it gets one lane. On PostgreSQL a batch is a
// chain of network round trips and the service mostly waits, so several
// lanes commit side by side. A chat always uses the same lane: its events
// commit in the order they arrived, and two lanes never lock the same chat
// (a chat's event planned in the commit takes its chat's lock: start-runs.ts).
//
// A batch in which nothing may act (record-event.ts mayAct: every item an
// ignored delivery) commits without waiting for the disk
// (store-kysely.ts transactionWithoutFsync): nothing acts on those records, so a
// power loss may lose them but never an action. A batch with one item that
// may act is committed durably, all of it.
//
// A busy database (another connection holds the lock) is tried again on timers
// for a moment (WEBHOOK_WAIT), then the whole batch is refused with
// DatabaseBusyError: the route answers 503 and Channel Talk delivers again.
import { hash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './connect.js';
import type { ChatTiming } from '../chat-timing.js';
import { EventInsert, mayAct, recordEvent, type RecordItem, type RecordOutcome } from './record-event.js';
import { DatabaseBusyError, WEBHOOK_WAIT, retryWhileBusy } from './busy.js';
import { singleAttempt, transactionWithoutFsync } from './store-kysely.js';
import { DatabaseUnavailableError } from './unavailable.js';

/** About the database, not the items: trying them one by one would only fail (or wait) again. */
const aboutTheDatabase = (err: unknown): err is DatabaseBusyError | DatabaseUnavailableError => err instanceof DatabaseBusyError || err instanceof DatabaseUnavailableError;

interface Waiting {
  item: RecordItem;
  resolve: (o: RecordOutcome) => void;
  reject: (e: unknown) => void;
}

const MAX_BATCH = 256;

export class GroupCommitter {
  private readonly lanes: Lane[];

  /** `timing`: how a chat's messages are spaced, for the events planned in the commit (record-event.ts). */
  constructor(db: Kysely<Database>, dialect: Dialect, timing: ChatTiming, lanes = 1) {
    const insert = new EventInsert(db);
    this.lanes = Array.from({ length: Math.max(1, lanes) }, () => new Lane(db, dialect, insert, timing));
  }

  submit(item: RecordItem): Promise<RecordOutcome> {
    return this.laneOf(item).submit(item);
  }

  /** Waits for every submitted item to be committed or rejected. */
  async drain(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.drain()));
  }

  private laneOf(item: RecordItem): Lane {
    if (this.lanes.length === 1) return this.lanes[0]!;
    const key = item.event.chatId ?? item.eventId;
    return this.lanes[hash('sha1', key, 'buffer').readUInt32BE(0) % this.lanes.length]!;
  }
}

class Lane {
  private queue: Waiting[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly insert: EventInsert,
    private readonly timing: ChatTiming,
  ) {}

  submit(item: RecordItem): Promise<RecordOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private kick(): void {
    // An item queued after run() saw an empty queue but before `running` was
    // cleared is picked up by the restart in finally.
    this.running ??= this.run().finally(() => {
      this.running = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async run(): Promise<void> {
    // Let the requests already parsed in this tick join the batch.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const outcomes = await this.commit(batch);
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
      } catch (err) {
        // Busy or unreachable is about the database, not the items: trying them one by one would only make each wait again.
        if (batch.length === 1 || aboutTheDatabase(err)) {
          for (const w of batch) w.reject(err);
          continue;
        }
        // One bad item must not fail its neighbours: commit each on its own
        // (unless the database turns busy or unreachable meanwhile: then the rest need not wait in turn).
        let busy: DatabaseBusyError | DatabaseUnavailableError | null = null;
        for (const w of batch) {
          if (busy) {
            w.reject(busy);
            continue;
          }
          try {
            w.resolve((await this.commit([w]))[0]!);
          } catch (e) {
            if (aboutTheDatabase(e)) busy = e;
            w.reject(e);
          }
        }
      }
    }
  }

  private commit(batch: readonly Waiting[]): Promise<RecordOutcome[]> {
    const record = async (trx: Transaction<Database>): Promise<RecordOutcome[]> => {
      const out: RecordOutcome[] = [];
      for (const w of batch) out.push(await recordEvent(trx, w.item, this.insert, this.timing));
      return out;
    };
    const durable = batch.some((w) => mayAct(w.item));
    return retryWhileBusy(() => (durable ? singleAttempt(this.db).execute(record) : transactionWithoutFsync(this.db, this.dialect, record)), WEBHOOK_WAIT);
  }
}
