// The console's page assets. tsc does not copy non-TS files, so they are read
// from the source folder, found from the project root whether this module
// runs as src/ (tests through a loader) or as dist/src/ (after tsc).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
};
const SAFE_NAME = /^[a-z0-9][a-z0-9-]*\.(html|js|css|svg|png|json)$/;

export function staticDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve(here, 'static'),
    // dist/src/server/console → the project root's src/server/console/static.
    path.resolve(here, '../../../../src/server/console/static'),
    path.resolve(process.cwd(), 'src/server/console/static'),
  ];
  const found = candidates.find((d) => existsSync(path.join(d, 'index.html')));
  if (!found) throw new Error(`console: page assets not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Chart.js's browser build, straight from node_modules. */
export function chartJsFile(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return path.join(path.dirname(main), 'chart.umd.min.js');
}

/**
 * The console's CodeMirror bundle, built by `npm run build` (bin/build-console.js)
 * into dist/console/. When it is missing the editor page says so; the rest of
 * the console works without it.
 */
export function codemirrorBundleFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    // dist/src/server/console → dist/console.
    path.resolve(here, '../../../console/codemirror.js'),
    path.resolve(process.cwd(), 'dist/console/codemirror.js'),
  ];
  return candidates.find((f) => existsSync(f)) ?? candidates[0] ?? '';
}

export interface Asset {
  type: string;
  body: Buffer;
}

/** Reads assets on demand and keeps them: they do not change while the service runs. */
export class Assets {
  private readonly cache = new Map<string, Promise<Asset | null>>();

  constructor(
    private readonly dir: string,
    private readonly vendor: Record<string, string>,
  ) {}

  get(name: string): Promise<Asset | null> {
    let hit = this.cache.get(name);
    if (!hit) {
      hit = this.load(name);
      this.cache.set(name, hit);
      // Only what exists is kept, so guessed names cannot grow the cache.
      void hit.then((a) => (a === null ? this.cache.delete(name) : undefined));
    }
    return hit;
  }

  private async load(name: string): Promise<Asset | null> {
    const file = this.vendor[name] ?? (SAFE_NAME.test(name) ? path.join(this.dir, name) : null);
    if (file === null) return null;
    try {
      return { type: TYPES[path.extname(file)] ?? 'application/octet-stream', body: await readFile(file) };
    } catch {
      return null;
    }
  }
}
