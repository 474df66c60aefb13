// `curation schema [--out FILE]`: the JSON Schema of curation files, generated
// from the same zod schema the loader uses, for editors (yaml-language-server).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { curationJsonSchemaText } from '../curation/index.js';
import type { Command } from './io.js';
import { usage } from './usage.js';

export const schemaCommand: Command = async (argv, io) => {
  let out: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } }, allowPositionals: false });
    out = values.out;
  } catch (err) {
    io.stderr(`curation schema: ${err instanceof Error ? err.message : String(err)}\n${usage('schema')}`);
    return 2;
  }
  const text = curationJsonSchemaText();
  if (out === undefined) {
    io.stdout(text);
    return 0;
  }
  const file = path.resolve(io.cwd, out);
  await writeFile(file, text, 'utf8');
  io.stdout(`wrote ${path.relative(io.cwd, file) || file}`);
  return 0;
};
