// `check`'s rule for loops: how often a loop repeats must be decided by the
// file, never by an answer. A loop goes over a range written with numbers
// ((1..10)) or over a list field (at most as many items as it has options),
// and all the loops nested in each other repeat at most MAX_LOOP times in all.
// The render budget stops anything that slips through; this rule makes the
// mistake fail `curation check` instead of a customer's run.
import { ForTag, TablerowTag, toValueSync, TypeGuards, type Template } from 'liquidjs';
import { said, type Said } from './load-errors.js';

export const MAX_LOOP = 1000;

export interface LoopFact {
  /** 1-based line inside the template. */
  line: number;
  /** The collection as written: `(1..n)`, `tags`. */
  text: string;
  collection: { kind: 'range'; size: number } | { kind: 'range-of-names'; names: string[] } | { kind: 'name'; name: string } | { kind: 'other' };
  /** A `limit:` written as a number. */
  limit: number | null;
  /** Index of the loop this one is inside. */
  parent: number | null;
}

/** Every template node, depth first, with the innermost enclosing loop. */
export function eachTemplate(templates: readonly Template[], visit: (t: Template, loop: number | null) => number | null, loop: number | null = null): void {
  for (const t of templates) {
    const inner = visit(t, loop);
    if (t.children) eachTemplate(toValueSync(t.children(false, true)), visit, inner ?? loop);
  }
}

export function loopFacts(templates: readonly Template[]): LoopFact[] {
  const loops: LoopFact[] = [];
  eachTemplate(templates, (t, parent) => {
    if (!(t instanceof ForTag) && !(t instanceof TablerowTag)) return null;
    const limitToken = t instanceof ForTag ? t.hash.hash.limit : undefined;
    loops.push({
      line: t.token.getPosition()[0] ?? 1,
      text: t.collection.getText(),
      collection: describeCollection(t.collection),
      limit: limitToken !== undefined && TypeGuards.isNumberToken(limitToken) ? limitToken.content : null,
      parent,
    });
    return loops.length - 1;
  });
  return loops;
}

function describeCollection(c: ForTag['collection']): LoopFact['collection'] {
  if (TypeGuards.isRangeToken(c)) {
    const ends = [c.lhs, c.rhs];
    const names = ends.filter((e) => !TypeGuards.isNumberToken(e)).map((e) => e.getText());
    if (names.length > 0) return { kind: 'range-of-names', names };
    const [lo, hi] = ends.map((e) => (TypeGuards.isNumberToken(e) ? e.content : 0)) as [number, number];
    return { kind: 'range', size: Math.max(0, Math.ceil(hi + 1 - lo)) };
  }
  if (TypeGuards.isPropertyAccessToken(c) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(c.getText())) return { kind: 'name', name: c.getText() };
  return { kind: 'other' };
}

/** How many template nodes sit outside every loop (`top`), and directly inside each loop (`bodies`, in loopFacts' order). */
export interface NodeCounts {
  top: number;
  bodies: number[];
}

export function nodeCounts(templates: readonly Template[]): NodeCounts {
  const counts: NodeCounts = { top: 0, bodies: [] };
  eachTemplate(templates, (t, loop) => {
    if (loop === null) counts.top++;
    else counts.bodies[loop] = (counts.bodies[loop] ?? 0) + 1;
    if (!(t instanceof ForTag) && !(t instanceof TablerowTag)) return null;
    counts.bodies.push(0);
    return counts.bodies.length - 1;
  });
  return counts;
}

/**
 * `bounds`: the longest each loopable name can be (a list field: its number of
 * options). Problems come with the line inside the template.
 */
export function loopProblems(loops: readonly LoopFact[], bounds: ReadonlyMap<string, number>): Array<{ line: number; message: Said }> {
  return loopTotals(loops, bounds).problems;
}

/**
 * Nodes a render of the template visits at most: each node once per time the
 * loops around it repeat (the load budget's measure of a render).
 */
export function renderNodes(nodes: NodeCounts, loops: readonly LoopFact[], bounds: ReadonlyMap<string, number>): number {
  const { totals } = loopTotals(loops, bounds);
  return nodes.bodies.reduce((sum, n, i) => sum + n * (totals[i] ?? 1), nodes.top);
}

/** How often each loop's body runs in all, and the loops the rule refuses. */
function loopTotals(loops: readonly LoopFact[], bounds: ReadonlyMap<string, number>): { totals: number[]; problems: Array<{ line: number; message: Said }> } {
  const problems: Array<{ line: number; message: Said }> = [];
  // A refused loop counts once, so one mistake is reported once.
  const totals: number[] = [];
  for (const loop of loops) {
    const own = ownRepeats(loop, bounds);
    const outer = loop.parent === null ? 1 : (totals[loop.parent] ?? 1);
    if (typeof own !== 'number') {
      problems.push({ line: loop.line, message: own });
      totals.push(outer);
      continue;
    }
    const all = own * outer;
    if (own > MAX_LOOP) problems.push({ line: loop.line, message: said('check.loopTooLong', { max: MAX_LOOP, loop: loop.text, count: own }, `a loop may repeat at most ${MAX_LOOP} times; ${loop.text} repeats ${own} times`) });
    else if (all > MAX_LOOP) problems.push({
        line: loop.line,
        message: said('check.loopTooLongNested', { max: MAX_LOOP, loop: loop.text, count: all }, `a loop may repeat at most ${MAX_LOOP} times; with the loops around it, ${loop.text} repeats ${all} times`),
      });
    totals.push(Math.min(all, MAX_LOOP));
  }
  return { totals, problems };
}

/** How often the loop repeats at most, or why the file does not say. */
function ownRepeats(loop: LoopFact, bounds: ReadonlyMap<string, number>): number | Said {
  const c = loop.collection;
  switch (c.kind) {
    case 'range':
      return Math.min(c.size, loop.limit ?? Infinity);
    case 'range-of-names':
      // The range itself is built before any limit applies: its ends must be numbers.
      return said('check.loopLengthFromName', { loop: loop.text, name: c.names[0] ?? '' }, `the length of a loop must be written in the file: ${loop.text} depends on '${c.names[0] ?? ''}'; write numbers, e.g. (1..10)`);
    case 'name': {
      const bound = bounds.get(c.name) ?? loop.limit;
      if (bound === null || bound === undefined) return notALoop(c.name);
      return Math.min(bound, loop.limit ?? Infinity);
    }
    case 'other':
      if (loop.limit !== null) return loop.limit;
      return notALoop(loop.text);
  }
}

const notALoop = (what: string): Said => said('check.loopOverWhat', { what }, `a loop may only go over a list field or a range of numbers, not '${what}'`);
