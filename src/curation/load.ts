// Loading is all-or-nothing: every *.yaml/*.yml file of the directory is read,
// validated and compiled; if any of them has any problem, the caller gets the
// complete list of problems and no curations at all, so the service never runs
// with half of a shop's rules.
//
// Each file has a budget of work (load-budget.ts), and the load works in short
// slices with the event loop running between them, so that a console reload
// of a heavy file leaves the service answering.
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CurationFileSchema } from './schema.js';
import { compileCuration } from './compile.js';
import { smokeCheck } from './smoke.js';
import { compileGoldenTests } from './golden-compile.js';
import { errorAt, lineAt, parseYaml, schemaErrors, type SourceDoc } from './yaml-errors.js';
import { said, sentenceOf, type CurationFileError, type CurationLoadError } from './load-errors.js';
import type { Curation, CurationSet } from './types.js';
import { LOAD_BUDGET, LoadBudgetError, LoadMeter, type LoadBudget } from './load-budget.js';

/** A loaded curation's text as its file held it when it was compiled (what a version records). */
export interface CurationSource {
  file: string;
  text: string;
}

export type LoadResult = { ok: true; set: CurationSet; files: string[]; sources: Map<string, CurationSource> } | { ok: false; errors: CurationLoadError[] };

export interface LoadOptions {
  /** Each file's budget; LOAD_BUDGET unless a test lowers it. */
  budget?: Readonly<LoadBudget>;
}

