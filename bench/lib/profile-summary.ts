// Summarises a V8 CPU profile (.cpuprofile, from `node --cpu-prof`, e.g.
// BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR") as self and
// inclusive time by function, by module (a node_modules package, a folder of
// ours, a node: internal) and by group (ours, packages, node internals,
// native, GC, idle), so a profile can be read and committed as text.
//
//   node dist/bench/lib/profile-summary.js FILE.cpuprofile [--top 15] [--per 12000 --unit webhook]
//        [--cpu-ms 0.6] [--sort self|total] [--after REGEX] [--focus REGEX] [--title TEXT]
//
// Time per sample is the gap to the next sample (the last one runs to the
// profile's end), as Chrome's DevTools counts it. That is the main thread's
// wall time: a thread that waits in a synchronous call (fsync under
// better-sqlite3) or is descheduled on a busy machine is charged to the frame
// it was in. Shares hold; for CPU per unit, give --cpu-ms (the CPU time per
// unit the bench measured from /proc), and the per-unit columns become each
// share of it. --after REGEX starts at the first sample whose stack holds a
// matching function (e.g. the webhook route: start-up left out).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallFrame {
  functionName: string;
  scriptId?: string | number;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}
export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export type Group = 'ours' | 'package' | 'node' | 'native' | 'gc' | 'idle' | 'program';

export interface Row {
  key: string;
  selfMs: number;
  totalMs: number;
}

export interface Summary {
  /** endTime - startTime of the profile. */
  wallMs: number;
  samples: number;
  /** Sampled time that is not "(idle)" (with --focus: of the matching samples only). */
  busyMs: number;
  idleMs: number;
  gcMs: number;
  byGroup: Row[];
  byModule: Row[];
  byFunction: Row[];
}

const SPECIAL: Record<string, Group> = { '(garbage collector)': 'gc', '(idle)': 'idle', '(program)': 'program', '(root)': 'program' };

/** Strips file://, the project root and dist/ from a script URL. */
export function shortUrl(url: string, root: string): string {
  let p = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) return p.slice(nm + 1);
  if (root && p.startsWith(`${root}/`)) p = p.slice(root.length + 1);
  return p.startsWith('dist/') ? p.slice('dist/'.length) : p;
}

/** The module a frame belongs to: a package name, a folder of ours, a node: module, or a special bucket. */
export function moduleOf(frame: CallFrame, root: string): { module: string; group: Group } {
  const special = SPECIAL[frame.functionName];
  if (special && frame.url === '') return { module: frame.functionName, group: special };
  if (frame.url === '') return { module: '(native)', group: 'native' };
  if (frame.url.startsWith('node:')) {
    const parts = frame.url.slice('node:'.length).split('/');
    return { module: `node:${parts[0] === 'internal' ? parts.slice(0, 2).join('/') : parts[0]}`, group: 'node' };
  }
  const short = shortUrl(frame.url, root);
  if (short.startsWith('node_modules/')) {
    const parts = short.slice('node_modules/'.length).split('/');
    return { module: parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!, group: 'package' };
  }
  const dir = path.posix.dirname(short);
  return { module: dir === '.' ? short : dir, group: 'ours' };
}

/**
 * A native frame (no script, e.g. better-sqlite3's statement.run, which is
 * SQLite itself) is named after the nearest caller with a script, so SQLite's
 * time reads as "(native) via better-sqlite3".
 */
function nativeModule(parentModule: string | null): string {
  return parentModule ? `(native) via ${parentModule}` : '(native)';
}

function functionKey(frame: CallFrame, root: string): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  return `${name} ${shortUrl(frame.url, root)}:${frame.lineNumber + 1}`;
}

interface Resolved {
  fn: string;
  module: string;
  group: Group;
  parent: number | null;
}

/** Per node: its function key, module and group, and its parent, with native frames named after their caller. */
function resolveNodes(profile: CpuProfile, root: string): Map<number, Resolved> {
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<number, Resolved>();
  const resolve = (id: number): Resolved => {
    const done = out.get(id);
    if (done) return done;
    const n = byId.get(id);
    if (!n) throw new Error(`profile: sample names node ${id}, which is not in the profile`);
    const parent = parentOf.get(id) ?? null;
    const own = moduleOf(n.callFrame, root);
    const { group } = own;
    let { module } = own;
    if (group === 'native') {
      const p = parent === null ? null : resolve(parent);
      module = nativeModule(p && p.group !== 'program' ? p.module.replace(/^\(native\) via /, '') : null);
    }
    const r: Resolved = { fn: functionKey(n.callFrame, root), module, group, parent };
    out.set(id, r);
    return r;
  };
  // Iterative from the roots, so deep stacks do not overflow the recursion.
  const order: number[] = [];
  const stack = profile.nodes.filter((n) => !parentOf.has(n.id)).map((n) => n.id);
  while (stack.length > 0) {
    const id = stack.pop()!;
    order.push(id);
    for (const c of byId.get(id)?.children ?? []) stack.push(c);
  }
  for (const id of order) resolve(id);
  return out;
}

