// The curation editor's API without a browser: a curation's source, the
// schema the editor completes from, and the stateless preview of a draft:
// checked by the loader itself (the same sentence and line as `curation
// check`), planned by the simulator's plan(), bounded, changing nothing live,
// with a run's answers masked until revealed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatLoadError, loadCurations } from '../../src/curation/index.js';
import { loadCatalogue, render } from '../../src/server/console/messages.js';
import { webhook } from '../support/fixtures.js';
import { tempDir } from '../support/processes.js';
import { signIn, startHarness, until, type Harness } from './harness.js';
import { COPY_CURATION, copyDelivery, WEIGHT } from './weight-copy.js';

interface Problem {
  line: number | null;
  column: null;
  path: string;
  message: string;
  check: string;
  code?: string;
  params?: Record<string, string | number>;
}
interface Preview {
  ok: boolean;
  errors: Problem[];
  warnings: Problem[];
  curation?: { id: string; fields: Array<{ name: string }>; valueNames: string[] };
  plan?: {
    outcome: string;
    lang: string;
    values: Record<string, unknown>;
    profile: Record<string, unknown>;
    masked: boolean;
    problems: unknown[];
    messages: Array<{ seq: number; delayMs: number; rendered: unknown }>;
  };
}

const hongProfile = () => (webhook('user-chat-opened').refers as { user: { profile: Record<string, unknown> } }).user.profile;

/** What `curation check` prints for a file of this text (its lines, file name aside). */
async function checkLines(name: string, text: string): Promise<Array<{ line: number | null; sentence: string }>> {
  const dir = path.join(tempDir('editor-check-'), 'curations');
  mkdirSync(dir);
  writeFileSync(path.join(dir, name), text);
  const loaded = await loadCurations(dir);
  assert.equal(loaded.ok, false, 'the broken text is refused by the loader too');
  if (loaded.ok) return [];
  return loaded.errors.map((e) => ({ line: e.line, sentence: formatLoadError({ ...e, file: 'F' }).replace(/^F(:\d+)? /, '') }));
}

