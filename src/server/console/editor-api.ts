// The curation editor's API: a curation's source text, and the live preview of
// a draft. The preview is stateless (nothing is written, nothing changes live):
// it compiles the text with the loader's own loadSource(), the same steps as
// a file at start or Reload, and runs the simulator's plan() on the result.
//
// What bounds one preview: the body limit (PREVIEW_BODY_LIMIT), the loader's
// size cap (MAX_CURATION_FILE_BYTES) and YAML limits, its work budget
// (LOAD_BUDGET: work units, a time ceiling, and pauses that let the event loop
// run between slices), plan()'s render limits, and at most
// PREVIEWS_IN_FLIGHT previews at once per instance (more get 429).
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { curationJsonSchema, formatLoadError, type Curation, type CurationLoadError, type CurationSet } from '../../curation/index.js';
import { duplicateId, loadSource, MAX_CURATION_FILE_BYTES, readBounded, tooLarge, type FileResult } from '../../curation/load.js';
import { sentenceOf } from '../../curation/load-errors.js';
import { warningsOf } from '../../curation/warnings.js';
import { parseYaml } from '../../curation/yaml-errors.js';
import type { ConsoleQueries } from '../../delivery/store/console-queries.js';
import { curationView, simulation } from './curations-api.js';
import { consoleError, type ConsoleError } from './messages.js';

export interface EditorApiDeps {
  curations: () => CurationSet;
  queries: ConsoleQueries;
  now: () => number;
  /** The live version's text (versions in the database); without it, the loaded file's. */
  liveSource?: (curationId: string) => Promise<{ source: string; file: string; version: number; owner: string } | null>;
}

/** A source at the loader's cap, JSON-escaped (a line break or a quote doubles), and a profile beside it. */
export const PREVIEW_BODY_LIMIT = 2 * MAX_CURATION_FILE_BYTES + 64 * 1024;
/** Each preview is bounded, and so is how many run side by side: an editor sends one at a time. */
export const PREVIEWS_IN_FLIGHT = 4;

interface PreviewBody {
  source?: unknown;
  curationId?: unknown;
  profile?: unknown;
  fromRun?: unknown;
  lang?: unknown;
  now?: unknown;
}

export interface EditorProblem {
  line: number | null;
  /** The loader locates problems by line only. */
  column: null;
  path: string;
  /** The problem as the editor lists it: `path: sentence`. */
  message: string;
  /** The line `curation check` prints for it. */
  check: string;
  /** The sentence's catalogue key and values (`check.*`), which the editor shows in the operator's language; absent for the sentences that stay English. */
  code?: string;
  params?: Record<string, string | number>;
}

