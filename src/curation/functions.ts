// The escape hatch: a curation that needs more than expressions and tables may
// name a module of plain functions (`functions: ./shipping.js`). Keep it the
// exception: a function is code the shop cannot read in the YAML file.
//
// A module exports (as `default` or as `functions`) an object of pure,
// synchronous functions of Values. A `.ts` module placed under curations/ is
// type-checked and compiled by the project's own tsc (tsconfig includes
// curations/**/*.ts); the loader then imports the compiled `.js` from the
// output directory, so production never needs a TypeScript runtime.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Value } from './plan-types.js';
import { CurationFileError, said, type Said } from './load-errors.js';
import { IDENTIFIER } from './schema.js';

export type CurationFunction = (...args: Value[]) => Value;

/** What a function module exports: `export default { … } satisfies CurationFunctions`. */
export type CurationFunctions = Record<string, CurationFunction>;

export async function importFunctionModule(curationFile: string, spec: string): Promise<Map<string, CurationFunction>> {
  if (!spec.startsWith('./') && !spec.startsWith('../')) {
    throw new CurationFileError(['functions'], said('check.functionsRelative', { spec }, `must be a path relative to the curation file, such as ./${spec}`));
  }
  const source = path.resolve(path.dirname(curationFile), spec);
  const ext = path.extname(source);
  let target: string;
  if (ext === '.js' || ext === '.mjs') {
    target = source;
  } else if (ext === '.ts' || ext === '.mts') {
    if (!existsSync(source)) throw new CurationFileError(['functions'], said('check.functionsMissing', { spec }, `${spec} does not exist`));
    const compiled = compiledPathOf(source);
    if (compiled === null || !existsSync(compiled)) {
      throw new CurationFileError(['functions'], notCompiled(spec, compiled));
    }
    target = compiled;
  } else {
    throw new CurationFileError(['functions'], said('check.functionsExtension', {}, 'must name a .js or .ts module'));
  }
  if (!existsSync(target)) throw new CurationFileError(['functions'], said('check.functionsMissing', { spec }, `${spec} does not exist`));

  let mod: Record<string, unknown>;
  try {
    mod = (await import(versionedUrl(target))) as Record<string, unknown>;
  } catch (err) {
    throw new CurationFileError(['functions'], loadFailed(spec, err));
  }
  const exported = mod.default ?? mod.functions;
  if (typeof exported !== 'object' || exported === null) {
    throw new CurationFileError(['functions'], said('check.functionsNoObject', { spec }, `${spec} must export an object of functions (export default { … } or export const functions = { … })`));
  }
  const out = new Map<string, CurationFunction>();
  for (const [name, fn] of Object.entries(exported)) {
    if (!IDENTIFIER.test(name)) throw new CurationFileError(['functions'], said('check.functionsBadName', { spec, name }, `${spec} exports '${name}', which is not usable as a function name`));
    if (typeof fn !== 'function') throw new CurationFileError(['functions'], said('check.functionsNotFunction', { spec, name }, `${spec} exports '${name}', which is not a function`));
    out.set(name, fn as CurationFunction);
  }
  return out;
}

/** A .ts module without its compiled .js, with where tsc would have put it when there is a tsconfig above it. */
function notCompiled(spec: string, compiled: string | null): Said {
  const text = `${spec} is not compiled yet: run \`npm run build\``;
  if (compiled === null) return said('check.functionsNotCompiled', { spec }, text);
  const expected = path.relative(process.cwd(), compiled);
  return said('check.functionsNotCompiledAt', { spec, expected }, `${text} (expected ${expected})`);
}

/** The import's own words (node's), inside the sentence. */
function loadFailed(spec: string, err: unknown): Said {
  const detail = err instanceof Error ? err.message : String(err);
  return said('check.functionsLoadFailed', { spec, detail }, `${spec} could not be loaded: ${detail}`);
}

/** Where the project's tsc puts the compiled module: <root>/<outDir>/<path relative to rootDir>.js */
function compiledPathOf(tsFile: string): string | null {
  let dir = path.dirname(tsFile);
  for (;;) {
    const config = path.join(dir, 'tsconfig.json');
    if (existsSync(config)) {
      let outDir = 'dist';
      let rootDir = '.';
      try {
        const parsed = JSON.parse(readFileSync(config, 'utf8')) as { compilerOptions?: { outDir?: string; rootDir?: string } };
        outDir = parsed.compilerOptions?.outDir ?? outDir;
        rootDir = parsed.compilerOptions?.rootDir ?? rootDir;
      } catch {
        // A tsconfig with comments is still valid for tsc; assume the defaults this project uses.
      }
      const rel = path.relative(path.resolve(dir, rootDir), tsFile);
      return path.join(path.resolve(dir, outDir), rel).replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs');
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Node caches a module by URL for the life of the process. Naming the file's
 * version in the URL makes a curation reload pick up a changed module, while
 * an unchanged one is the same cached module (each version stays in memory:
 * ESM cannot be unloaded, and reloads are rare). Modules it imports in turn
 * are not re-imported.
 */
function versionedUrl(file: string): string {
  const st = statSync(file);
  return `${pathToFileURL(file).href}?v=${Math.trunc(st.mtimeMs)}-${st.size}`;
}
