// Turns YAML and schema problems into CurationLoadErrors that point at a line.
// The YAML document is kept (not just its JS value) so that any path found
// wrong later (`compute.bmr`, `messages[3].buttons`) can be traced back to
// the line an editor shows.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { z } from 'zod';
import { formatPath, said, sentenceOf, type CurationLoadError, type PathSegment, type Said } from './load-errors.js';
import { checkStructure, tooDeepSaid } from './yaml-limits.js';

export interface SourceDoc {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export function parseYaml(file: string, text: string): { ok: true; source: SourceDoc } | { ok: false; errors: CurationLoadError[] } {
  const lines = new LineCounter();
  // Duplicate keys are found by checkStructure in linear time; the library's check is quadratic.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ file, line: lines.linePos(e.pos[0]).line, path: '', ...sentenceOf(syntaxMessage(e.code, e.message)) })),
    };
  }
  const source = { file, doc, lines };
  const problems = checkStructure(doc.contents, (node) => lineOf(source, node));
  if (problems.length > 0) return { ok: false, errors: problems.map((p) => ({ file, line: lineOf(source, p.node), path: formatPath(p.path), ...sentenceOf(p.message) })) };
  return { ok: true, source };
}

function syntaxMessage(code: string, message: string): Said {
  if (code === 'MULTIPLE_DOCS') return said('check.oneDocument', {}, 'one curation per file: remove the second document (the extra ---)');
  // The library reports a stack overflow of its own recursion this way: only deep nesting causes that.
  if (code === 'RESOURCE_EXHAUSTION') return tooDeepSaid();
  // The library's own sentence stays as it wrote it (English), inside a sentence in the operator's language.
  return said('check.yamlSyntax', { detail: firstLine(message) }, `YAML syntax error: ${firstLine(message)}`);
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).replace(/ at line \d+, column \d+:?$/, '');
}

interface Located {
  node: Node | null;
  /** The line of the key naming the deepest segment found, else of the node. */
  line: number | null;
  /** True when every segment was found. */
  complete: boolean;
}

/**
 * Each mapping's pairs by key, built the first time a line inside it is asked
 * for: a file with thousands of keys and as many problems (or values that each
 * name a later one) is then located in linear time, not by a scan per question.
 */
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      // The first pair of a key wins, as a scan would find it (duplicates are refused anyway).
      if (isPair(p) && isScalar(p.key) && !index.has(String(p.key.value))) index.set(String(p.key.value), p);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

function locate(source: SourceDoc, path: readonly PathSegment[]): Located {
  let node: unknown = source.doc.contents;
  let line: number | null = lineOf(source, node);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = pairOf(node, String(seg));
      if (!pair) return { node: node, line, complete: false };
      line = lineOf(source, pair.key) ?? line;
      node = pair.value;
      if (!isMap(node) && !isSeq(node)) line = lineOf(source, node) ?? line;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) return { node: node, line, complete: false };
      node = item;
      line = lineOf(source, node) ?? line;
    } else {
      return { node: (node ?? null) as Node | null, line, complete: false };
    }
  }
  return { node: (node ?? null) as Node | null, line, complete: true };
}

function lineOf(source: SourceDoc, node: unknown): number | null {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? source.lines.linePos(range[0]).line : null;
}

/** The line of `path` in the file; `offset` counts lines inside a block scalar's content. */
export function lineAt(source: SourceDoc, path: readonly PathSegment[], offset = 0): number | null {
  const found = locate(source, path);
  if (found.line === null) return null;
  if (offset > 0 && found.complete && isScalar(found.node)) {
    const block = found.node.type === 'BLOCK_LITERAL' || found.node.type === 'BLOCK_FOLDED';
    return found.line + offset + (block ? 1 : 0);
  }
  return found.line;
}

export function errorAt(source: SourceDoc, path: readonly PathSegment[], message: string | Said, offset = 0): CurationLoadError {
  return { file: source.file, line: lineAt(source, path, offset), path: formatPath(path), ...sentenceOf(message) };
}

