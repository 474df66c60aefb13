#!/usr/bin/env node
/* global console, process */
// Run by `npm start` before the service (package.json `prestart`): the start
// runs what is built and compiles nothing (compiling took 22-78 s per start).
// `npm install` builds (`prepare`), and so does `npm run build`. When the
// build is missing, or a source under src/ (or a function module under
// curations/, or the console's CodeMirror bundle entry) is newer than its
// output or has none, this says in one line
// what to run, and the start stops there.
// Cheap and bounded: one stat per source and output, at most MAX_FILES.
// Plain JavaScript: it must run before anything is compiled.
//
// `--quiet` (the `prepare` script: build unless the build is fresh) only
// answers with the exit status. npm runs `prepare` at `npm install`, and
// again whenever `npx curation` first links the project into npx's cache:
// there a fresh build must not be compiled a second time (about a minute).
//
// usage: node bin/check-build.js [--quiet] [PROJECT_ROOT]
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_ENTRY, BUNDLE_OUT } from './build-console.js';

const MAX_FILES = 5000;
const RUN = 'run `npm run build` (or `npm install`), then `npm start` again';

/** What is wrong with the build under `root`, in a sentence, or null. */
export function buildProblem(root) {
  if (!existsSync(path.join(root, 'dist/src/cli/main.js'))) return `the project is not built: ${RUN}`;
  // An install of the built files alone (the Docker image) has no sources to compare.
  if (!existsSync(path.join(root, 'src'))) return null;
  // The console's CodeMirror bundle (bin/build-console.js), built from one entry.
  const bundle = mtimeOf(path.join(root, BUNDLE_OUT));
  if (bundle === null) return `${BUNDLE_OUT} (the console editor) has not been built yet: ${RUN}`;
  if ((mtimeOf(path.join(root, BUNDLE_ENTRY)) ?? 0) > bundle) return `${BUNDLE_ENTRY} changed after the last build: ${RUN}`;
  let seen = 0;
  for (const rel of [...sources(root, 'src'), ...sources(root, 'curations')]) {
    if (++seen > MAX_FILES) return null;
    const out = path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
    const built = mtimeOf(out);
    if (built === null) return `${rel} has not been built yet: ${RUN}`;
    if (mtimeOf(path.join(root, rel)) > built) return `${rel} changed after the last build: ${RUN}`;
  }
  return null;
}

/** The .ts files under `dir` (relative to `root`), declaration files aside: they have no output. */
function* sources(root, dir) {
  if (!existsSync(path.join(root, dir))) return;
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(root, rel);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield rel;
  }
}

function mtimeOf(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const root = args.find((a) => a !== '--quiet') ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const problem = buildProblem(root);
  if (problem !== null) {
    if (!args.includes('--quiet')) console.error(`npm start: ${problem}`);
    process.exit(1);
  }
}
