// Tables keep business rules as data: factors keyed by an option, and bands
// that turn a number into a category ("per-meal carbs 56–68 g → c2"), so the
// product recommendation is a table the shop edits, not code.
import type { TableFile } from './schema.js';
import { CurationFileError, said } from './load-errors.js';

export type TableScalar = string | number | boolean;

export interface LookupTable {
  kind: 'lookup';
  name: string;
  /** Number of keys a lookup takes (1, or 2 for a table of rows). */
  depth: 1 | 2;
  entries: Map<string, TableScalar | Map<string, TableScalar>>;
  otherwise: TableScalar | undefined;
}

export interface Band {
  from: number;
  below: number;
  value: string | number;
}

export interface BandTable {
  kind: 'bands';
  name: string;
  bands: Band[];
  otherwise: string | number | undefined;
}

export type Table = LookupTable | BandTable;

export function compileTable(name: string, spec: TableFile): Table {
  if ('bands' in spec) {
    const bands = spec.bands.map((b, i): Band => {
      const from = b.from ?? -Infinity;
      const below = b.below ?? Infinity;
      if (!(from < below)) throw new CurationFileError(['tables', name, 'bands', i], said('check.bandOrder', { from, below }, `'from' (${from}) must be smaller than 'below' (${below})`));
      return { from, below, value: b.value };
    });
    const sorted = [...bands].sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1];
      const cur = sorted[i];
      if (prev && cur && cur.from < prev.below) {
        throw new CurationFileError(
          ['tables', name, 'bands', bands.indexOf(cur)],
          said('check.bandOverlap', { from: prev.from, below: prev.below }, `this band overlaps the band [${prev.from}, ${prev.below}): a number must fall in at most one band`),
        );
      }
    }
    return { kind: 'bands', name, bands, otherwise: spec.otherwise };
  }
  const entries = new Map<string, TableScalar | Map<string, TableScalar>>();
  let nested: boolean | null = null;
  for (const [key, value] of Object.entries(spec.lookup)) {
    const isRow = typeof value === 'object';
    if (nested !== null && nested !== isRow) {
      throw new CurationFileError(['tables', name, 'lookup', key], said('check.tableMixed', {}, 'mixes plain values and rows: either every entry is a value, or every entry is a row of values'));
    }
    nested = isRow;
    entries.set(key, isRow ? new Map(Object.entries(value)) : value);
  }
  if (entries.size === 0) throw new CurationFileError(['tables', name, 'lookup'], said('check.tableEmpty', {}, 'is empty'));
  return { kind: 'lookup', name, depth: nested ? 2 : 1, entries, otherwise: spec.otherwise };
}

/** `undefined` when the keys are not in the table and it has no `otherwise`. */
export function lookupIn(table: LookupTable, keys: readonly string[]): TableScalar | undefined {
  let level: TableScalar | Map<string, TableScalar> | undefined = table.entries.get(keys[0] ?? '');
  if (table.depth === 2 && level instanceof Map) level = level.get(keys[1] ?? '');
  if (level === undefined || level instanceof Map) return table.otherwise;
  return level;
}

export function bandOf(table: BandTable, x: number): string | number | undefined {
  for (const b of table.bands) if (x >= b.from && x < b.below) return b.value;
  return table.otherwise;
}

/** Every value a band lookup can produce, for load-time coverage checks. */
export function bandOutputs(table: BandTable): string[] {
  const out = table.bands.map((b) => String(b.value));
  if (table.otherwise !== undefined) out.push(String(table.otherwise));
  return [...new Set(out)];
}

export function hasEntry(table: LookupTable, keys: readonly string[]): boolean {
  const first = table.entries.get(keys[0] ?? '');
  if (table.depth === 1) return first !== undefined;
  return first instanceof Map && first.has(keys[1] ?? '');
}
