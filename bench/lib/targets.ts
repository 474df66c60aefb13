// Issue 21's table of targets, one entry per target (a figure of the issue
// with three targets has three entries), in the issue's order. A stage gives
// the figure that answers an entry `target: ISSUE21.<key>`; the runner prints
// every entry under the main table, "not measured" where no figure answered
// it (its stage was not run, or it failed).
import type { Target } from './report.js';

const t = <T extends Record<string, Target>>(targets: T): T => targets;

export const ISSUE21 = t({
  ignoredCpu: { id: 'ignoredCpu', stage: 'intake', figure: 'ignored delivery: server CPU per webhook', op: '<=', limit: 0.07, on: 'value' },
  ignoredRate: { id: 'ignoredRate', stage: 'intake', figure: 'ignored delivery: webhooks/s against bare node:http', op: '>=', limit: 0.5, on: 'ratio' },
  ignoredP99: { id: 'ignoredP99', stage: 'intake', figure: 'ignored delivery: p99 latency', op: '<=', limit: 10, on: 'value' },
  actedAllIn: { id: 'actedAllIn', stage: 'intake', figure: 'acted delivery, all in (answer, planning, 12 messages stored): server CPU per webhook', op: '<=', limit: 0.5, on: 'value' },
  actedSustained: { id: 'actedSustained', stage: 'intake', figure: 'acted delivery: sustained rate at which no backlog grows', op: 'report' },
  e2eRate: { id: 'e2eRate', stage: 'e2e', figure: "end to end: messages/s against the fake's direct rate", op: '>=', limit: 0.5, on: 'ratio' },
  e2eCpu: { id: 'e2eCpu', stage: 'e2e', figure: 'end to end: service CPU per delivered message', op: 'report' },
  planVsPlain: { id: 'planVsPlain', stage: 'calc', figure: 'plan(diet-main) against the plain function', op: '<=', limit: 10, on: 'ratio' },
  peakRss: { id: 'peakRss', stage: 'intake', figure: 'peak RSS under load (the higher of the acted and ignored intake runs)', op: '<=', limit: 120, on: 'value' },
  idleRss: { id: 'idleRss', stage: 'intake', figure: 'idle RSS after start', op: '<=', limit: 70, on: 'value' },
  pgThreeVsOne: { id: 'pgThreeVsOne', stage: 'postgres', figure: 'PostgreSQL: 3 instances against 1 instance, aggregate acted webhooks/s', op: '>=', limit: 0.9, on: 'ratio' },
  pgCpu: { id: 'pgCpu', stage: 'postgres', figure: "PostgreSQL: service CPU per webhook against SQLite's", op: '<=', limit: 2, on: 'ratio' },
});

export const ISSUE21_TARGETS: Target[] = Object.values(ISSUE21);