/** Zod's issues as plain sentences at their lines. */
export function schemaErrors(source: SourceDoc, error: z.ZodError): CurationLoadError[] {
  const out: CurationLoadError[] = [];
  for (const issue of error.issues.flatMap(intendedBranch)) {
    const path = issue.path.filter((p): p is PathSegment => typeof p === 'string' || typeof p === 'number');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(errorAt(source, [...path, key], said('check.unknownKey', { key }, `unknown key '${key}'`)));
      continue;
    }
    if (isMissing(issue)) {
      const key = path[path.length - 1];
      out.push(errorAt(source, path.slice(0, -1), said('check.required', { key: String(key) }, `'${String(key)}' is required`)));
      continue;
    }
    let message: string = issue.message;
    if (issue.code === 'invalid_union' && message === 'Invalid input') message = unionMessage(issue.errors);
    // A map key that its key schema refused: zod says only "Invalid key in record"; the key schema says why.
    if (issue.code === 'invalid_key') message = issue.issues[0]?.message ?? message;
    out.push(errorAt(source, path, plainSentence(message)));
  }
  return dedupe(out);
}

type Issue = z.core.$ZodIssue;

/**
 * A union none of whose branches fitted: when exactly one branch has the
 * value's shape (its only problems are deeper inside: a refused key, a wrong
 * entry), that is what the file meant, and its problems say more than the
 * union's "a table is {lookup: …} or {bands: …}".
 */
function intendedBranch(issue: Issue): Issue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const shaped = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0 && i.code !== 'unrecognized_keys' && !isMissing(i)));
  if (shaped.length !== 1) return [issue];
  return shaped[0]!.flatMap((i) => intendedBranch({ ...i, path: [...issue.path, ...i.path] }));
}

function isMissing(i: Issue): boolean {
  return i.code === 'invalid_type' && 'input' in i && i.input === undefined;
}

/** A union said only "Invalid input": use what its branches said, when one of them said something specific. */
function unionMessage(branches: ReadonlyArray<ReadonlyArray<{ message: string; code: string }>>): string {
  const specific = branches.flat().filter((i) => i.code !== 'invalid_type' && i.code !== 'unrecognized_keys' && i.message !== 'Invalid input');
  return specific[0]?.message ?? 'has the wrong shape here';
}

function plainSentence(message: string): string | Said {
  const type = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (type) return said('check.wrongType', { expected: type[1]!, received: type[2]! }, `must be a ${type[1]!}, not a ${type[2]!}`);
  const option = /^Invalid option: expected one of (.*)$/.exec(message);
  if (option) return said('check.notAnOption', { options: option[1]! }, `must be one of ${option[1]!}`);
  const few = /^Too small: expected array to have >=?(\d+) items?$/.exec(message);
  if (few) return said('check.tooFewItems', { count: Number(few[1]) }, `needs at least ${few[1]!} item(s)`);
  // The schema's own enum sentences (trigger kinds, outcomes, problem kinds) say what zod's would.
  const own = /^must be one of (.*)$/.exec(message);
  if (own) return said('check.notAnOption', { options: own[1]! }, message);
  return COUNTED_SENTENCES.map(([pattern, wordsOf]) => {
    const m = pattern.exec(message);
    return m ? wordsOf(Number(m[1]), message) : null;
  }).find((x) => x !== null) ?? SCHEMA_SENTENCES.find((s) => s.text === message) ?? message;
}

