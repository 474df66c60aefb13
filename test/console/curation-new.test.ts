// A new curation's first text (static/curation-new.js), imported as the
// browser gets it: the id rule, the template and a copy of a shipped curation
// each load through the same loader a publish uses, with the new id; a copy
// starts disabled, since it keeps the original's trigger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadSource } from '../../src/curation/load.js';
import { loadCatalogue, render } from '../../src/server/console/messages.js';
import { ROOT } from '../support/fixtures.js';

interface New {
  newIdProblem: (id: string, existing: string[]) => { code: string; params: Record<string, string> } | null;
  templateSource: (id: string) => string;
  copySource: (source: string, fromId: string, newId: string) => string;
}
const load = async () => (await import(pathToFileURL(path.join(ROOT, 'src/server/console/static/curation-new.js')).href)) as New;

test('the id is typed and checked: the API rule, and not an existing curation', async () => {
  const { newIdProblem } = await load();
  // The page words the problem from the catalogue: English here.
  const en = loadCatalogue('en');
  const said = (id: string, existing: string[]) => {
    const p = newIdProblem(id, existing);
    return p === null ? null : render(en, p.code, p.params);
  };
  assert.equal(said('spring-sale_2', ['diet-main']), null);
  assert.match(said('', []) ?? '', /Type an id/);
  assert.match(said('has space', []) ?? '', /letters, digits/);
  assert.match(said('x'.repeat(65), []) ?? '', /letters, digits/);
  assert.match(said('../etc', []) ?? '', /letters, digits/);
  assert.equal(said('diet-main', ['diet-main']), 'diet-main exists already: open it from the list instead.');
});

test('the template is a valid curation with the typed id, triggered only by its own tag', async () => {
  const { templateSource } = await load();
  const loaded = await loadSource('spring-sale.yaml', templateSource('spring-sale'));
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  assert.equal(loaded.curation.id, 'spring-sale');
  assert.match(templateSource('spring-sale'), /chatTags: \[spring-sale\]/);
});

test('a copy of a shipped curation loads with the new id, disabled, everything else kept', async () => {
  const { copySource } = await load();
  const diet = readFileSync(path.join(ROOT, 'curations/diet-main.yaml'), 'utf8');
  const copy = copySource(diet, 'diet-main', 'diet-copy');
  const loaded = await loadSource('diet-copy.yaml', copy);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  assert.equal(loaded.curation.id, 'diet-copy');
  assert.equal(loaded.curation.enabled, false);
  const original = await loadSource('diet-main.yaml', diet);
  assert.ok(original.ok);
  assert.equal(copy.replace(/^id: diet-copy\n#[^\n]*\nenabled: false$/m, "id: diet-main"), diet, "only the id line changed, and the disabled lines added");
  assert.deepEqual(loaded.curation.fields, original.curation.fields);
  // An `enabled:` line already there is replaced, not doubled; a nested `id:` is left alone.
  const twice = copySource('enabled: true\nid: a\nmessages:\n  - id: keep\n', 'a', 'b');
  assert.equal(twice.match(/^enabled:/gm)?.length, 1);
  assert.match(twice, /^id: b$/m);
  assert.match(twice, /^ {2}- id: keep$/m);
});