export async function loadCurations(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  let names: string[];
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return { ok: false, errors: [{ file: dir, line: null, path: '', ...sentenceOf(said('check.notADirectory', {}, 'is not a directory')) }] };
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch {
    return { ok: false, errors: [{ file: dir, line: null, path: '', ...sentenceOf(said('check.noDirectory', {}, 'the curations directory does not exist or cannot be read')) }] };
  }

  const errors: CurationLoadError[] = [];
  const curations: Curation[] = [];
  const files: string[] = [];
  const sources = new Map<string, CurationSource>();
  // Ids are compared even for files with other problems, so one run of `check` shows a clash too.
  const ids = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    files.push(file);
    const { loaded, text } = await readAndLoad(file, opts.budget ?? LOAD_BUDGET);
    if (loaded.id !== null) {
      const prior = ids.get(loaded.id.value);
      if (prior !== undefined) {
        errors.push({ file, line: loaded.id.line, path: 'id', ...sentenceOf(duplicateId(loaded.id.value, path.basename(prior))) });
        continue;
      }
      ids.set(loaded.id.value, file);
    }
    if (!loaded.ok) errors.push(...loaded.errors);
    else {
      curations.push(loaded.curation);
      if (text !== null) sources.set(loaded.curation.id, { file, text });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const byId = new Map(curations.map((c) => [c.id, c]));
  return { ok: true, set: { curations, byId: (id) => byId.get(id) }, files, sources };
}

/** One file: YAML, schema, meaning, dry run. */
export type FileResult = ({ ok: true; curation: Curation } | { ok: false; errors: CurationLoadError[] }) & {
  /** The id the file declares, when it can be read at all. */
  id: { value: string; line: number | null } | null;
};

/**
 * Fixed rather than configurable: 256 KB is 8 times the largest shipped file
 * (diet-main.yaml, 30 KB with its golden tests), and it is what keeps a load (parse, schema check,
 * compile, dry run) short for every file; a shop that needs more data than
 * that has outgrown YAML tables and wants a function module.
 */
export const MAX_CURATION_FILE_BYTES = 256 * 1024;

const TOO_LARGE = said(
  'check.fileTooLarge',
  { kb: MAX_CURATION_FILE_BYTES / 1024 },
  `is larger than ${MAX_CURATION_FILE_BYTES / 1024} KB, the most a curation file may be: split it into several curations, or move a large table into a function module`,
);

/** Two files with one id: what check says of the second (the editor says the same of a draft). */
export const duplicateId = (id: string, other: string) => said('check.duplicateId', { id, other }, `duplicate id '${id}': ${other} already uses it`);

/** One file, read with the size cap and loaded from its text. */
export async function loadFile(file: string, budget: Readonly<LoadBudget> = LOAD_BUDGET): Promise<FileResult> {
  return (await readAndLoad(file, budget)).loaded;
}

async function readAndLoad(file: string, budget: Readonly<LoadBudget>): Promise<{ loaded: FileResult; text: string | null }> {
  const read = await readBounded(file, MAX_CURATION_FILE_BYTES);
  if (read === null) return { loaded: unreadable(file), text: null };
  if (read === 'too large') return { loaded: tooLargeResult(file), text: null };
  return { loaded: await loadSource(file, read.text, budget), text: read.text };
}

const unreadable = (file: string): FileResult => ({ ok: false, id: null, errors: [{ file, line: null, path: '', ...sentenceOf(said('check.unreadable', {}, 'cannot be read')) }] });
/** The error a text over MAX_CURATION_FILE_BYTES gets, at its first line. */
export const tooLarge = (file: string): CurationLoadError => ({ file, line: 1, path: '', ...sentenceOf(TOO_LARGE) });
const tooLargeResult = (file: string): FileResult => ({ ok: false, id: null, errors: [tooLarge(file)] });

/**
 * One curation from its text, as a file's is loaded: what the console's
 * editor, a stored version and a file all go through. `file` names it in
 * errors, and is where a `functions:` module is looked for beside it.
 */
export async function loadSource(file: string, text: string, budget: Readonly<LoadBudget> = LOAD_BUDGET): Promise<FileResult> {
  if (Buffer.byteLength(text, 'utf8') > MAX_CURATION_FILE_BYTES) return tooLargeResult(file);
  const meter = new LoadMeter(budget);
  // Parsing, reading the values and the schema check are each one slice, bounded by the size caps (yaml-limits.ts).
  await meter.pause([]);
  const parsed = parseYaml(file, text);
  if (!parsed.ok) return { ...parsed, id: null };
  const source = parsed.source;
  await meter.pause([]);
  let data: unknown;
  try {
    // parseYaml has bounded what aliases expand to; the library's own count refuses a harmless anchor used 101 times.
    data = source.doc.toJS({ maxAliasCount: -1 });
  } catch (err) {
    return { ok: false, id: null, errors: [{ file, line: 1, path: '', message: `cannot be read as YAML: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, id: null, errors: [{ file, line: 1, path: '', ...sentenceOf(said('check.notAMapping', {}, 'must be a YAML mapping with id, trigger, messages, …')) }] };
  }
  const rawId = (data as { id?: unknown }).id;
  const id = typeof rawId === 'string' ? { value: rawId, line: lineAt(source, ['id']) } : null;
  await meter.pause([]);
  const checked = CurationFileSchema.safeParse(data, { reportInput: true });
  if (!checked.success) return { ok: false, id, errors: schemaErrors(source, checked.error) };
  try {
    const compiled = await compileCuration(source, checked.data, meter);
    if (!compiled.ok) return { ok: false, id, errors: located(source, compiled.errors) };
    const dry = await smokeCheck(compiled.curation, meter, checked.data.functions === undefined ? ['messages'] : ['functions']);
    // Golden tests are checked, not run: a failing case is for `check` and Publish to report, not a reason to refuse the file.
    const golden = compileGoldenTests(source, checked.data.tests, compiled.curation);
    if (dry.length > 0 || golden.length > 0) return { ok: false, id, errors: located(source, [...dry, ...golden]) };
    return { ok: true, id, curation: compiled.curation };
  } catch (err) {
    // Only the budget error: the problems found before it are left out, the file is refused anyway.
    if (!(err instanceof LoadBudgetError)) throw err;
    return { ok: false, id, errors: [errorAt(source, err.path, err.message)] };
  }
}

function located(source: SourceDoc, errs: CurationFileError[]): CurationLoadError[] {
  return errs.map((e) => errorAt(source, e.path, e.said ?? e.message, e.lineOffset));
}

/** The file's text, or 'too large' without reading past `max` bytes (a 50 MB file is never held in memory). */
export async function readBounded(file: string, max: number): Promise<{ text: string } | 'too large' | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(max + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > max) return 'too large';
    }
    return { text: buffer.toString('utf8', 0, filled) };
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}