describe('console: the curation editor API', () => {
  let h: Harness;
  let s: { cookie: string; csrf: string; operatorId: string };
  let liveSource: string;

  before(async () => {
    h = await startHarness({ curations: COPY_CURATION });
    s = await signIn(h.url);
    liveSource = readFileSync(path.join(h.curationsDir, 'diet-main.yaml'), 'utf8');
  });
  after(async () => {
    await h?.close();
  });

  const preview = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${h.url}/console/api/curations/preview-source`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf, ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Preview & { error?: string; code?: string } };
  };

  test('GET source: the loaded file as it is on disk; 404 for an unknown id; 401 without a session', async () => {
    const res = await fetch(`${h.url}/console/api/curations/diet-main/source`, { headers: { cookie: s.cookie } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as { id: string; source: string; file: string };
    assert.equal(body.id, 'diet-main');
    assert.equal(body.source, liveSource);
    assert.match(body.file, /diet-main\.yaml$/);
    assert.equal((await fetch(`${h.url}/console/api/curations/nope/source`, { headers: { cookie: s.cookie } })).status, 404);
    assert.equal((await fetch(`${h.url}/console/api/curations/diet-main/source`)).status, 401);
  });

  test('the CodeMirror bundle is served by the service itself, as a script the CSP allows (no eval)', async () => {
    const res = await fetch(`${h.url}/console/static/codemirror.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'(;|$)/);
    const text = await res.text();
    assert.ok(text.length > 100_000, 'the whole editor is in it');
    assert.match(text, /cm-editor/);
    assert.doesNotMatch(text, /\beval\(|new Function\(/);
    assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)[a-z]/i, 'it loads nothing from another host');
  });

  test('GET schema: the curation JSON Schema the editor completes from', async () => {
    const res = await fetch(`${h.url}/console/api/curations/schema`, { headers: { cookie: s.cookie } });
    assert.equal(res.status, 200);
    const schema = (await res.json()) as { properties: Record<string, unknown> };
    assert.deepEqual(schema, JSON.parse(readFileSync(path.join(h.curationsDir, 'curation.schema.json'), 'utf8')));
    assert.ok('messages' in schema.properties && 'fields' in schema.properties);
  });

  test('a valid draft: the same plan and rendered messages as the simulator, and the draft contract', async () => {
    const profile = hongProfile();
    const sim = await fetch(`${h.url}/console/api/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
      body: JSON.stringify({ curationId: 'diet-main', profile, lang: 'en' }),
    });
    const simulated = (await sim.json()) as { outcome: string; values: unknown; messages: Array<{ seq: number; delayMs: number; rendered: unknown }> };
    const r = await preview({ source: liveSource, curationId: 'diet-main', profile, lang: 'en' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json.ok, true);
    assert.deepEqual(r.json.errors, []);
    assert.equal(r.json.plan?.outcome, 'sequence');
    assert.deepEqual(r.json.plan?.values, simulated.values);
    assert.deepEqual(
      r.json.plan?.messages.map((m) => ({ seq: m.seq, delayMs: m.delayMs, rendered: m.rendered })),
      simulated.messages.map((m) => ({ seq: m.seq, delayMs: m.delayMs, rendered: m.rendered })),
    );
    assert.deepEqual(r.json.plan?.profile, profile, 'the profile it was given, shown beside the messages');
    assert.equal(r.json.plan?.masked, false);
    assert.ok(r.json.curation?.fields.some((f) => f.name === 'weight'));
    assert.ok(r.json.curation?.valueNames.includes('bmr'));
  });

  test('a changed message shows in the preview, and nothing changes live', async () => {
    const draft = liveSource.replace('Thanks for answering the survey.', 'Thank you for the draft answers.');
    assert.notEqual(draft, liveSource);
    const r = await preview({ source: draft, curationId: 'diet-main', profile: hongProfile(), lang: 'en' });
    assert.equal(r.json.ok, true, JSON.stringify(r.json.errors));
    assert.match(JSON.stringify(r.json.plan?.messages[0]?.rendered), /Thank you for the draft answers\./);
    // The live curation and its file are untouched.
    assert.equal(readFileSync(path.join(h.curationsDir, 'diet-main.yaml'), 'utf8'), liveSource);
    const sim = await fetch(`${h.url}/console/api/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
      body: JSON.stringify({ curationId: 'diet-main', profile: hongProfile(), lang: 'en' }),
    });
    assert.doesNotMatch(await sim.text(), /draft answers/);
  });

  test('a broken draft: each error at its line with the sentence `curation check` prints; no plan', async () => {
    const cases = [
      // A schema error: an unknown key.
      liveSource.replace('  weight: { type: number, unit: kg,', '  weight: { type: number, unnit: kg,'),
      // A meaning error: an unknown name in an expression.
      liveSource.replace('waterL: round(weight * 0.03, 1)', 'waterL: round(wieght * 0.03, 1)'),
      // A YAML syntax error.
      liveSource.replace('pacing:\n  delay: 2s', 'pacing:\n  delay: "2s'),
    ];
    for (const draft of cases) {
      assert.notEqual(draft, liveSource);
      const r = await preview({ source: draft, curationId: 'diet-main', profile: {} });
      assert.equal(r.status, 200);
      assert.equal(r.json.ok, false);
      assert.equal(r.json.plan, undefined);
      const expected = await checkLines('diet-main.yaml', draft);
      assert.deepEqual(
        r.json.errors.map((e) => ({ line: e.line, sentence: e.message })),
        expected,
        'the same lines and sentences as curation check',
      );
      for (const e of r.json.errors) {
        assert.equal(e.column, null);
        assert.ok(e.check.endsWith(` ${e.message}`) && e.check.includes(`diet-main.yaml:${e.line}`), e.check);
      }
    }
  });

  test('a broken draft: each problem also comes with its catalogue key and values, which read in Korean at the same line', async () => {
    const ko = loadCatalogue('ko');
    const en = loadCatalogue('en');
    const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const misspelt = liveSource.replace('waterL: round(weight * 0.03, 1)', 'waterL: round(wieght * 0.03, 1)');
    const unknownKey = liveSource.replace('  weight: { type: number, unit: kg,', '  weight: { type: number, unnit: kg,');
    const cases = [
      { draft: misspelt, line: lineOf(misspelt, 'wieght'), code: 'check.unknownNameSuggest', params: { name: 'wieght', suggestion: 'weight' }, korean: "compute.waterL: 알 수 없는 이름 'wieght'입니다. 'weight'를 쓰려던 것인가요?" },
      { draft: unknownKey, line: lineOf(unknownKey, 'unnit'), code: 'check.unknownKey', params: { key: 'unnit' }, korean: "fields.weight.unnit: 알 수 없는 키 'unnit'입니다." },
    ];
    for (const c of cases) {
      const r = await preview({ source: c.draft, curationId: 'diet-main', profile: {} });
      assert.equal(r.json.ok, false);
      const p = r.json.errors.find((e) => e.code === c.code);
      assert.ok(p, JSON.stringify(r.json.errors));
      assert.equal(p.line, c.line);
      assert.deepEqual(p.params, c.params);
      // What editor.js shows: the path, then the sentence in the operator's language; the English is the loader's own.
      assert.equal(`${p.path}: ${render(ko, p.code!, p.params)}`, c.korean);
      assert.equal(`${p.path}: ${render(en, p.code!, p.params)}`, p.message);
    }
  });

  test('`now` and `lang` are inputs of the plan: the moment the customer asked, and the language', async () => {
    const draft = `id: asked-at
defaultLanguage: ko
languages: [ko, en]
trigger: { on: chatOpened, chatTags: [asked] }
compute:
  askedAt: now
messages:
  - text: { ko: "{{ 'now' | date: '%Y-%m-%d' }} 안녕하세요", en: "{{ 'now' | date: '%Y-%m-%d' }} hello" }
`;
    const at = '2026-03-14T09:30:00+09:00';
    const r = await preview({ source: draft, profile: {}, now: at, lang: 'en' });
    assert.equal(r.json.ok, true, JSON.stringify(r.json.errors));
    assert.equal(r.json.plan?.values.askedAt, Date.parse(at));
    assert.equal(r.json.plan?.lang, 'en');
    assert.match(JSON.stringify(r.json.plan?.messages[0]?.rendered), /2026-03-14 hello/);
    const ms = await preview({ source: draft, profile: {}, now: Date.parse(at) });
    assert.equal(ms.json.plan?.values.askedAt, Date.parse(at));
    assert.equal(ms.json.plan?.lang, 'ko');
  });

  test("a draft that takes another curation's id is refused as `curation check` would refuse the folder", async () => {
    const draft = liveSource.replace('id: diet-main', 'id: diet-gift');
    const r = await preview({ source: draft, curationId: 'diet-main', profile: {} });
    assert.equal(r.json.ok, false);
    const dir = path.join(tempDir('editor-clash-'), 'curations');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'diet-gift.yaml'), readFileSync(path.join(h.curationsDir, 'diet-gift.yaml')));
    writeFileSync(path.join(dir, 'diet-main.yaml'), draft);
    const loaded = await loadCurations(dir);
    assert.equal(loaded.ok, false);
    const expected = loaded.ok ? [] : loaded.errors.map((e) => ({ line: e.line, sentence: formatLoadError({ ...e, file: 'F' }).replace(/^F(:\d+)? /, '') }));
    assert.deepEqual(
      r.json.errors.map((e) => ({ line: e.line, sentence: e.message })),
      expected,
    );
    // Its own id, and a new one, are fine.
    assert.equal((await preview({ source: liveSource.replace('id: diet-main', 'id: diet-main-copy'), curationId: 'diet-main', profile: {} })).json.ok, true);
  });

  test('writes need the CSRF token and a session', async () => {
    const noCsrf = await fetch(`${h.url}/console/api/curations/preview-source`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: s.cookie },
      body: JSON.stringify({ source: liveSource, profile: {} }),
    });
    assert.equal(noCsrf.status, 403);
    const noSession = await fetch(`${h.url}/console/api/curations/preview-source`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(noSession.status, 401);
  });

  test('bad input gets a clear 400; a source over the loader cap is refused with its sentence; a body over the limit gets 413', async () => {
    assert.match((await preview({ profile: {} })).json.error ?? '', /source must be/);
    assert.match((await preview({ source: 'id: x', profile: 'x' })).json.error ?? '', /profile must be an object/);
    assert.match((await preview({ source: 'id: x', profile: {}, now: 'yesterday' })).json.error ?? '', /now must be an ISO 8601 time/);
    assert.match((await preview({ source: 'id: x', profile: {}, lang: 'english' })).json.error ?? '', /lang must be/);
    // Each with its catalogue key, for the console.
    assert.equal((await preview({ profile: {} })).json.code, 'badRequest.previewSource');
    assert.equal((await preview({ source: 'id: x', profile: 'x' })).json.code, 'badRequest.previewProfile');
    assert.equal((await preview({ source: 'id: x', profile: {}, now: 'yesterday' })).json.code, 'badRequest.previewNow');
    assert.equal((await preview({ source: 'id: x', profile: {}, lang: 'english' })).json.code, 'badRequest.previewLang');

    const big = `# ${'x'.repeat(256 * 1024)}\n${liveSource}`;
    const r = await preview({ source: big, curationId: 'diet-main', profile: {} });
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.errors[0]?.line, 1);
    assert.match(r.json.errors[0]?.message ?? '', /is larger than 256 KB, the most a curation file may be/);

    const huge = await preview({ source: 'x'.repeat(600 * 1024), profile: {} });
    assert.equal(huge.status, 413);
    assert.equal(huge.json.error, 'the draft is larger than the limit of 576 KB for a preview');
    // Other refusals keep the app's answers: a body that is not JSON is the sender's to fix.
    const notJson = await fetch(`${h.url}/console/api/curations/preview-source`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf }, body: '{"source": ' });
    assert.equal(notJson.status, 400);
  });

  test('a draft cannot name a function module its curation does not already load', async () => {
    const draft = liveSource.replace('pacing:\n', 'functions: ./evil.js\npacing:\n');
    const r = await preview({ source: draft, curationId: 'diet-main', profile: {} });
    assert.equal(r.json.ok, false);
    const line = draft.split('\n').findIndex((l) => l.startsWith('functions:')) + 1;
    assert.deepEqual(
      r.json.errors.map((e) => [e.line, e.path]),
      [[line, 'functions']],
    );
    assert.match(r.json.errors[0]?.message ?? '', /cannot name a function module/);
  });

  test("a recent run's answers: masked (names only, the computed values too); the runs API's reveal is the one logged way to see them", async () => {
    const res = await h.postWebhook(copyDelivery('editor-run-chat'));
    const runId = (res.json.runs as string[])[0];
    assert.ok(runId);
    await until(async () => {
      const r = await h.service.store.db.selectFrom('runs').select('state').where('id', '=', runId).executeTakeFirst();
      return r?.state === 'completed';
    }, 'the run to complete');
    const runs = (await (await fetch(`${h.url}/console/api/runs?curationId=weight-copy`, { headers: { cookie: s.cookie } })).json()) as { runs: Array<{ id: string }> };
    assert.ok(runs.runs.some((r) => r.id === runId), 'the editor lists the recent runs of the curation through the runs API');
    const source = readFileSync(path.join(h.curationsDir, 'weight-copy.yaml'), 'utf8');

    const masked = await preview({ source, curationId: 'weight-copy', fromRun: runId });
    assert.equal(masked.status, 200, JSON.stringify(masked.json));
    const text = JSON.stringify(masked.json.plan?.profile) + JSON.stringify(masked.json.plan?.values);
    assert.ok(!text.includes(WEIGHT), 'no answer before the reveal');
    assert.equal(masked.json.plan?.masked, true);
    assert.ok(Object.keys(masked.json.plan?.profile ?? {}).length > 0, 'the answers are named');
    assert.ok(Object.values(masked.json.plan?.profile ?? {}).every((v) => v === null));
    assert.ok(!h.logs.some((l) => l.includes('"runId":"' + runId) && l.includes('console: profile revealed')));

    // Revealing is the runs API's logged reveal; the page then previews with the answers it got.
    const reveal = await fetch(`${h.url}/console/api/runs/${runId}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf }, body: '{}' });
    const secrets = (await reveal.json()) as { profile: Record<string, unknown> };
    const revealed = await preview({ source, curationId: 'weight-copy', profile: secrets.profile });
    assert.equal(revealed.json.plan?.masked, false);
    assert.match(JSON.stringify(revealed.json.plan?.profile), new RegExp(WEIGHT.replace('.', '\\.')));
    assert.equal(revealed.json.plan?.values.w2, Number(WEIGHT));
    const audit = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'console: profile revealed' && l.runId === runId);
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.operator, s.operatorId);
    for (const line of h.logs) assert.ok(!line.includes(WEIGHT), `no answer in the logs: ${line.slice(0, 200)}`);

    const nope = await preview({ source, curationId: 'weight-copy', fromRun: 'r_nope' });
    assert.deepEqual([nope.status, nope.json.code, nope.json.error], [404, 'error.noSuchRun', 'no such run']);
  });
});