/** The schema's own sentences (its `error:`s) an operator meets most, with their keys; the others stay English. */
const SCHEMA_SENTENCES: readonly Said[] = [
  said('check.idRule', {}, 'must be lower-case letters, digits, - and _'),
  said('check.wrongShape', {}, 'has the wrong shape here'),
  said('check.delayShape', {}, 'must be a duration such as 2s, or {typing: {perChar: 40ms, min: 1s, max: 4s}}'),
  said('check.tooManyButtons', {}, 'a message can have at most 2 buttons (Channel Talk refuses more)'),
  said('check.computeShape', {}, 'must be an expression (text), a number or true/false'),
  said('check.tableShape', {}, 'a table is {lookup: {key: value, …}} or {bands: [{from, below, value}, …]}'),
  said('check.labelShape', {}, 'must be a label or a list of labels'),
  said('check.durationShape', {}, 'must be a duration such as 2s, 800ms, 24h or 1h30m'),
  said('check.nameShape', {}, 'must be a name made of letters, digits and _ that does not start with a digit'),
  said('check.langCode', {}, 'must be a two- or three-letter language code such as ko or en'),
  said('check.scalarShape', {}, 'must be a text, a number or true/false'),
  said('check.localizedShape', {}, 'must be a text, or a map from language code to text (ko: …, en: …)'),
  said('check.consoleTextShape', {}, 'must be a text, or a text per console language (ko: …, en: …)'),
  said('check.formNoInputs', {}, 'a form needs at least 1 input'),
  said('check.formTooManyInputs', {}, 'a form can have at most 4 inputs (Channel Talk refuses more)'),
  said('check.optionsEmpty', {}, 'needs at least one option (Channel Talk refuses an empty list); leave options out for none'),
  said('check.sampleShape', {}, 'must be an answer as the profile holds it: a text, a number, true/false, or a list of labels'),
  said('check.textOrNumber', {}, 'must be a text or a number'),
  said('check.tableEntryShape', {}, 'each entry is a value, or a row of values (key: value)'),
  said('check.cooldownShape', {}, 'must be a duration such as 24h, or null for no cooldown'),
  said('check.computeLabelShape', {}, 'must be an expression (text), a number or true/false, or {expr: …, label: …}'),
  said('check.bulletShape', {}, 'a bullet is a text (or one per language), or {bullets: [ … ]} for a nested list'),
  said('check.blockShape', {}, 'a block is {text: …}, {bullets: [ … ]} or {code: …}'),
  said('check.filesEmpty', {}, 'needs at least one file; leave files out for none'),
  said('check.tooManyFiles', {}, 'a message can have at most 10 files (Channel Talk refuses more)'),
  said('check.idShape', {}, 'must be an id (text or number)'),
  said('check.botIdShape', {}, 'must be a bot id'),
  said('check.workflowShape', {}, 'must be a workflow id, or {id: …, sections: [section ids]}'),
  said('check.goldenProfileShape', {}, 'a profile answer is a text, a number, true/false, null or a list of them'),
  said('check.goldenValueShape', {}, 'an expected value is a number, a text, true/false, null or a list of them'),
  said('check.goldenNoName', {}, 'must name the case'),
  said('check.goldenNameTooLong', {}, 'must be at most 200 characters'),
  said('check.goldenNowQuoted', {}, 'must be a moment in ISO 8601 with its offset, such as 2026-03-02T09:30:00+09:00, in quotes'),
  said('check.goldenNowShape', {}, 'must be a moment in ISO 8601 with its offset, such as 2026-03-02T09:30:00+09:00 or 2026-03-02T00:30:00Z'),
  said('check.goldenNoCases', {}, 'needs at least one case; leave tests out for none'),
];

/** The schema's sentences that name a limit, with the limit as their value. */
const COUNTED_SENTENCES: ReadonlyArray<readonly [RegExp, (max: number, text: string) => Said]> = [
  [/^a tag is at most (\d+) characters \(a longer one is not read from Channel Talk\)$/, (max, text) => said('check.tagTooLong', { max }, text)],
  [/^a curation may carry at most (\d+) golden test cases \(each runs on every check and Publish\)$/, (max, text) => said('check.goldenTooManyCases', { max }, text)],
];

function dedupe(errors: CurationLoadError[]): CurationLoadError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.line}|${e.path}|${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