/** Each sample's node and its duration in ms (gap to the next sample; the last runs to endTime). */
export function sampleDurations(profile: CpuProfile): Array<{ node: number; ms: number }> {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const times: number[] = [];
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i++) times.push((t += deltas[i] ?? 0));
  return samples.map((node, i) => ({ node, ms: Math.max(0, (i + 1 < times.length ? times[i + 1]! : profile.endTime) - times[i]!) / 1000 }));
}

class Tally {
  private readonly rows = new Map<string, Row>();
  add(key: string, ms: number, self: boolean): void {
    let r = this.rows.get(key);
    if (!r) this.rows.set(key, (r = { key, selfMs: 0, totalMs: 0 }));
    r.totalMs += ms;
    if (self) r.selfMs += ms;
  }
  sorted(): Row[] {
    return [...this.rows.values()].sort((a, b) => b.selfMs - a.selfMs || b.totalMs - a.totalMs || a.key.localeCompare(b.key));
  }
}

/** The stack of a sample, leaf first. */
function stackOf(nodes: Map<number, Resolved>, leaf: number): Resolved[] {
  const out: Resolved[] = [];
  for (let id: number | null = leaf; id !== null; id = nodes.get(id)!.parent) out.push(nodes.get(id)!);
  return out;
}

/**
 * Self time goes to the sampled frame; inclusive time to every function and
 * module on its stack, once per sample even when recursive. `focus` keeps
 * only the samples with a frame whose function key matches.
 */
export function summarize(profile: CpuProfile, opts: { root?: string; focus?: RegExp; after?: RegExp } = {}): Summary {
  const nodes = resolveNodes(profile, opts.root ?? '');
  const fns = new Tally();
  const mods = new Tally();
  const groups = new Tally();
  let busyMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  let count = 0;
  let started = !opts.after;
  for (const { node, ms } of sampleDurations(profile)) {
    const stack = stackOf(nodes, node);
    started ||= stack.some((f) => opts.after!.test(f.fn));
    if (!started) continue;
    if (opts.focus && !stack.some((f) => opts.focus!.test(f.fn))) continue;
    count++;
    const leaf = stack[0]!;
    if (leaf.group === 'idle') idleMs += ms;
    else busyMs += ms;
    if (leaf.group === 'gc') gcMs += ms;
    tallyStack(stack, ms, fns, (r) => r.fn);
    tallyStack(stack, ms, mods, (r) => r.module);
    tallyStack(stack, ms, groups, (r) => r.group);
  }
  return { wallMs: (profile.endTime - profile.startTime) / 1000, samples: count, busyMs, idleMs, gcMs, byGroup: groups.sorted(), byModule: mods.sorted(), byFunction: fns.sorted() };
}

function tallyStack(stack: Resolved[], ms: number, tally: Tally, key: (r: Resolved) => string): void {
  const seen = new Set<string>();
  for (const [i, r] of stack.entries()) {
    // The root is on every stack, idle included: it would only repeat the total.
    if (r.fn === '(root)') continue;
    const k = key(r);
    if (seen.has(k)) continue;
    seen.add(k);
    tally.add(k, ms, i === 0);
  }
}

export interface FormatOptions {
  top: number;
  /** Units the profile served (e.g. answered webhooks): adds µs per unit columns. */
  per?: number;
  unit?: string;
  /** Measured CPU ms per unit: the per-unit columns become each share of it instead of sampled time / per. */
  cpuMs?: number;
  /** Order of the tables: by self time (the default) or by inclusive time. */
  sort?: 'self' | 'total';
  title?: string;
}