export function registerEditorApi(api: FastifyInstance, deps: EditorApiDeps): void {
  // The editor completes key names from it: what `curation schema` prints, from the same zod schema the loader checks.
  const schema = curationJsonSchema();
  api.get('/curations/schema', (_req, reply) => reply.send(schema));

  api.get('/curations/:id/source', async (req, reply) => {
    const c = deps.curations().byId((req.params as { id: string }).id);
    if (!c) return reply.code(404).send(consoleError('error.noSuchCuration'));
    const stored = deps.liveSource ? await deps.liveSource(c.id) : null;
    if (stored) return { id: c.id, source: stored.source, file: shown(stored.file), version: stored.version, owner: stored.owner };
    const text = await readSource(c.file);
    if (text === null) return reply.code(404).send(consoleError('error.fileUnreadable', { file: shown(c.file) }));
    return { id: c.id, source: text, file: shown(c.file) };
  });

  let inFlight = 0;
  const previewRoute = {
    bodyLimit: PREVIEW_BODY_LIMIT,
    // The app's handler would name the webhooks' limit; anything else goes on to it.
    errorHandler: (err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply) => {
      if (err.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw err;
      return reply.code(413).send(consoleError('error.previewTooLarge', { kb: PREVIEW_BODY_LIMIT / 1024 }));
    },
  };
  api.post('/curations/preview-source', previewRoute, async (req, reply) => {
    const body = (req.body ?? {}) as PreviewBody;
    const input = previewInput(body, deps.now);
    if ('refused' in input) return reply.code(400).send(input.refused);
    if (inFlight >= PREVIEWS_IN_FLIGHT) return reply.code(429).header('retry-after', '1').send(consoleError('error.tooManyPreviews'));
    inFlight++;
    try {
      const live = typeof body.curationId === 'string' ? deps.curations().byId(body.curationId) : undefined;
      // A draft is named as its curation's file, so messages say the same file and a function module resolves alike.
      const file = live?.file ?? path.resolve('draft.yaml');
      const refused = (errors: CurationLoadError[]) => ({ ok: false, errors: errors.map(problemOf), warnings: [] });
      if (Buffer.byteLength(input.source, 'utf8') > MAX_CURATION_FILE_BYTES) return refused([tooLarge(file)]);
      const guard = await functionsGuard(file, input.source, live);
      if (guard) return refused([guard]);
      const loaded = await loadSource(file, input.source);
      const clash = idClash(loaded.id, deps.curations(), file);
      if (!loaded.ok || clash) return refused([...(clash ? [clash] : []), ...(loaded.ok ? [] : loaded.errors)]);
      const c = loaded.curation;
      const profile = await profileFor(deps, input);
      if ('refused' in profile) return reply.code(404).send(profile.refused);
      const sim = simulation(c, profile.values, input.lang, input.now);
      const masked = profile.masked;
      return {
        ok: true,
        errors: [],
        warnings: warningsOf(c).map((w) => problemOf({ ...w, message: `warning: ${w.message}` })),
        curation: curationView(c),
        plan: {
          ...sim,
          // A run's answers stay masked until revealed, as in the runs view: names only.
          values: masked ? maskedKeys(sim.values) : sim.values,
          profile: masked ? maskedKeys(profile.values) : profile.values,
          masked,
        },
      };
    } finally {
      inFlight--;
    }
  });
}

type Input = { source: string; lang: string | null; now: number; profile: Record<string, unknown> | null; fromRun: string | null };

function previewInput(body: PreviewBody, clock: () => number): Input | { refused: ConsoleError } {
  if (typeof body.source !== 'string') return { refused: consoleError('badRequest.previewSource') };
  const fromRun = typeof body.fromRun === 'string' && body.fromRun !== '' ? body.fromRun : null;
  const profile = body.profile;
  if (fromRun === null && (profile === null || typeof profile !== 'object' || Array.isArray(profile))) return { refused: consoleError('badRequest.previewProfile') };
  if (body.lang !== undefined && body.lang !== null && (typeof body.lang !== 'string' || !/^[a-z]{2,3}$/.test(body.lang))) return { refused: consoleError('badRequest.previewLang') };
  let now = clock();
  if (body.now !== undefined && body.now !== null) {
    const t = typeof body.now === 'string' ? Date.parse(body.now) : typeof body.now === 'number' ? body.now : NaN;
    if (!Number.isFinite(t)) return { refused: consoleError('badRequest.previewNow') };
    now = t;
  }
  return {
    source: body.source,
    lang: typeof body.lang === 'string' ? body.lang : null,
    now,
    profile: fromRun === null ? (profile as Record<string, unknown>) : null,
    fromRun,
  };
}

/**
 * The typed answers, or a real run's stored profile, read here and never sent
 * back: the page gets their names only. To see them the operator reveals the
 * run through the runs API (POST /runs/:id/reveal, the one logged reveal) and
 * the page then previews with them as typed answers.
 */
async function profileFor(deps: EditorApiDeps, input: Input): Promise<{ values: Record<string, unknown>; masked: boolean } | { refused: ConsoleError }> {
  if (input.fromRun === null) return { values: input.profile ?? {}, masked: false };
  const secrets = await deps.queries.runSecrets(input.fromRun);
  if (!secrets) return { refused: consoleError('error.noSuchRun') };
  return { values: secrets.profile ?? {}, masked: true };
}

/** Another loaded file already uses the draft's id: what `curation check` (loadCurations) would say of the folder. */
function idClash(id: FileResult['id'], set: CurationSet, file: string): CurationLoadError | null {
  if (id === null) return null;
  const other = set.byId(id.value);
  if (!other || other.file === file) return null;
  return { file, line: id.line, path: 'id', ...sentenceOf(duplicateId(id.value, path.basename(other.file))) };
}

function maskedKeys(values: Record<string, unknown>): Record<string, null> {
  return Object.fromEntries(Object.keys(values).map((k) => [k, null]));
}

/**
 * A function module is code the loader imports. A draft may use the module its
 * live curation already loads, never name another path: that would let a
 * console session import any .js file on the server. A new module is added to
 * the curations folder and loaded with Reload.
 */
export async function functionsGuard(file: string, source: string, live: Curation | undefined): Promise<CurationLoadError | null> {
  const wanted = topLevelFunctions(file, source);
  if (wanted === null) return null;
  const liveText = live ? await readSource(live.file) : null;
  const allowed = liveText === null ? null : topLevelFunctions(live?.file ?? file, liveText);
  if (allowed !== null && allowed.value === wanted.value) return null;
  const message =
    allowed === null
      ? 'a draft in the console cannot name a function module: add the module and the curation to the curations folder, then Reload'
      : `a draft in the console may only use the function module its curation already loads (${JSON.stringify(allowed.value)}); add another module to the curations folder, then Reload`;
  return { file, line: wanted.line, path: 'functions', message };
}

/** The `functions:` value of a curation text, when it parses and names one (the loader reports anything else). */
function topLevelFunctions(file: string, text: string): { value: unknown; line: number } | null {
  const parsed = parseYaml(file, text);
  if (!parsed.ok) return null;
  const { doc, lines } = parsed.source;
  if (!doc.has('functions')) return null;
  const node = doc.get('functions', true) as { range?: [number, number, number] } | undefined;
  return { value: doc.get('functions'), line: node?.range ? lines.linePos(node.range[0]).line : 1 };
}

/** A loader error as the console lists it, with the line `curation check` prints (the file shown as check shows it). */
export function problemOf(e: CurationLoadError): EditorProblem {
  const said = e.code === undefined ? {} : { code: e.code, params: e.params ?? {} };
  return { line: e.line, column: null, path: e.path, message: e.path === '' ? e.message : `${e.path}: ${e.message}`, check: formatLoadError({ ...e, file: shown(e.file) }), ...said };
}

/** As `curation check` shows a file: relative to where the service was started. */
function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** The file's text as the loader reads it; null when it cannot be read or is over the loader's cap. */
async function readSource(file: string): Promise<string | null> {
  const read = await readBounded(file, MAX_CURATION_FILE_BYTES);
  return read === null || read === 'too large' ? null : read.text;
}
