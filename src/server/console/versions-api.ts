// Curations as versioned documents in the console (issue 19 items 1, 3, 4,
// 5): a curation's history and any version's text, the draft kept on the
// server (it changes nothing live), "what would change" against the last
// real runs, Publish (its golden tests must pass, or the operator gives the
// reason, which is recorded) and Roll back (an old text published again as a
// new number). Every write is the session's operator's, and logged by ids.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { runGoldenTests } from '../../curation/index.js';
import { loadSource, MAX_CURATION_FILE_BYTES } from '../../curation/load.js';
import type { ConsoleQueries } from '../../delivery/store/console-queries.js';
import { draftOf, headOf, listVersions, saveDraft, versionById, versionId } from '../../delivery/store/curation-versions.js';
import type { CurationLibrary } from '../../versions/library.js';
import { virtualFile } from '../../versions/library.js';
import { DEFAULT_IMPACT_RUNS, whatWouldChange } from '../../versions/impact.js';
import { functionsGuard, problemOf } from './editor-api.js';
import type { Audit } from './audit.js';
import { consoleError } from './messages.js';
import type { Session } from './sessions.js';

export interface ConsoleVersions {
  library: CurationLibrary;
  /** The scope (channel name) a curation id belongs to: the channel that runs it, else (a new curation) the first. */
  scopeOf(curationId: string): string;
  /** IMPACT_RUNS: how many recent runs "what would change" replays, unless a request asks for fewer or more. */
  impactRuns?: number;
}

export interface VersionsApiDeps {
  versions: ConsoleVersions;
  queries: ConsoleQueries;
  logger: Logger;
  sessionOf: (req: FastifyRequest) => Session;
  audit: Audit;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A source at the loader's cap, JSON-escaped, and the rest of the body. */
const BODY_LIMIT = 2 * MAX_CURATION_FILE_BYTES + 16 * 1024;
const routeOpts = { bodyLimit: BODY_LIMIT };

interface WriteBody {
  source?: unknown;
  note?: unknown;
  takeOver?: unknown;
  override?: unknown;
  limit?: unknown;
  version?: unknown;
}

export function registerVersionsApi(api: FastifyInstance, deps: VersionsApiDeps): void {
  const { library } = deps.versions;
  const db = library.database;

  api.get('/curations/:id/versions', async (req, reply) => {
    const id = idOf(req);
    if (!id) return reply.code(400).send(consoleError('badRequest.curationId'));
    const scope = deps.versions.scopeOf(id);
    const [head, versions, draft] = await Promise.all([headOf(db, scope, id), listVersions(db, scope, id), draftOf(db, scope, id)]);
    return {
      id,
      scope,
      owner: head?.owner ?? null,
      liveVersion: head?.live_version ?? null,
      switchedOn: head ? Number(head.enabled) !== 0 : null,
      versions: versions.map((v) => ({ version: v.version, origin: v.origin, file: v.file, publishedBy: v.published_by, publishedAt: Number(v.published_at), note: v.note, testsOverride: v.tests_override, hash: v.hash })),
      draft: draft ? { source: draft.source, savedAt: Number(draft.saved_at), savedBy: draft.saved_by, baseVersion: draft.base_version } : null,
    };
  });

  api.get('/curations/:id/versions/:n', async (req, reply) => {
    const id = idOf(req);
    const n = Number((req.params as { n: string }).n);
    if (!id || !Number.isInteger(n) || n < 1) return reply.code(400).send(consoleError('badRequest.versionNumber'));
    const row = await versionById(db, versionId(deps.versions.scopeOf(id), id, n));
    if (!row) return reply.code(404).send(consoleError('error.noSuchVersion', { id, n }));
    return { id, version: row.version, source: row.source, origin: row.origin, file: row.file, publishedBy: row.published_by, publishedAt: Number(row.published_at), note: row.note, testsOverride: row.tests_override };
  });

  api.put('/curations/:id/draft', routeOpts, async (req, reply) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as WriteBody;
    if (!id || typeof body.source !== 'string') return reply.code(400).send(consoleError('badRequest.draftSource'));
    if (Buffer.byteLength(body.source, 'utf8') > MAX_CURATION_FILE_BYTES) return reply.code(413).send(consoleError('error.curationTooLarge', { kb: MAX_CURATION_FILE_BYTES / 1024 }));
    const scope = deps.versions.scopeOf(id);
    const head = await headOf(db, scope, id);
    const operator = deps.sessionOf(req).operatorId;
    const savedAt = Date.now();
    await saveDraft(db, { scope, curationId: id, source: body.source, baseVersion: head?.live_version ?? null, savedBy: operator }, savedAt);
    deps.logger.info({ operator, curationId: id }, 'console: draft saved');
    return { ok: true, savedAt };
  });

