// Curations as versioned documents (issue 19 item 1), through the real
// store on SQLite and PostgreSQL: files become versions by the rules of
// file-sync.ts, the console publishes and rolls back, a run keeps the
// version it was planned with after a publish, and on PostgreSQL a second
// instance sees a publish within 5 s.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { Store } from '../../src/delivery/store/store.js';
import { loadCurations, plan } from '../../src/curation/index.js';
import { CurationLibrary, virtualFile, type LoadedFiles } from '../../src/versions/library.js';
import { loadSource } from '../../src/curation/load.js';
import { listVersions, headOf } from '../../src/delivery/store/curation-versions.js';
import { freshDatabases, freshPostgres, postgresAvailable } from '../support/databases.js';
import { chatOpened, tempDir } from '../curation/helpers.js';
import { runCandidates } from '../../src/delivery/intake.js';
import { eventually } from '../support/processes.js';

const DB_KINDS = await freshDatabases();
const silent = pino({ level: 'silent' });

const text = (id: string, message: string) => `id: ${id}\ndefaultLanguage: ko\ntrigger: { on: chatOpened }\nmessages:\n  - text: ${message}\n`;

async function files(dir: string): Promise<LoadedFiles> {
  const loaded = await loadCurations(dir);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  return { set: loaded.set, sources: loaded.sources };
}

/** The first message's text as plan() renders it for a customer. */
function firstText(c: Parameters<typeof plan>[0]): string {
  const p = plan(c, chatOpened(), {}, { runId: 'r', now: 0 });
  const block = p.messages[0]?.body.blocks?.[0];
  return block && 'value' in block ? String(block.value) : '';
}

for (const kind of DB_KINDS) {
  describe(`curation versions on ${kind.name}`, () => {
    let store: Store;
    let library: CurationLibrary;
    let dir: string;

    before(async () => {
      store = await Store.open(kind.url, { delayScale: 0 });
      library = new CurationLibrary(store.db, store.dialect, silent);
      dir = await tempDir({ 'hello.yaml': text('hello', '안녕하세요'), 'bye.yaml': text('bye', '또 만나요') });
    });
    after(async () => {
      await store.close();
    });

    test('each file becomes version 1, live and owned by its file; the same files again record nothing', async () => {
      const changes = await library.syncFiles('shop', await files(dir));
      assert.deepEqual(changes.map((c) => [c.curationId, c.kind, c.version]), [['bye', 'publish', 1], ['hello', 'publish', 1]]);
      await library.refresh();
      const live = library.liveSet('shop')!.byId('hello')!;
      assert.equal(live.version?.id, 'shop/hello@1');
      assert.equal(firstText(live), '안녕하세요');
      assert.deepEqual(await library.syncFiles('shop', await files(dir)), []);
      assert.equal((await headOf(store.db, 'shop', 'hello'))?.owner, 'file');
    });

    test('a changed file is a new live version; a removed file is no longer live, and its versions stay', async () => {
      writeFileSync(path.join(dir, 'hello.yaml'), text('hello', '반가워요'));
      rmSync(path.join(dir, 'bye.yaml'));
      const changes = await library.syncFiles('shop', await files(dir));
      assert.deepEqual(changes.map((c) => [c.curationId, c.kind, c.version]), [['bye', 'retire', null], ['hello', 'publish', 2]]);
      await library.refresh();
      assert.equal(library.liveSet('shop')!.byId('bye'), undefined);
      assert.equal(firstText(library.liveSet('shop')!.byId('hello')!), '반가워요');
      // A run planned with version 1 still resolves it.
      assert.equal(firstText((await library.forVersion('shop/hello@1'))!), '안녕하세요');
      assert.equal(firstText((await library.forVersion('shop/bye@1'))!), '또 만나요');
    });

    test('the console may not publish over a file without taking it over; taken over, a file change is kept as a version but not made live', async () => {
      const refused = await library.publish({ scope: 'shop', curationId: 'hello', source: text('hello', '콘솔에서 고쳤어요'), by: 'operator', note: 'wording' });
      assert.equal(refused.ok, false);
      assert.ok(!refused.ok && refused.reason === 'owned by file');

      const taken = await library.publish({ scope: 'shop', curationId: 'hello', source: text('hello', '콘솔에서 고쳤어요'), by: 'operator', note: 'wording', takeOver: true });
      assert.ok(taken.ok);
      assert.equal(taken.version.version, 3);
      assert.equal(taken.version.origin, 'console');
      assert.equal(firstText(library.liveSet('shop')!.byId('hello')!), '콘솔에서 고쳤어요', 'live at once on this instance');

      writeFileSync(path.join(dir, 'hello.yaml'), text('hello', '파일에서 고쳤어요'));
      const changes = await library.syncFiles('shop', await files(dir));
      assert.deepEqual(changes.map((c) => [c.curationId, c.kind, c.version]), [['hello', 'keep', 4]]);
      await library.refresh();
      assert.equal(firstText(library.liveSet('shop')!.byId('hello')!), '콘솔에서 고쳤어요', 'the console keeps what is live');
      const versions = await listVersions(store.db, 'shop', 'hello');
      assert.deepEqual(versions.map((v) => [v.version, v.origin, v.note]), [[4, 'file', 'from file'], [3, 'console', 'wording'], [2, 'file', 'from file'], [1, 'file', 'from file']]);
      assert.equal(firstText((await library.forVersion('shop/hello@4'))!), '파일에서 고쳤어요', 'nothing of the file is lost');
      // The same file again records nothing more.
      assert.deepEqual(await library.syncFiles('shop', await files(dir)), []);
    });

    test('a text that does not load is refused with the loader errors at their line, and one that names another id too', async () => {
      const broken = await library.publish({ scope: 'shop', curationId: 'hello', source: `${text('hello', 'x')}  - delay: often\n    text: y\n`, by: 'operator', note: null });
      assert.ok(!broken.ok && broken.reason === 'invalid');
      assert.ok(!broken.ok && broken.reason === 'invalid' && broken.errors.some((e) => e.line === 6), JSON.stringify(broken));
      const renamed = await library.publish({ scope: 'shop', curationId: 'hello', source: text('other', 'x'), by: 'operator', note: null });
      assert.ok(!renamed.ok && renamed.reason === 'wrong id');
      assert.equal((await listVersions(store.db, 'shop', 'hello')).length, 4, 'nothing recorded');
    });

    test('roll back publishes an old text again, as a new number', async () => {
      const back = await library.rollBack('shop', 'hello', 1, 'operator');
      assert.ok(back.ok);
      assert.equal(back.version.version, 5);
      assert.equal(back.version.note, 'rollback to version 1');
      assert.equal(firstText(library.liveSet('shop')!.byId('hello')!), '안녕하세요');
      assert.equal(library.liveSet('shop')!.byId('hello')!.version?.number, 5);
      const unknown = await library.rollBack('shop', 'hello', 99, 'operator');
      assert.ok(!unknown.ok && unknown.reason === 'unknown version');
    });

    test('a publish compiles its text once: the live set reuses it, and a text the caller compiled from the same file is not compiled again', async () => {
      let loads = 0;
      // Only this curation's loads: the rebuild also compiles the other tests' live versions, once each, into this library's fresh cache.
      const counting: typeof loadSource = (file, source) => {
        if (file === virtualFile('once-shop', 'once')) loads++;
        return loadSource(file, source);
      };
      const lib = new CurationLibrary(store.db, store.dialect, silent, counting);
      const source = text('once', '한 번만 컴파일해요');
      const made = await lib.publish({ scope: 'once-shop', curationId: 'once', source, by: 'operator', note: null });
      assert.ok(made.ok);
      assert.equal(firstText(lib.liveSet('once-shop')!.byId('once')!), '한 번만 컴파일해요');
      assert.equal(loads, 1, 'publish loads the text, and the rebuild after it takes the same compiled curation');
      const again = text('once', '미리 컴파일했어요');
      const draft = await loadSource(virtualFile('once-shop', 'once'), again);
      assert.ok(draft.ok);
      const next = await lib.publish({ scope: 'once-shop', curationId: 'once', source: again, by: 'operator', note: null, compiled: { file: virtualFile('once-shop', 'once'), curation: draft.curation } });
      assert.ok(next.ok);
      assert.equal(firstText(lib.liveSet('once-shop')!.byId('once')!), '미리 컴파일했어요');
      assert.equal(loads, 1, "the caller's compiled draft of the same text and file is used as it is");
    });

    test('a curation made in the console has no file, and files never touch it', async () => {
      const made = await library.publish({ scope: 'shop', curationId: 'fresh', source: text('fresh', '새로 만들었어요'), by: 'operator', note: 'new' });
      assert.ok(made.ok);
      assert.equal(made.version.file, null);
      assert.deepEqual(await library.syncFiles('shop', await files(dir)), []);
      assert.equal(firstText(library.liveSet('shop')!.byId('fresh')!), '새로 만들었어요');
    });
  });
}

