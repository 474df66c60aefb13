// plan()'s output, byte for byte, against another build of the same code: the
// check behind every change that makes plan() faster (issue 21). Not a test
// (it needs the other build): run it from the worktree root after `npm run build`,
//
//   node dist/test/curation/plan-equivalence.js BASE_DIST [PLANS_PER_CURATION]
//
// where BASE_DIST is the dist/ of the code before the change, built with its
// own node_modules in reach. Every curation in the repo (curations/,
// examples/curations/, the function fixtures and the kitchen-sink fixture) is
// planned with made-up profiles (valid, odd, missing, refused; names with
// markup, controls, bidi marks, spaces and line ends; numbers as texts, out of
// range, huge), each language, asking or not, with and without an event, and
// every plan is serialized (undefined kept, key order kept) and compared.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as current from '../../src/curation/index.js';
import type { Curation, FieldSpec } from '../../src/curation/types.js';
import type { Event } from '../../src/channeltalk/event.js';
import { normalize } from '../../src/channeltalk/normalize.js';
// A small deterministic generator, so a difference can be replayed from its seed.
import { mulberry32 as random } from '../../src/fake-channeltalk/faults.js';

type PlanModule = Pick<typeof current, 'loadCurations' | 'plan'>;

export const CURATION_DIRS = ['curations', 'examples/curations', 'test/curation/fixtures/functions-js', 'test/curation/fixtures/functions-ts', 'test/curation/fixtures/equivalence'];


const TEXTS = [
  '홍길동', 'Kim', '<b>bold</b>', 'a & b "q"', '\u202eevil\u202c', 'tab\tname', 'line\nbreak', '  spaced  ', 'x'.repeat(70), '😀 smile',
  '\ud800lone', '', 'O\'Brien', 'ｆｕｌｌ', 'a/b?c#d', '김 민지', '{{ name }}', '{% if %}', 'https://evil.example/#x', 'ends with space ',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function numberAnswer(r: () => number, f: FieldSpec): unknown {
  const min = f.min ?? 0;
  const max = f.max ?? 1000;
  const x = r();
  if (x < 0.55) return Math.round((min + r() * (max - min)) * 100) / 100;
  if (x < 0.65) return String(Math.round((min + r() * (max - min)) * 10) / 10);
  if (x < 0.7) return ` ${Math.round(min + r() * (max - min)).toLocaleString('en')} `;
  if (x < 0.75) return max + 1 + r() * 100;
  if (x < 0.8) return min - 1;
  if (x < 0.85) return pick(r, ['abc', '', '1e400', '-0', '12.345.6', true]);
  if (x < 0.9) return pick(r, [1e15, 123456789.123456, 0.05, 2.175, 1.005, 0]);
  return Math.round(min + r() * (max - min));
}

function optionAnswer(r: () => number, f: FieldSpec): unknown {
  const x = r();
  const o = f.options.length > 0 ? pick(r, f.options) : null;
  if (o && x < 0.5) return pick(r, o.labels.length > 0 ? o.labels : [o.key]);
  if (o && x < 0.6) return o.key;
  if (o && x < 0.7) return ` ${(o.labels[0] ?? o.key).toUpperCase()}? `;
  if (x < 0.85) return pick(r, TEXTS);
  return pick(r, [42, false, ['a'], { a: 1 }]);
}

function listAnswer(r: () => number, f: FieldSpec): unknown {
  const x = r();
  if (x < 0.75) {
    const n = Math.floor(r() * 4);
    return Array.from({ length: n }, () => optionAnswer(r, f));
  }
  if (x < 0.85) return f.options[0]?.labels[0] ?? 'x';
  return pick(r, [42, 'a, b', { a: 1 }]);
}

function answer(r: () => number, f: FieldSpec): unknown {
  switch (f.type) {
    case 'number':
      return numberAnswer(r, f);
    case 'text':
      return r() < 0.9 ? pick(r, TEXTS) : 12345;
    case 'option':
      return optionAnswer(r, f);
    case 'list':
      return listAnswer(r, f);
    case 'boolean':
      return pick(r, [true, true, true, true, false, 'true', 'yes', 1, 'no']);
  }
}

/** A raw profile for the curation's fields: mostly answered, sometimes missing, null or odd; now and then no profile at all. */
export function profileFor(r: () => number, c: Curation): Record<string, unknown> | null {
  if (r() < 0.03) return null;
  const out: Record<string, unknown> = {};
  const sparse = r() < 0.2;
  for (const f of c.fields) {
    const x = r();
    if (x < (sparse ? 0.3 : 0.04)) continue;
    if (x < (sparse ? 0.35 : 0.06)) out[f.key] = null;
    else out[f.key] = answer(r, f);
  }
  if (r() < 0.1) out.extra = 'not a field';
  return out;
}

function events(root: string): Array<Event | null> {
  const opened = normalize(JSON.parse(readFileSync(path.join(root, 'test/fixtures/webhooks/user-chat-opened.json'), 'utf8')));
  const keyword = normalize(JSON.parse(readFileSync(path.join(root, 'test/fixtures/webhooks/user-message-keyword.json'), 'utf8')));
  return [null, opened, keyword, { ...opened, language: 'en-US' }, { ...opened, language: 'de' }];
}

/** JSON with undefined written out, so that a key set to undefined differs from a missing one. */
export function serialize(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x === undefined ? '\u0000undefined' : x));
}

