#!/usr/bin/env node
/* global console, process */
// Thin launcher so `npx curation` works after `npm run build`.
import('../dist/src/cli/main.js').catch((err) => {
  console.error('curation: the project is not built yet; run `npm run build` first.', err instanceof Error ? err.message : err);
  process.exit(1);
});
