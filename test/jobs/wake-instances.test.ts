// Instances wake each other on PostgreSQL (store/job-wakeups.ts): a job made
// due through one instance is claimed by another at once, not at its next
// poll; the listening connection comes back after it is terminated; and the
// notification follows the enqueuing transaction (one per commit, none for a
// rollback or a job due later). Two stores on one fresh database stand for
// two instances. Skipped without TEST_DATABASE_URL.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { JobOps } from '../../src/delivery/store/job-ops.js';
import { JOBS_DUE_CHANNEL, WAKEUP_SESSION_NAME, listenForJobs } from '../../src/delivery/store/job-wakeups.js';
import { JobRunner, type Schedule } from '../../src/jobs/runner.js';
import type { JobHandler } from '../../src/jobs/types.js';
import { freshPostgres, postgresAvailable } from '../support/databases.js';
import { eventually } from '../support/processes.js';

const admin = postgresAvailable();
const silent = pino({ level: 'silent' });
/** The poll made long: every sleep of the runner of a second or more lasts this long, so only a wake-up makes it look sooner. */
const POLL_MS = 600_000;
/** Generous for a loaded machine, and far below the poll. */
const DEADLINE_MS = 15_000;

const longPoll: Schedule = (ms, fire) => {
  const t = setTimeout(fire, ms >= 1_000 ? POLL_MS : ms);
  return () => clearTimeout(t);
};

interface Lines {
  warn: string[];
  info: string[];
}

function recordingLog(lines: Lines) {
  return {
    warn: (_o: unknown, msg?: string) => void lines.warn.push(String(msg)),
    info: (_o: unknown, msg?: string) => void lines.info.push(String(msg)),
  };
}

