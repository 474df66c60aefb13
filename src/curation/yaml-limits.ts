// One walk over a parsed YAML document, before anything reads its values:
// duplicate keys (one Set per mapping; the yaml library's own uniqueKeys check
// compares every key with every other, which made a 4 MB file take seconds),
// a `__proto__` key (which zod would drop without a word),
// aliases that have no anchor, sit inside the value they name or expand into
// more values than any file could hold written out, and nesting deeper than a
// curation needs. Each problem keeps the node it is about, for its line.
import { isAlias, isMap, isPair, isScalar, isSeq, type Alias, type YAMLMap } from 'yaml';
import { said, type PathSegment, type Said } from './load-errors.js';
import { reservedKeyMessage } from './schema-parts.js';

/** Deeper than any curation needs (the shipped ones stop at 5), shallow enough for any recursion after. */
export const MAX_YAML_DEPTH = 32;
/**
 * A 256 KB file written out without aliases holds at most ~130,000 values
 * (`[1,1,1,…]`), so only an alias bomb goes past this. It bounds what the
 * schema check and compilation walk once aliases are expanded.
 */
export const MAX_EXPANDED_VALUES = 200_000;

export interface StructureProblem {
  path: PathSegment[];
  /** The node the problem is about (its line is reported). */
  node: unknown;
  message: string | Said;
}

export const tooDeepSaid = (): Said => said('check.tooDeep', { max: MAX_YAML_DEPTH }, `is nested more than ${MAX_YAML_DEPTH} levels deep; no curation needs that many`);

export function checkStructure(root: unknown, lineOf: (node: unknown) => number | null): StructureProblem[] {
  const walk = new Walk(lineOf);
  walk.value(root, [], 0);
  return walk.problems;
}

class Walk {
  readonly problems: StructureProblem[] = [];
  /** Anchor name → the node it was last set on, as YAML resolves an alias to the nearest anchor above it. */
  private readonly anchors = new Map<string, unknown>();
  /** Expanded size of every anchored node whose walk is complete. */
  private readonly sizes = new Map<unknown, number>();
  private expanded = 0;
  private stopped = false;

  constructor(private readonly lineOf: (node: unknown) => number | null) {}

  /** Walks `node` and returns how many values it is once its aliases are expanded. */
  value(node: unknown, path: PathSegment[], depth: number): number {
    if (this.stopped || node === null || node === undefined) return 0;
    if (isAlias(node)) return this.alias(node, path);
    if (depth > MAX_YAML_DEPTH) {
      this.problems.push({ path, node, message: tooDeepSaid() });
      this.stopped = true;
      return 0;
    }
    const anchor = (node as { anchor?: unknown }).anchor;
    if (typeof anchor === 'string') this.anchors.set(anchor, node);
    let size = 1;
    if (isMap(node)) size += this.map(node, path, depth);
    else if (isSeq(node)) node.items.forEach((item, i) => (size += this.value(item, [...path, i], depth + 1)));
    else if (isPair(node)) size += this.value(node.key, path, depth + 1) + this.value(node.value, path, depth + 1);
    this.count(1, path, node);
    if (typeof anchor === 'string') this.sizes.set(node, size);
    return size;
  }

  private map(node: YAMLMap, path: PathSegment[], depth: number): number {
    const seen = new Map<string, unknown>();
    let size = 0;
    for (const pair of node.items) {
      const key = keyName(pair.key);
      if (key === null) {
        this.problems.push({ path, node: pair.key, message: said('check.keyNotPlain', {}, 'a key must be plain text or a number, not a list, a mapping or an alias') });
        continue;
      }
      // Zod drops a `__proto__` key without a word (schema-parts.ts, RESERVED_KEYS): it is refused here, where it is still seen.
      if (key === '__proto__') {
        this.problems.push({ path: [...path, key], node: pair.key, message: reservedKeyMessage(key) });
        continue;
      }
      const first = seen.get(key);
      if (first !== undefined) {
        const line = this.lineOf(first);
        const text = `'${key}' appears twice in this mapping${line === null ? '' : ` (first at line ${line})`}; keys must be unique`;
        this.problems.push({ path: [...path, key], node: pair.key, message: line === null ? said('check.keyTwice', { key }, text) : said('check.keyTwiceAt', { key, line }, text) });
      } else {
        seen.set(key, pair.key ?? node);
      }
      size += 1 + this.value(pair.value, [...path, key], depth + 1);
    }
    return size;
  }

  private alias(node: Alias, path: PathSegment[]): number {
    const target = this.anchors.get(node.source);
    if (target === undefined) {
      this.problems.push({ path, node, message: said('check.aliasNoAnchor', { name: node.source }, `the alias *${node.source} has no anchor &${node.source} above it`) });
      return 1;
    }
    const size = this.sizes.get(target);
    if (size === undefined) {
      this.problems.push({ path, node, message: said('check.aliasEndless', { name: node.source }, `the alias *${node.source} is inside the value it names, which would make it endless`) });
      return 1;
    }
    this.count(size, path, node);
    return size;
  }

  private count(values: number, path: PathSegment[], node: unknown): void {
    this.expanded += values;
    if (this.expanded <= MAX_EXPANDED_VALUES || this.stopped) return;
    this.stopped = true;
    this.problems.push({
      path,
      node,
      message: said(
        'check.aliasBomb',
        { max: MAX_EXPANDED_VALUES.toLocaleString('en') },
        `YAML aliases expand this file to more than ${MAX_EXPANDED_VALUES.toLocaleString('en')} values (an alias bomb?): write the values out or use fewer aliases`,
      ),
    });
  }
}

/** A key as it names a property once loaded: `1` and `"1"` are the same key, as they are in JavaScript. */
function keyName(key: unknown): string | null {
  if (key === null || key === undefined) return '';
  if (!isScalar(key)) return null;
  const v: unknown = key.value;
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return null;
}
