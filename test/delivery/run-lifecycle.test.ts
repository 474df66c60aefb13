// The run lifecycle on its own: the transition table against the documented
// diagram, and fast-check properties over random outcome sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ACTIVE_RUN_STATES,
  asksAllowed,
  bulkTransition,
  entersAwaiting,
  FINAL_RUN_STATES,
  IllegalTransition,
  isFinalRunState,
  LIVE_RUN_STATES,
  mustNext,
  next,
  plannedOutcome,
  RUN_START,
  RUN_STATES,
  sentPlanOf,
  startsWriteBack,
  type RunOutcome,
  type RunPosition,
  type RunState,
  type SentPlan,
  PARKED_RUN_STATES,
} from '../../src/delivery/run-lifecycle.js';
import { sqlList } from '../../src/delivery/store/state-sql.js';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'better-sqlite3';
import { planOf } from '../support/plans.js';

/**
 * ARCHITECTURE.md "States", written out independently of the module: every
 * state a run may move to from each position. A final state only stays.
 */
const ALLOWED: Record<RunPosition, readonly RunState[]> = {
  new: ['planning', 'pending', 'completed', 'fallback', 'skipped'],
  planning: ['planning', 'pending', 'completed', 'fallback', 'skipped', 'failed', 'cancelled'],
  pending: ['sending', 'completed', 'fallback', 'awaiting', 'parked', 'failed', 'cancelled'],
  sending: ['sending', 'completed', 'fallback', 'awaiting', 'parked', 'failed', 'cancelled'],
  // Asked in the chat: the answer plans it again, the wait's end leaves it the fallback it sent, a human cancels it.
  awaiting: ['awaiting', 'planning', 'fallback', 'cancelled'],
  // Parked on a long wait: its wake makes it pending again (it takes its turn in the chat), a human cancels it.
  parked: ['parked', 'pending', 'cancelled'],
  completed: ['completed'],
  fallback: ['fallback'],
  cancelled: ['cancelled'],
  failed: ['failed'],
  skipped: ['skipped'],
};

const sentPlan = fc.constantFrom<SentPlan>('sequence', 'fallback', 'ask');
const outcome: fc.Arbitrary<RunOutcome> = fc.oneof(
  fc.constant<RunOutcome>({ kind: 'deferred' }),
  sentPlan.map((plan): RunOutcome => ({ kind: 'planned', plan })),
  sentPlan.map((plan): RunOutcome => ({ kind: 'plannedEmpty', plan })),
  fc.constant<RunOutcome>({ kind: 'skipped' }),
  fc.constant<RunOutcome>({ kind: 'planningRetry' }),
  fc.constant<RunOutcome>({ kind: 'planningFailed' }),
  fc.record({ last: fc.boolean(), plan: sentPlan }).map(({ last, plan }): RunOutcome => ({ kind: 'messageSent', last, plan })),
  fc.constant<RunOutcome>({ kind: 'messageFailed' }),
  fc.constant<RunOutcome>({ kind: 'takeover' }),
  fc.constant<RunOutcome>({ kind: 'answered' }),
  fc.constant<RunOutcome>({ kind: 'answerExpired' }),
  fc.nat().map((until): RunOutcome => ({ kind: 'parked', until })),
  fc.constant<RunOutcome>({ kind: 'woken' }),
);

/** Applies outcomes the way the store does: an illegal one is refused and changes nothing. */
function walk(from: RunPosition, outcomes: readonly RunOutcome[], onStep?: (from: RunPosition, to: RunState | IllegalTransition) => void): RunPosition {
  let at = from;
  for (const o of outcomes) {
    const to = next(at, o);
    onStep?.(at, to);
    if (!(to instanceof IllegalTransition)) at = to;
  }
  return at;
}

/** One outcome per live position that ends the run, so any run can be driven to its end. */
function finisher(at: RunPosition, plan: SentPlan): RunOutcome {
  switch (at) {
    case 'new':
      return { kind: 'plannedEmpty', plan };
    case 'planning':
      return { kind: 'planningFailed' };
    case 'pending':
    case 'sending':
      return { kind: 'messageSent', last: true, plan };
    case 'awaiting':
      return { kind: 'answerExpired' };
    case 'parked':
      return { kind: 'takeover' };
    case 'completed':
    case 'fallback':
    case 'cancelled':
    case 'failed':
    case 'skipped':
      return { kind: 'takeover' };
    default: {
      const unknown: never = at;
      throw new Error(String(unknown));
    }
  }
}