/** The summary as text: a header line, then the groups, the top modules and the top functions. */
export function formatSummary(s: Summary, o: FormatOptions): string {
  const pct = (ms: number) => (s.busyMs > 0 ? `${((100 * ms) / s.busyMs).toFixed(1)}%` : '-');
  const per = o.per ? o.per : null;
  const us = (ms: number) => (o.cpuMs !== undefined ? ((ms / s.busyMs) * o.cpuMs * 1000).toFixed(1) : per ? ((ms * 1000) / per).toFixed(1) : '');
  const perLine = () =>
    o.cpuMs !== undefined
      ? `per ${o.unit ?? 'unit'}: ${(o.cpuMs * 1000).toFixed(1)} µs of CPU as measured; µs columns are each share of it (GC ${us(s.gcMs)} µs)${per ? `; sampled ${((s.busyMs * 1000) / per).toFixed(1)} µs of busy wall time per ${o.unit ?? 'unit'} (${per} of them)` : ''}`
      : `per ${o.unit ?? 'unit'} (${per} of them): busy ${us(s.busyMs)} µs, GC ${us(s.gcMs)} µs`;
  const head = [
    o.title ? `# ${o.title}` : null,
    `wall ${s.wallMs.toFixed(0)} ms, ${s.samples} samples, busy (not idle) ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms, GC ${s.gcMs.toFixed(0)} ms (${pct(s.gcMs)} of busy)`,
    per || o.cpuMs !== undefined ? perLine() : null,
    '% are of busy time; inclusive counts a frame once per sample',
  ].filter((l): l is string => l !== null);
  const order = (rows: Row[]) => (o.sort === 'total' ? [...rows].sort((a, b) => b.totalMs - a.totalMs || b.selfMs - a.selfMs || a.key.localeCompare(b.key)) : rows);
  const table = (title: string, unordered: Row[]) => {
    const rows = order(unordered);
    const perCols = per || o.cpuMs !== undefined;
    const cols = perCols ? `self ms  self %  self µs/${o.unit ?? 'unit'}  incl ms  incl %` : 'self ms  self %  incl ms  incl %';
    const lines = rows.slice(0, o.top).map((r) => {
      const cells = [r.selfMs.toFixed(1).padStart(9), pct(r.selfMs).padStart(6), ...(perCols ? [us(r.selfMs).padStart(8 + (o.unit ?? 'unit').length)] : []), r.totalMs.toFixed(1).padStart(9), pct(r.totalMs).padStart(6)];
      return `${cells.join(' ')}  ${r.key}`;
    });
    return [``, `## ${title} (top ${Math.min(o.top, rows.length)} of ${rows.length}, by ${o.sort === 'total' ? 'inclusive' : 'self'} time)`, `  ${cols}`, ...lines].join('\n');
  };
  const busy = (rows: Row[]) => rows.filter((r) => r.key !== 'idle' && r.key !== '(idle)');
  return [...head, table('by group', busy(s.byGroup)), table('by module', busy(s.byModule)), table('by function', busy(s.byFunction))].join('\n');
}

interface Args {
  top: number;
  per?: number;
  unit?: string;
  cpuMs?: number;
  sort?: 'self' | 'total';
  focus?: RegExp;
  after?: RegExp;
  title?: string;
}

function parseArgs(argv: string[]): Args & { file: string } {
  let file: string | undefined;
  const o: Args = { top: 15 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--top') o.top = Number(value());
    else if (a === '--per') o.per = Number(value());
    else if (a === '--unit') o.unit = value();
    else if (a === '--cpu-ms') o.cpuMs = Number(value());
    else if (a === '--sort') {
      const v = value();
      if (v !== 'self' && v !== 'total') throw new Error(`--sort takes self or total, not ${v}`);
      o.sort = v;
    }
    else if (a === '--focus') o.focus = new RegExp(value());
    else if (a === '--after') o.after = new RegExp(value());
    else if (a === '--title') o.title = value();
    else if (a.startsWith('--')) throw new Error(`unknown option ${a} (options: --top N, --per COUNT, --unit NAME, --cpu-ms MS, --sort self|total, --after REGEX, --focus REGEX, --title TEXT)`);
    else file = a;
  }
  if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [--top 15] [--per COUNT --unit webhook] [--cpu-ms MS] [--sort self|total] [--after REGEX] [--focus REGEX] [--title TEXT]');
  if (!(o.top > 0) || (o.per !== undefined && !(o.per > 0)) || (o.cpuMs !== undefined && !(o.cpuMs > 0))) throw new Error('--top, --per and --cpu-ms must be positive numbers');
  return { file, ...o };
}

function main(): void {
  const { file, focus, after, ...format } = parseArgs(process.argv.slice(2));
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const root = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
  const s = summarize(profile, { root, ...(focus ? { focus } : {}), ...(after ? { after } : {}) });
  process.stdout.write(`${formatSummary(s, format)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`profile-summary: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
