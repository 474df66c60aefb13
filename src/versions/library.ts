// The curation library (issue 19): the versions in the database are what
// runs. Each channel's live set is built from its heads' live versions,
// compiled once per text (a cache keyed by hash); a run resolves the version
// it was planned with, never whatever is live now. Files in CURATIONS_DIR
// are recorded as versions by the rules of file-sync.ts. Every instance
// reads the catalog's generation every WATCH_MS and rebuilds when it moved,
// so a publish on one instance is live on all within that time.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { loadSource } from '../curation/load.js';
import { formatLoadError, type CurationLoadError } from '../curation/load-errors.js';
import type { CurationSource } from '../curation/load.js';
import type { Curation, CurationSet } from '../curation/types.js';
import { withVersion } from '../curation/internals.js';
import { attachGoldenTests, goldenTestsOf } from '../curation/golden.js';
import type { Database, VersionOrigin } from '../delivery/store/schema.js';
import type { Dialect } from '../delivery/store/connect.js';
import {
  addVersionTx,
  catalogGeneration,
  dropDraftTx,
  headOf,
  liveVersions,
  lockCatalog,
  newestVersions,
  setHeadTx,
  switchCurationTx,
  versionById,
  type VersionRow,
} from '../delivery/store/curation-versions.js';
import { fileSyncAction } from './file-sync.js';
import { CompileCache } from './compile-cache.js';

/** How often an instance looks for a publish made elsewhere: well inside the 5 s a publish may take to be live everywhere. */
export const WATCH_MS = 2_000;

export const sourceHash = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** What a channel's files hold, as the loader read and compiled them. */
export interface LoadedFiles {
  set: CurationSet;
  sources: Map<string, CurationSource>;
}

export interface FileSyncChange {
  scope: string;
  curationId: string;
  kind: 'publish' | 'keep' | 'retire';
  version: number | null;
}

export type PublishResult =
  | { ok: true; version: VersionRow }
  | { ok: false; reason: 'invalid'; errors: CurationLoadError[] }
  | { ok: false; reason: 'owned by file' | 'wrong id' | 'unknown version'; message: string };

export interface PublishRequest {
  scope: string;
  curationId: string;
  source: string;
  by: string | null;
  note: string | null;
  /** Publish over a curation its file owns: from now on the console owns it (its file's changes are kept, not made live). */
  takeOver?: boolean;
  testsOverride?: string | null;
  /** The same text as the caller already compiled it (the console checks a draft before it publishes), and the file it was compiled beside: used when that is the file the version gets. */
  compiled?: { file: string; curation: Curation };
}