test('live and final states split the run states in two', () => {
  const live: readonly string[] = LIVE_RUN_STATES;
  const final: readonly string[] = FINAL_RUN_STATES;
  assert.deepEqual([...live, ...final].sort(), [...RUN_STATES].sort());
  assert.deepEqual(live.filter((s) => final.includes(s)), []);
  assert.ok(ACTIVE_RUN_STATES.every((s) => live.includes(s)) && !(ACTIVE_RUN_STATES as readonly string[]).includes('planning'));
  assert.ok(live.includes('awaiting') && !(ACTIVE_RUN_STATES as readonly string[]).includes('awaiting'), 'a run waiting for an answer is live, but holds no message of the queue');
  for (const s of PARKED_RUN_STATES) assert.ok(live.includes(s) && !(ACTIVE_RUN_STATES as readonly string[]).includes(s), `a ${s} run is live, but holds no place in its chat's queue`);
});

test('every position and outcome gives a state of the diagram or an IllegalTransition', () => {
  fc.assert(
    fc.property(fc.constantFrom<RunPosition>(RUN_START, ...RUN_STATES), outcome, (from, o) => {
      const to = next(from, o);
      if (to instanceof IllegalTransition) {
        assert.equal(to.from, from);
        assert.match(to.message, new RegExp(`state ${from} cannot take the outcome ${o.kind}`));
        assert.throws(() => mustNext(from, o), IllegalTransition);
        return;
      }
      assert.ok(ALLOWED[from].includes(to), `${from} --${o.kind}--> ${to} is not in the diagram`);
    }),
    { numRuns: 2000 },
  );
});

test('random outcome sequences from the start never reach a state outside the diagram (illegal ones are refused, not applied)', () => {
  fc.assert(
    fc.property(fc.array(outcome, { maxLength: 40 }), (outcomes) => {
      let refused = 0;
      const end = walk(RUN_START, outcomes, (from, to) => {
        if (to instanceof IllegalTransition) refused++;
        else assert.ok(ALLOWED[from].includes(to), `${from} → ${to}`);
      });
      assert.ok(end === RUN_START || (RUN_STATES as readonly string[]).includes(end));
      assert.ok(refused <= outcomes.length);
    }),
    { numRuns: 2000 },
  );
});

test('a run driven to its end is in exactly one final state, and stays there whatever follows', () => {
  fc.assert(
    fc.property(fc.array(outcome, { maxLength: 20 }), sentPlan, fc.array(outcome, { maxLength: 20 }), (before, plan, after) => {
      let at = walk(RUN_START, before);
      for (let guard = 0; !isFinalRunState(at); guard++) {
        assert.ok(guard < 3, `${at} did not end`);
        at = mustNext(at, finisher(at, plan));
      }
      const end = at;
      assert.deepEqual(
        FINAL_RUN_STATES.filter((s) => s === end),
        [end],
      );
      assert.ok(!(LIVE_RUN_STATES as readonly string[]).includes(end));
      walk(end, after, (from, to) => {
        if (!(to instanceof IllegalTransition)) assert.equal(to, end, `${from} left for ${to}`);
      });
    }),
    { numRuns: 2000 },
  );
});

