#!/usr/bin/env node
/* global console, process */
// Bundles the compiled CLI (dist/src/cli/main.js) with esbuild into minified
// ES module chunks under dist/src/cli/bundle/, which `curation start` runs
// (package.json, Dockerfile, the systemd unit, bin/curation.js). Issue 21,
// memory: V8 keeps every loaded module's source text; the bundle loads
// minified, tree-shaken source and the idle service is about 8 MB smaller,
// and starts in about half the time (bench/profiles/issue21/memory3.md).
// Code splitting keeps each dynamic import (the other CLI commands,
// PostgreSQL, the console's on side, the recorder) a chunk loaded on first use.
// Part of `npm run build`, after tsc; bin/check-build.js says when it is
// missing or older than what tsc wrote.
//
// Left as packages (external): better-sqlite3 (a native addon); pino,
// pino-pretty and thread-stream, whose log transport starts a worker from a
// file found next to pino's own (__dirname, which a bundle does not have);
// pg-native (pg's optional native driver, not installed).
// The output directory is as deep under the project as dist/src/server/console,
// so paths taken from import.meta.url (the console's static files, its
// CodeMirror bundle) resolve to the same files as from the unbundled modules.
// Plain JavaScript: it runs before anything is compiled.
//
// usage: node bin/build-server.js [PROJECT_ROOT]
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER_ENTRY = 'dist/src/cli/main.js';
export const SERVER_BUNDLE_DIR = 'dist/src/cli/bundle';
export const SERVER_BUNDLE = `${SERVER_BUNDLE_DIR}/main.js`;

export async function buildServerBundle(root) {
  // Imported here: esbuild is a dev dependency, and check-build.js imports the paths above without it.
  const { build } = await import('esbuild');
  // Chunks are named by content: a rebuild must not leave the last build's chunks beside the new ones.
  rmSync(path.join(root, SERVER_BUNDLE_DIR), { recursive: true, force: true });
  await build({
    entryPoints: [path.join(root, SERVER_ENTRY)],
    outdir: path.join(root, SERVER_BUNDLE_DIR),
    splitting: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    // Error words and logs name our functions and classes (err.name, constructor names): keep them.
    keepNames: true,
    legalComments: 'none',
    external: ['better-sqlite3', 'pino', 'pino-pretty', 'thread-stream', 'pg-native'],
    // CommonJS packages inside an ES module bundle call require() (Node's built-ins among others).
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  buildServerBundle(root).then(
    () => console.log(`server: bundled ${SERVER_BUNDLE}`),
    (err) => {
      console.error(`server: the bundle failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