export class CurationLibrary {
  private generation = -1;
  private readonly cache = new CompileCache(200);
  private live = new Map<string, CurationSet>();
  private readonly listeners: Array<(scope: string, set: CurationSet) => void> = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly logger: Logger,
    /** The loader (a test counts its calls). */
    private readonly load: typeof loadSource = loadSource,
  ) {}

  /** The database the versions live in, for the console's reads of history and drafts (the store's functions). */
  get database(): Kysely<Database> {
    return this.db;
  }

  /** Told of each scope's new live set after every rebuild. */
  onChange(listener: (scope: string, set: CurationSet) => void): void {
    this.listeners.push(listener);
  }

  liveSet(scope: string): CurationSet | undefined {
    return this.live.get(scope);
  }

  /**
   * Records what a channel's files hold as versions (file-sync.ts), in one
   * transaction under the catalog's lock; the compiled curations seed the
   * cache, so a start compiles nothing twice. Returns what changed.
   */
  async syncFiles(scope: string, files: LoadedFiles, now = Date.now()): Promise<FileSyncChange[]> {
    const texts = new Map<string, { source: CurationSource; hash: string }>();
    for (const c of files.set.curations) {
      const source = files.sources.get(c.id);
      if (!source) continue;
      const hash = sourceHash(source.text);
      texts.set(c.id, { source, hash });
      this.cache.put(hash, source.file, c);
    }
    const changes = await this.db.transaction().execute(async (trx) => {
      await lockCatalog(trx, this.dialect);
      const stored = (await liveVersions(trx)).filter((v) => v.head.scope === scope);
      const ids = new Set([...texts.keys(), ...stored.map((v) => v.head.curation_id)]);
      const out: FileSyncChange[] = [];
      for (const id of [...ids].sort()) {
        const file = texts.get(id) ?? null;
        const known = stored.find((v) => v.head.curation_id === id) ?? null;
        const newestFileHash = known ? (await newestVersions(trx, scope, id)).newestFileHash : null;
        const action = fileSyncAction(file && { hash: file.hash }, known && { owner: known.head.owner, liveHash: known.live?.hash ?? null, newestFileHash });
        switch (action.kind) {
          case 'none':
            break;
          case 'publish':
          case 'keep': {
            const row = await addVersionTx(
              trx,
              { scope, curationId: id, source: file!.source.text, hash: file!.hash, origin: 'file', file: file!.source.file, publishedBy: null, note: 'from file' },
              now,
              action.kind === 'publish' ? { live: true, owner: 'file' } : { live: false },
            );
            out.push({ scope, curationId: id, kind: action.kind, version: row.version });
            break;
          }
          case 'retire':
            await setHeadTx(trx, scope, id, { live_version: null, owner: 'file' }, now);
            out.push({ scope, curationId: id, kind: 'retire', version: null });
            break;
          default: {
            const unknown: never = action;
            throw new Error(`unknown file sync action ${JSON.stringify(unknown)}`);
          }
        }
      }
      return out;
    });
    for (const c of changes) {
      if (c.kind === 'keep') {
        this.logger.warn(
          { scope, curationId: c.curationId, version: c.version },
          'the curation file changed, but the console owns this curation: the file is kept as a version, not live (publish it from the history to use it)',
        );
      } else this.logger.info({ scope, curationId: c.curationId, version: c.version, change: c.kind }, c.kind === 'publish' ? 'curation file recorded as a live version' : 'curation file removed: no longer live');
    }
    return changes;
  }

  /** Rebuilds every scope's live set from the database, when the catalog moved since the last rebuild (or always, with `force`). */
  async refresh(force = false): Promise<boolean> {
    const generation = await catalogGeneration(this.db);
    if (!force && generation === this.generation) return false;
    const rows = await liveVersions(this.db);
    const byScope = new Map<string, Curation[]>();
    for (const { head, live } of rows) {
      if (!live) continue;
      const compiled = await this.compile(live);
      if (!compiled) continue;
      // Switched off in the console: it stays listed and previewable, and starts nothing (matchCurations skips it).
      if (Number(head.enabled) === 0) compiled.enabled = false;
      const list = byScope.get(head.scope) ?? [];
      list.push(compiled);
      byScope.set(head.scope, list);
    }
    const next = new Map<string, CurationSet>();
    for (const [scope, list] of byScope) next.set(scope, setOf(list));
    // A scope whose every curation went away is an empty set, not the old one.
    for (const scope of this.live.keys()) if (!next.has(scope)) next.set(scope, setOf([]));
    this.live = next;
    this.generation = generation;
    for (const [scope, set] of next) for (const l of this.listeners) l(scope, set);
    return true;
  }

  /** Rebuilds when another instance published: every `ms`, until the returned stop is called. A failed look is tried again at the next tick. */
  watch(ms = WATCH_MS): () => void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.refresh()
        .then((changed) => {
          if (changed) this.logger.info({ generation: this.generation }, 'curations changed: live sets rebuilt');
        })
        .catch((err: unknown) => this.logger.warn({ err: errorName(err) }, 'curation versions could not be read; the live sets stay as they are'))
        .finally(() => (busy = false));
    }, ms);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The curation as the given version holds it (a run's own version); undefined when the version is gone or no longer compiles. */
  async forVersion(id: string): Promise<Curation | undefined> {
    const row = await versionById(this.db, id);
    return row ? this.compile(row) : undefined;
  }

  /**
   * Publishes a new version from the console: it must load as a file would
   * (the same loader) and keep its id; a curation its file owns needs
   * `takeOver`. The draft is dropped in the same transaction. Live here at
   * once, elsewhere within WATCH_MS.
   */
  async publish(p: PublishRequest, now = Date.now()): Promise<PublishResult> {
    const head = await headOf(this.db, p.scope, p.curationId);
    const file = head?.live_version ? ((await versionById(this.db, `${p.scope}/${p.curationId}@${head.live_version}`))?.file ?? null) : null;
    const compiledBeside = file ?? virtualFile(p.scope, p.curationId);
    const loaded = p.compiled?.file === compiledBeside ? { ok: true as const, curation: p.compiled.curation } : await this.load(compiledBeside, p.source);
    if (!loaded.ok) return { ok: false, reason: 'invalid', errors: loaded.errors };
    if (loaded.curation.id !== p.curationId) return { ok: false, reason: 'wrong id', message: `the text declares id '${loaded.curation.id}', not '${p.curationId}'` };
    if (head?.owner === 'file' && !p.takeOver) {
      return { ok: false, reason: 'owned by file', message: `${p.curationId} is kept in its file; publish with takeOver to edit it in the console from now on (its file's changes will be kept as versions, not made live)` };
    }
    const row = await this.db.transaction().execute(async (trx) => {
      await lockCatalog(trx, this.dialect);
      const added = await addVersionTx(
        trx,
        { scope: p.scope, curationId: p.curationId, source: p.source, hash: sourceHash(p.source), origin: 'console', file, publishedBy: p.by, note: p.note, testsOverride: p.testsOverride ?? null },
        now,
        { live: true, owner: 'console' as VersionOrigin },
      );
      await dropDraftTx(trx, p.scope, p.curationId);
      return added;
    });
    // The rebuild below finds the version compiled (compile() looks the text up by its hash and file).
    this.cache.put(row.hash, compiledBeside, loaded.curation);
    this.logger.info({ scope: p.scope, curationId: p.curationId, version: row.version }, 'curation version published');
    await this.refresh();
    return { ok: true, version: row };
  }

  /** The console's on/off switch: off, the curation starts no new run (runs under way finish); live at once here, elsewhere within WATCH_MS. */
  async switchCuration(scope: string, curationId: string, on: boolean, now = Date.now()): Promise<boolean> {
    const done = await this.db.transaction().execute(async (trx) => {
      await lockCatalog(trx, this.dialect);
      return switchCurationTx(trx, scope, curationId, on, now);
    });
    if (done) await this.refresh();
    return done;
  }

  /** Publishes an earlier version's text again, as a new number. */
  async rollBack(scope: string, curationId: string, version: number, by: string | null, now = Date.now()): Promise<PublishResult> {
    const old = await versionById(this.db, `${scope}/${curationId}@${version}`);
    if (!old) return { ok: false, reason: 'unknown version', message: `${curationId} has no version ${version}` };
    return this.publish({ scope, curationId, source: old.source, by, note: `rollback to version ${version}`, takeOver: true }, now);
  }

  private async compile(row: VersionRow): Promise<Curation | undefined> {
    const file = row.file ?? virtualFile(row.scope, row.curation_id);
    let compiled = this.cache.get(row.hash, file);
    if (!compiled) {
      const loaded = await this.load(file, row.source);
      if (!loaded.ok) {
        // A stored text that no longer compiles (the language changed under it): said once per rebuild, by id only.
        this.logger.error({ versionId: row.id, errors: loaded.errors.map(formatLoadError).slice(0, 3) }, 'a stored curation version does not compile');
        return undefined;
      }
      compiled = loaded.curation;
      this.cache.put(row.hash, file, compiled);
    }
    const versioned = withVersion(compiled, { id: row.id, number: row.version });
    attachGoldenTests(versioned, goldenTestsOf(compiled));
    return versioned;
  }
}

/** What a curation made in the console is called where a file name is shown (errors, the console). */
export const virtualFile = (scope: string, curationId: string): string => `console:${scope}/${curationId}.yaml`;

function setOf(list: Curation[]): CurationSet {
  const byId = new Map(list.map((c) => [c.id, c]));
  return { curations: list, byId: (id) => byId.get(id) };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'error';
}