test('a run ends as its plan says, planned at intake or deferred, whatever interrupts it', () => {
  const shape = fc.record({
    outcome: fc.constantFrom('sequence', 'fallback', 'ask', 'skipped'),
    messages: fc.integer({ min: 0, max: 6 }),
    deferred: fc.boolean(),
    retries: fc.integer({ min: 0, max: 3 }),
    /** After which sent message a takeover or a permanent failure comes, if any. */
    interrupt: fc.option(fc.record({ after: fc.integer({ min: 0, max: 6 }), by: fc.constantFrom<RunOutcome>({ kind: 'takeover' }, { kind: 'messageFailed' }) })),
  });
  fc.assert(
    fc.property(shape, (s) => {
      const p = planOf('r', Array.from({ length: s.outcome === 'skipped' ? 0 : s.messages }, () => 0), s.outcome);
      let at: RunState = s.deferred ? mustNext(RUN_START, { kind: 'deferred' }) : mustNext(RUN_START, plannedOutcome(p));
      if (s.deferred) {
        for (let i = 0; i < s.retries; i++) at = mustNext(at, { kind: 'planningRetry' });
        assert.equal(at, 'planning');
        at = mustNext(at, plannedOutcome(p));
      }
      assert.equal(at, mustNext(RUN_START, plannedOutcome(p)), 'both planning paths agree');
      let interrupted: RunOutcome | null = null;
      for (let seq = 0; seq < p.messages.length && !isFinalRunState(at); seq++) {
        if (s.interrupt && s.interrupt.after === seq) {
          interrupted = s.interrupt.by;
          at = mustNext(at, s.interrupt.by);
          break;
        }
        at = mustNext(at, { kind: 'messageSent', last: seq === p.messages.length - 1, plan: sentPlanOf(p.outcome) });
      }
      const expected: RunState =
        p.outcome === 'skipped'
          ? 'skipped'
          : interrupted?.kind === 'takeover'
            ? 'cancelled'
            : interrupted?.kind === 'messageFailed'
              ? 'failed'
              : p.outcome === 'fallback' || (p.outcome === 'ask' && p.messages.length === 0)
                ? 'fallback'
                : p.outcome === 'ask'
                  ? 'awaiting'
                  : 'completed';
      assert.equal(at, expected);
    }),
    { numRuns: 1000 },
  );
});

test('a fallback with nothing to send ends as fallback, a sequence with nothing to send as completed', () => {
  assert.equal(mustNext(RUN_START, plannedOutcome(planOf('r', [], 'fallback'))), 'fallback');
  assert.equal(mustNext('planning', plannedOutcome(planOf('r', [], 'fallback'))), 'fallback');
  assert.equal(mustNext('planning', plannedOutcome(planOf('r', []))), 'completed');
  assert.equal(mustNext('planning', plannedOutcome(planOf('r', [], 'skipped'))), 'skipped');
  assert.equal(mustNext('planning', plannedOutcome(planOf('r', [0]))), 'pending');
});

test('a late send report for a finished run changes nothing; planning it again is refused', () => {
  for (const end of FINAL_RUN_STATES) {
    assert.equal(next(end, { kind: 'messageSent', last: true, plan: 'sequence' }), end);
    assert.equal(next(end, { kind: 'messageFailed' }), end);
    assert.ok(next(end, { kind: 'planned', plan: 'sequence' }) instanceof IllegalTransition);
    assert.ok(next(end, { kind: 'planningFailed' }) instanceof IllegalTransition);
  }
  assert.ok(next('planning', { kind: 'messageSent', last: false, plan: 'sequence' }) instanceof IllegalTransition, 'a run being planned has no message');
  assert.ok(next('pending', { kind: 'deferred' }) instanceof IllegalTransition);
});

test('only entering completed starts the write-back', () => {
  for (const from of [RUN_START, ...RUN_STATES] as RunPosition[]) {
    for (const to of RUN_STATES) assert.equal(startsWriteBack(from, to), to === 'completed' && from !== 'completed', `${from} → ${to}`);
  }
});

test('a takeover cancels exactly the live runs', () => {
  assert.deepEqual(bulkTransition({ kind: 'takeover' }), { from: [...LIVE_RUN_STATES], to: 'cancelled' });
  assert.deepEqual(bulkTransition({ kind: 'messageFailed' }), { from: [...ACTIVE_RUN_STATES], to: 'failed' });
  assert.throws(() => bulkTransition({ kind: 'deferred' }), /does not move stored runs to one state/, 'only a run not yet stored is deferred');
});

test('sqlList writes the states as literals, so a partial index over the same list applies', () => {
  const db = new Kysely<{ runs: { id: string; state: RunState } }>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
  const q = db.selectFrom('runs').select('id').where((eb) => eb('state', 'in', sqlList(LIVE_RUN_STATES))).compile();
  assert.match(q.sql, /"state" in \('planning', 'pending', 'sending', 'awaiting', 'parked'\)/);
  assert.deepEqual(q.parameters, []);
  assert.throws(() => sqlList([]), /empty/);
});

