#!/usr/bin/env node
/* global console, process */
// Bundles the console's CodeMirror (src/server/console/bundle/codemirror.js)
// into dist/console/codemirror.js with esbuild: one minified ES module, no
// eval, served by the service itself (no CDN). Part of `npm run build`; bin/
// check-build.js says when it is missing or older than its entry.
// Plain JavaScript: it runs before anything is compiled.
//
// usage: node bin/build-console.js [PROJECT_ROOT]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLE_ENTRY = 'src/server/console/bundle/codemirror.js';
export const BUNDLE_OUT = 'dist/console/codemirror.js';

export async function buildConsoleBundle(root) {
  // Imported here: esbuild is a dev dependency, and check-build.js imports the paths above without it.
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(root, BUNDLE_ENTRY)],
    outfile: path.join(root, BUNDLE_OUT),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  buildConsoleBundle(root).then(
    () => console.log(`console: bundled ${BUNDLE_OUT}`),
    (err) => {
      console.error(`console: the CodeMirror bundle failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
