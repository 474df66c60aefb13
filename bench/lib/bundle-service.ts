// Bench-only investigation (issue 21, memory): the service's entry bundled
// by esbuild (a dev dependency) into ES module chunks, to compare a bundled
// `curation start` against the unbundled dist/ (memory-probe.ts, a variant
// with "entry"). Code splitting keeps each dynamic import (the CLI's other
// commands, PostgreSQL, the console's on side) a chunk loaded on first use.
// better-sqlite3 (native) and pino-pretty (a worker's target) stay packages.
// Not what `npm start` runs: paths taken from import.meta.url (the console's
// static files) point into the bundle's directory, which has none of them.
//
//   node dist/bench/lib/bundle-service.js OUT_DIR [plain]   (plain: not minified)
import path from 'node:path';
import { DIST } from './procs.js';

async function main(): Promise<void> {
  const outdir = process.argv[2];
  if (!outdir) throw new Error('usage: bundle-service.js OUT_DIR [plain]');
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(DIST, 'src/cli/main.js')],
    outdir,
    splitting: true,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: process.argv[3] !== 'plain',
    metafile: true,
    external: ['better-sqlite3', 'pino-pretty', 'pg-native'],
    // CommonJS packages in an ES module bundle call require() for Node's built-ins.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  console.log(`${outdir}: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KB`);
}

await main();