test('an ask waits after its last message; the answer plans it again, the end of the wait leaves it a fallback, a human cancels it', () => {
  const asking = mustNext(mustNext(RUN_START, plannedOutcome(planOf('r', [0, 0], 'ask'))), { kind: 'messageSent', last: false, plan: 'ask' });
  assert.equal(asking, 'sending');
  const waiting = mustNext(asking, { kind: 'messageSent', last: true, plan: 'ask' });
  assert.equal(waiting, 'awaiting');
  assert.equal(mustNext(waiting, { kind: 'answered' }), 'planning');
  assert.equal(mustNext(waiting, { kind: 'answerExpired' }), 'fallback');
  assert.equal(mustNext(waiting, { kind: 'takeover' }), 'cancelled');
  assert.equal(next(waiting, { kind: 'messageSent', last: true, plan: 'ask' }), 'awaiting', 'a late send report changes nothing');
  assert.equal(next(waiting, { kind: 'messageFailed' }), 'awaiting');
  for (const o of [{ kind: 'planned', plan: 'sequence' }, { kind: 'deferred' }, { kind: 'planningRetry' }, { kind: 'planningFailed' }] satisfies RunOutcome[]) {
    assert.ok(next(waiting, o) instanceof IllegalTransition, `${o.kind} needs the answer first`);
  }
  for (const from of [RUN_START, 'planning', 'pending', 'sending', ...FINAL_RUN_STATES] as RunPosition[]) {
    assert.ok(next(from, { kind: 'answered' }) instanceof IllegalTransition, `only a run that waits takes an answer, not ${from}`);
    assert.ok(next(from, { kind: 'answerExpired' }) instanceof IllegalTransition, `only a run that waits can run out of time, not ${from}`);
  }
  assert.equal(mustNext('planning', plannedOutcome(planOf('r', [], 'ask'))), 'fallback', 'an ask with nothing to send asked nothing: nothing to wait for');
  assert.deepEqual(bulkTransition({ kind: 'answered' }), { from: ['awaiting'], to: 'planning' });
  assert.deepEqual(bulkTransition({ kind: 'answerExpired' }), { from: ['awaiting'], to: 'fallback' });
});

test('a run asks at most once and continues once: whatever happens, it enters awaiting no more than one time', () => {
  // The store's part, modelled: runs.outcome is the last plan's (what messageSent reports), entering
  // awaiting stamps asked_at, and the planner asks for the missing answers only while asksAllowed(asked_at).
  const step = fc.oneof(
    fc.record({ planWith: fc.integer({ min: 0, max: 3 }) }),
    fc.record({ sentLast: fc.boolean() }),
    fc.constantFrom<RunOutcome>({ kind: 'deferred' }, { kind: 'planningRetry' }, { kind: 'planningFailed' }, { kind: 'messageFailed' }, { kind: 'takeover' }, { kind: 'answered' }, { kind: 'answerExpired' }),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      let at: RunPosition = RUN_START;
      let stored: SentPlan = 'sequence';
      let askedAt: number | null = null;
      let entered = 0;
      steps.forEach((s, t) => {
        let o: RunOutcome;
        if ('planWith' in s) {
          const p = planOf('r', Array.from({ length: s.planWith }, () => 0), asksAllowed(askedAt) ? 'ask' : 'fallback');
          o = plannedOutcome(p);
          if (!(next(at, o) instanceof IllegalTransition)) stored = sentPlanOf(p.outcome);
        } else if ('sentLast' in s) {
          o = { kind: 'messageSent', last: s.sentLast, plan: stored };
        } else {
          o = s;
        }
        const to = next(at, o);
        if (to instanceof IllegalTransition) return;
        if (entersAwaiting(at, to)) {
          entered++;
          askedAt = t;
        }
        at = to;
      });
      assert.ok(entered <= 1, `entered awaiting ${entered} times`);
    }),
    { numRuns: 3000 },
  );
});