const PG_ADMIN = postgresAvailable();
describe('curation versions across instances (PostgreSQL)', { skip: PG_ADMIN ? false : 'needs TEST_DATABASE_URL' }, () => {
  test('a publish on one instance is live on another within 5 s, with no restart', async () => {
    const url = await freshPostgres(PG_ADMIN!);
    const a = await Store.open(url, { delayScale: 0 });
    const b = await Store.open(url, { delayScale: 0 });
    const libA = new CurationLibrary(a.db, a.dialect, silent);
    const libB = new CurationLibrary(b.db, b.dialect, silent);
    const stop = libB.watch(500);
    try {
      const dir = await tempDir({ 'hello.yaml': text('hello', '첫 번째') });
      // Both instances start on the same files at the same moment: the version is numbered once.
      await Promise.all([libA.syncFiles('shop', await files(dir)), libB.syncFiles('shop', await files(dir))]);
      assert.equal((await listVersions(a.db, 'shop', 'hello')).length, 1);
      await Promise.all([libA.refresh(), libB.refresh()]);
      const published = await libA.publish({ scope: 'shop', curationId: 'hello', source: text('hello', '두 번째'), by: 'operator', note: null, takeOver: true });
      assert.ok(published.ok);
      const t0 = Date.now();
      const seen = await eventually(() => (libB.liveSet('shop')?.byId('hello')?.version?.number === 2 ? libB.liveSet('shop')!.byId('hello')! : undefined), 5_000, 'the publish on the other instance');
      assert.ok(Date.now() - t0 < 5_000);
      assert.equal(firstText(seen), '두 번째');
      // What the other instance's planning starts from now: the new version, recorded on the run.
      const [candidate] = runCandidates(chatOpened(), libB.liveSet('shop')!, Date.now());
      assert.equal(candidate?.curationVersion, 'shop/hello@2');
    } finally {
      stop();
      await a.close();
      await b.close();
    }
  });
});