  api.post('/curations/:id/impact', routeOpts, async (req, reply) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as WriteBody;
    if (!id || typeof body.source !== 'string') return reply.code(400).send(consoleError('badRequest.impactSource'));
    const limit = typeof body.limit === 'number' && Number.isInteger(body.limit) && body.limit > 0 ? Math.min(body.limit, 1000) : (deps.versions.impactRuns ?? DEFAULT_IMPACT_RUNS);
    const draft = await compileDraft(deps, id, body.source);
    if (!draft.ok) return reply.code(400).send({ ok: false, reason: 'invalid', errors: draft.errors.map(problemOf) });
    const live = library.liveSet(deps.versions.scopeOf(id))?.byId(id);
    const runs = await deps.queries.recentProfiles(id, limit);
    return { ok: true, ...whatWouldChange(draft.curation, live, runs) };
  });

  api.post('/curations/:id/publish', routeOpts, async (req, reply) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as WriteBody;
    if (!id || typeof body.source !== 'string') return reply.code(400).send(consoleError('badRequest.publishSource'));
    const note = typeof body.note === 'string' && body.note.trim() !== '' ? body.note.trim().slice(0, 500) : null;
    const override = typeof body.override === 'string' && body.override.trim() !== '' ? body.override.trim().slice(0, 500) : null;
    const scope = deps.versions.scopeOf(id);
    if ((await headOf(db, scope, id))?.owner === 'file' && body.takeOver !== true) {
      return reply.code(409).send({ ok: false, reason: 'owned by file', message: `${id} is kept in its file; publish with takeOver to edit it in the console from now on (its file's changes will be kept as versions, not made live)` });
    }
    const draft = await compileDraft(deps, id, body.source);
    if (!draft.ok) return reply.code(400).send({ ok: false, reason: 'invalid', errors: draft.errors.map(problemOf) });
    const golden = runGoldenTests(draft.curation);
    if (golden.failed > 0 && override === null) {
      const refused = consoleError('golden.failing', { failed: golden.failed, total: golden.total });
      return reply.code(409).send({ ...refused, reason: 'golden', message: refused.error, golden });
    }
    const operator = deps.sessionOf(req).operatorId;
    const result = await library.publish({
      scope,
      curationId: id,
      source: body.source,
      by: operator,
      note,
      takeOver: body.takeOver === true,
      testsOverride: golden.failed > 0 ? override : null,
      // Compiled once: the draft checked above is what goes live.
      compiled: { file: draft.file, curation: draft.curation },
    });
    if (!result.ok) return reply.code(result.reason === 'invalid' ? 400 : 409).send(result.reason === 'invalid' ? { ok: false, reason: 'invalid', errors: result.errors.map(problemOf) } : result);
    deps.logger.info({ operator, curationId: id, version: result.version.version, goldenFailed: golden.failed }, 'console: curation published');
    // Right after the library's own transaction (it owns the catalog lock).
    await deps.audit(req, 'curation.published', id, { scope, version: result.version.version, takeOver: body.takeOver === true, goldenFailed: golden.failed });
    if (golden.failed > 0) await deps.audit(req, 'curation.tests_overridden', id, { scope, version: result.version.version, goldenFailed: golden.failed, goldenTotal: golden.total, reason: override });
    return { ok: true, version: result.version.version, golden: { total: golden.total, failed: golden.failed } };
  });

  // The on/off switch: off, the curation starts no new run; runs under way finish. No version is made.
  api.post('/curations/:id/switch', async (req, reply) => {
    const id = idOf(req);
    const on = ((req.body ?? {}) as { on?: unknown }).on;
    if (!id || typeof on !== 'boolean') return reply.code(400).send(consoleError('error.switchBody'));
    const scope = deps.versions.scopeOf(id);
    if (!(await library.switchCuration(scope, id, on))) return reply.code(404).send(consoleError('error.noSuchCuration'));
    const operator = deps.sessionOf(req).operatorId;
    deps.logger.info({ operator, curationId: id, on }, 'console: curation switched');
    await deps.audit(req, 'curation.switched', id, { scope, on });
    return { ok: true, on };
  });

  api.post('/curations/:id/rollback', async (req, reply) => {
    const id = idOf(req);
    const body = (req.body ?? {}) as WriteBody;
    if (!id || typeof body.version !== 'number' || !Number.isInteger(body.version)) return reply.code(400).send(consoleError('badRequest.rollbackVersion'));
    const operator = deps.sessionOf(req).operatorId;
    const result = await library.rollBack(deps.versions.scopeOf(id), id, body.version, operator);
    if (!result.ok) return reply.code(result.reason === 'unknown version' ? 404 : 409).send(result.reason === 'invalid' ? { ok: false, reason: 'invalid', errors: result.errors.map(problemOf) } : worded(result, id, body.version));
    deps.logger.info({ operator, curationId: id, version: result.version.version, from: body.version }, 'console: curation rolled back');
    await deps.audit(req, 'curation.rolled_back', id, { scope: deps.versions.scopeOf(id), version: result.version.version, from: body.version });
    return { ok: true, version: result.version.version };
  });
}

/** A library refusal with its catalogue key where the console shows its sentence (roll back's; a take-over is worded by its reason). */
function worded(r: { ok: false; reason: 'owned by file' | 'wrong id' | 'unknown version'; message: string }, id: string, version: number) {
  switch (r.reason) {
    case 'unknown version':
      return { ...consoleError('error.noSuchVersion', { id, n: version }), reason: r.reason, message: r.message };
    case 'owned by file':
    case 'wrong id':
      return r;
    default: {
      const _never: never = r.reason;
      throw new Error(`unknown refusal ${String(_never)}`);
    }
  }
}

function idOf(req: FastifyRequest): string | null {
  const id = (req.params as { id?: string }).id;
  return typeof id === 'string' && ID.test(id) ? id : null;
}

/** The draft as it would be published: the loader's own steps, the same function-module rule as the editor's preview, and its id kept. */
async function compileDraft(deps: VersionsApiDeps, id: string, source: string) {
  const scope = deps.versions.scopeOf(id);
  const live = deps.versions.library.liveSet(scope)?.byId(id);
  const file = live?.file ?? virtualFile(scope, id);
  const guard = await functionsGuard(file, source, live);
  if (guard) return { ok: false as const, errors: [guard] };
  const loaded = await loadSource(file, source);
  if (!loaded.ok) return { ok: false as const, errors: loaded.errors };
  if (loaded.curation.id !== id) return { ok: false as const, errors: [{ file, line: loaded.id?.line ?? 1, path: 'id', message: `is '${loaded.curation.id}': a version keeps its curation's id ('${id}')` }] };
  return { ok: true as const, curation: loaded.curation, file };
}