describe('instances wake each other on PostgreSQL', { skip: admin ? false : 'TEST_DATABASE_URL not set' }, () => {
  let url: string;
  /** Instance A enqueues; instance B runs the jobs. */
  let a: Store;
  let b: Store;
  let opsA: JobOps;
  let sql: pg.Client;

  before(async () => {
    url = await freshPostgres(admin!);
    a = await Store.open(url, { delayScale: 1 });
    b = await Store.open(url, { delayScale: 1 });
    opsA = new JobOps(a.db, a.dialect);
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
  });
  after(async () => {
    await sql?.end();
    await a?.close();
    await b?.close();
  });
  beforeEach(async () => {
    await a.db.deleteFrom('jobs').execute();
  });

  /** Instance B: a runner whose poll is long, woken by its listener. */
  async function instanceB(lines: Lines = { warn: [], info: [] }) {
    const ran: number[] = [];
    const handler: JobHandler<unknown> = { kind: 't', parse: (p) => p, leaseMs: 10_000, run: (job) => Promise.resolve(void ran.push(job.id)).then(() => ({ kind: 'done' as const })) };
    let asleep = 0;
    const runner = new JobRunner({
      db: b.db,
      ops: new JobOps(b.db, b.dialect),
      handlers: [handler],
      owner: 'B',
      logger: silent,
      safetyMs: POLL_MS,
      schedule: (ms, fire) => {
        if (ms >= 1_000) asleep++;
        return longPoll(ms, fire);
      },
    });
    let wakes = 0;
    const wakeups = await listenForJobs(b, {
      wake: () => {
        wakes++;
        runner.wake();
      },
      log: recordingLog(lines),
    });
    assert.ok(wakeups, 'PostgreSQL listens');
    runner.start();
    // B looked, found nothing, and sleeps its long sleep.
    await eventually(() => asleep > 0, DEADLINE_MS, 'B to go to sleep');
    return {
      ran,
      wakes: () => wakes,
      asleep: () => asleep,
      async stop() {
        await runner.stop(1_000);
        await wakeups.close();
      },
    };
  }

  test('a job enqueued through instance A is claimed by instance B well before its poll', async () => {
    const B = await instanceB();
    try {
      const [job] = await a.db.transaction().execute(async (trx) => {
        await opsA.enqueue({ kind: 't', payload: { n: 1 } }, Date.now(), trx);
        return trx.selectFrom('jobs').select('id').execute();
      });
      await eventually(() => B.ran.length > 0, DEADLINE_MS, 'B to run the job A enqueued');
      assert.deepEqual(B.ran, [job!.id]);
    } finally {
      await B.stop();
    }
  });

  test('a waiting job brought forward through A is claimed by B well before its poll', async () => {
    await opsA.enqueue({ kind: 't', key: 'later', payload: {}, runAt: Date.now() + 3_600_000 }, Date.now());
    const B = await instanceB();
    try {
      assert.equal(await opsA.bringForward('later', Date.now()), true);
      await eventually(() => B.ran.length > 0, DEADLINE_MS, 'B to run the job A brought forward');
    } finally {
      await B.stop();
    }
  });

  test('the listener comes back after its connection is terminated, says so once, and wakes the runner again', async () => {
    const lines: Lines = { warn: [], info: [] };
    const B = await instanceB(lines);
    try {
      const pidOf = async () => {
        const { rows } = await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [WAKEUP_SESSION_NAME]);
        return rows.map((r) => r.pid);
      };
      const [pid] = await pidOf();
      assert.ok(pid, 'the listening session is in pg_stat_activity');
      const before = B.wakes();
      const sleeps = B.asleep();
      await sql.query('SELECT pg_terminate_backend($1)', [pid]);
      await eventually(async () => (await pidOf()).some((p) => p !== pid), DEADLINE_MS, 'a new listening session');
      await eventually(() => lines.info.length > 0, DEADLINE_MS, 'the listener to say it is back');
      assert.equal(lines.warn.length, 1, 'the loss is said once');
      assert.equal(lines.info.length, 1, 'the return is said once');
      assert.equal(B.wakes(), before + 1, 'woken once on its return, for what was enqueued meanwhile');
      // That look found nothing: B sleeps its long sleep again before A enqueues.
      await eventually(() => B.asleep() > sleeps, DEADLINE_MS, 'B to sleep again after its look');
      // Listening again: the next enqueue through A reaches B at once.
      await opsA.enqueue({ kind: 't', payload: { n: 2 } }, Date.now());
      await eventually(() => B.ran.length > 0, DEADLINE_MS, 'B to run the job A enqueued after the reconnect');
    } finally {
      await B.stop();
    }
  });

  test("an instance's listener leaves out its own notifications (its runner was woken in-process)", async () => {
    let wakes = 0;
    const wakeups = await listenForJobs(a, { wake: () => void wakes++, log: silent });
    try {
      // Delivered in commit order: once B's wakes A, A's own came before it.
      await opsA.enqueue({ kind: 't', payload: { from: 'A' } }, Date.now());
      await new JobOps(b.db, b.dialect).enqueue({ kind: 't', payload: { from: 'B' } }, Date.now());
      await eventually(() => wakes > 0, DEADLINE_MS, "B's notification to wake A");
      // Had A's own counted, B's would be a second wake-up, due within the 50 ms gap.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(wakes, 1);
    } finally {
      await wakeups?.close();
    }
  });

  describe('the notification follows the enqueuing transaction', () => {
    let listener: pg.Client;
    const heard: string[] = [];
    before(async () => {
      listener = new pg.Client({ connectionString: url });
      await listener.connect();
      listener.on('notification', (m) => void heard.push(m.payload ?? ''));
      await listener.query(`LISTEN ${JOBS_DUE_CHANNEL}`);
    });
    after(async () => {
      await listener?.end();
    });

    /** What the channel heard from `act`: notifications arrive in commit order, so all of act's have come once a marker sent after it has. */
    async function heardFrom(act: () => Promise<unknown>): Promise<string[]> {
      heard.length = 0;
      await act();
      await sql.query(`NOTIFY ${JOBS_DUE_CHANNEL}, 'marker'`);
      await eventually(() => heard.includes('marker'), DEADLINE_MS, 'the marker');
      return heard.filter((p) => p !== 'marker');
    }

    test('many due jobs in one transaction: one notification, on commit', async () => {
      const got = await heardFrom(() =>
        a.db.transaction().execute(async (trx) => {
          for (let n = 0; n < 5; n++) await opsA.enqueue({ kind: 't', payload: { n } }, Date.now(), trx);
        }),
      );
      assert.deepEqual(got, [a.wakeToken], "one notification, with A's token");
    });

    test('a rolled-back enqueue, a duplicate key and a job due later notify nobody', async () => {
      assert.deepEqual(await heardFrom(() => opsA.enqueue({ kind: 't', key: 'once', payload: {} }, Date.now())), [a.wakeToken]);
      const got = await heardFrom(async () => {
        await a.db
          .transaction()
          .execute(async (trx) => {
            await opsA.enqueue({ kind: 't', payload: {} }, Date.now(), trx);
            throw new Error('rolled back');
          })
          .catch(() => undefined);
        assert.equal(await opsA.enqueue({ kind: 't', key: 'once', payload: {} }, Date.now()), false);
        assert.equal(await opsA.enqueue({ kind: 't', payload: {}, runAt: Date.now() + 60_000 }, Date.now()), true);
      });
      assert.deepEqual(got, []);
    });
  });
});

describe('job wake-ups while PostgreSQL cannot be reached', () => {
  test('the loss is said once however many tries fail, and close() ends the tries', async () => {
    const lines: Lines = { warn: [], info: [] };
    let tries = 0;
    // Nothing listens on port 1: every connection is refused at once.
    const session = (name: string) => {
      tries++;
      return new pg.Client({ connectionString: 'postgres://nobody@127.0.0.1:1/none', application_name: name });
    };
    let wakes = 0;
    const wakeups = await listenForJobs({ session, wakeToken: null }, { wake: () => void wakes++, log: recordingLog(lines) });
    assert.ok(wakeups);
    await eventually(() => tries >= 3, DEADLINE_MS, 'three tries to listen');
    assert.deepEqual(lines.warn, ["job wake-ups: the listening connection is gone; other instances' jobs are found by polling until it is back"]);
    assert.deepEqual(lines.info, []);
    assert.equal(wakes, 0, 'never listening, never woken');
    await wakeups.close();
    const after = tries;
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(tries, after, 'no try after close()');
  });
});
