// The shipped curation files name documents and files in their comments; a
// new user follows them, so each must exist in the project. A path (with a
// `/`) is read from the project root, or from the file's folder when it starts
// with `.`; a document (`.md`) must exist under either or in docs/. A bare
// `answers.json` is a placeholder for the reader's own file and is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/child-process.js';

const FOLDERS = ['curations', 'examples/curations'];
const NAME = /[A-Za-z0-9_./-]+\.(?:md|json|yaml|ts|js)\b/g;

function referencesIn(file: string): string[] {
  const comments = readFileSync(file, 'utf8').split('\n').filter((l) => l.trimStart().startsWith('#'));
  return comments.flatMap((l) => [...l.matchAll(NAME)].map((m) => m[0]));
}

function found(ref: string, file: string): boolean {
  const candidates = ref.startsWith('.') ? [path.resolve(path.dirname(file), ref)] : [path.join(ROOT, ref), path.join(ROOT, 'docs', ref)];
  return candidates.some((c) => existsSync(c));
}

test('every file a shipped curation names in its comments exists in the project', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const folder of FOLDERS) {
    for (const name of readdirSync(path.join(ROOT, folder)).filter((n) => n.endsWith('.yaml'))) {
      const file = path.join(ROOT, folder, name);
      for (const ref of referencesIn(file)) {
        if (!ref.includes('/') && !ref.endsWith('.md')) continue;
        checked++;
        if (!found(ref, file)) missing.push(`${folder}/${name}: ${ref}`);
      }
    }
  }
  assert.ok(checked > 0, 'the curation files name no file at all: the pattern no longer reads them');
  assert.deepEqual(missing, []);
});
