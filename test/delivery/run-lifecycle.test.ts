// The run lifecycle on its own: the transition table against the documented
// diagram, and fast-check properties over random outcome sequences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ACTIVE_RUN_STATES,
  bulkTransition,
  FINAL_RUN_STATES,
  IllegalTransition,
  isFinalRunState,
  LIVE_RUN_STATES,
  mustNext,
  next,
  plannedOutcome,
  RUN_START,
  RUN_STATES,
  startsWriteBack,
  type RunOutcome,
  type RunPosition,
  type RunState,
  type SentPlan,
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
  pending: ['sending', 'completed', 'fallback', 'failed', 'cancelled'],
  sending: ['sending', 'completed', 'fallback', 'failed', 'cancelled'],
  completed: ['completed'],
  fallback: ['fallback'],
  cancelled: ['cancelled'],
  failed: ['failed'],
  skipped: ['skipped'],
};

const sentPlan = fc.constantFrom<SentPlan>('sequence', 'fallback');
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
    outcome: fc.constantFrom('sequence', 'fallback', 'skipped'),
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
        at = mustNext(at, { kind: 'messageSent', last: seq === p.messages.length - 1, plan: p.outcome === 'fallback' ? 'fallback' : 'sequence' });
      }
      const expected: RunState =
        p.outcome === 'skipped'
          ? 'skipped'
          : interrupted?.kind === 'takeover'
            ? 'cancelled'
            : interrupted?.kind === 'messageFailed'
              ? 'failed'
              : p.outcome === 'fallback'
                ? 'fallback'
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
  assert.match(q.sql, /"state" in \('planning', 'pending', 'sending'\)/);
  assert.deepEqual(q.parameters, []);
  assert.throws(() => sqlList([]), /empty/);
});