async function loadAll(m: PlanModule, root: string): Promise<Curation[]> {
  const out: Curation[] = [];
  for (const dir of CURATION_DIRS) {
    const loaded = await m.loadCurations(path.join(root, dir));
    if (!loaded.ok) throw new Error(`${dir} does not load: ${loaded.errors.map((e) => e.message).join('; ')}`);
    out.push(...loaded.set.curations);
  }
  return out;
}

export interface Comparison {
  plans: number;
  /** How many plans had each outcome (sequence, fallback, ask, skipped), to see that every path was taken. */
  outcomes: Record<string, number>;
  differences: Array<{ curation: string; index: number; before: string; after: string }>;
}

export async function comparePlans(base: PlanModule, root: string, perCuration: number): Promise<Comparison> {
  const before = await loadAll(base, root);
  const after = await loadAll(current, root);
  const evs = events(root);
  const result: Comparison = { plans: 0, outcomes: {}, differences: [] };
  for (const [ci, c] of after.entries()) {
    const old = before[ci]!;
    if (old.id !== c.id) throw new Error(`the two builds load different curations (${old.id}, ${c.id})`);
    const r = random(ci + 1);
    for (let i = 0; i < perCuration; i++) {
      const profile = profileFor(r, c);
      const event = pick(r, evs);
      const opts = {
        runId: `r_${i}`,
        now: Date.UTC(2026, 0, 1) + Math.floor(r() * 400 * 86_400_000),
        ...(r() < 0.4 ? { lang: pick(r, ['ko', 'en', 'ko-KR', 'de', 'EN_us', '']) } : {}),
        ...(r() < 0.3 ? { ask: r() < 0.5 } : {}),
        ...(r() < 0.2 ? { firstSeq: Math.floor(r() * 5) } : {}),
      };
      // Each build plans its own copy: a plan must not depend on what another changed.
      const a = serialize(base.plan(old, event, profile === null ? null : structuredClone(profile), opts));
      const planned = current.plan(c, event, profile === null ? null : structuredClone(profile), opts);
      const b = serialize(planned);
      result.plans++;
      const key = `${planned.outcome}${planned.reason?.includes('could not be rendered') ? ' (not rendered)' : ''}`;
      result.outcomes[key] = (result.outcomes[key] ?? 0) + 1;
      if (a !== b) result.differences.push({ curation: c.id, index: i, before: a, after: b });
    }
  }
  return result;
}

async function main(): Promise<void> {
  const [baseDist, n] = process.argv.slice(2);
  if (!baseDist) throw new Error('usage: node dist/test/curation/plan-equivalence.js BASE_DIST [PLANS_PER_CURATION]');
  const base = (await import(pathToFileURL(path.resolve(baseDist, 'src/curation/index.js')).href)) as PlanModule;
  const out = await comparePlans(base, process.cwd(), Number(n ?? 1000));
  console.log(`${out.plans} plans compared, ${out.differences.length} differ; outcomes ${JSON.stringify(out.outcomes)}`);
  for (const d of out.differences.slice(0, 5)) console.log(`${d.curation} #${d.index}\n  before ${d.before}\n  after  ${d.after}`);
  if (out.differences.length > 0) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
