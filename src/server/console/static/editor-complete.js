// What the curation editor offers at the cursor, from the curation JSON Schema
// (`curation schema`, served at /console/api/curations/schema) and the draft's
// own contract: key names where a key goes, enum values after `key: `, and the
// names the curation declares (its fields, their profile keys, its computed
// values) in an expression or a template. Pure functions of text, no DOM, so
// node tests import this file as it is served.

const KEY_LINE = /^(\s*)(-\s+)?(["']?)([A-Za-z_$][\w$-]*)\3\s*:(\s|$)/;

/** Column of a line's content after its list markers (`  - - a: 1` → 6). */
function contentIndent(line) {
  return /^(\s*)(-\s+)*/.exec(line)[0].length;
}

function lineShape(line) {
  const lead = /^(\s*)/.exec(line)[1].length;
  const dash = /^\s*-(\s|$)/.test(line);
  const k = KEY_LINE.exec(line);
  return { lead, dash, keyCol: contentIndent(line), key: k ? k[4] : null };
}

/**
 * The YAML path of the mapping that holds the cursor's line, from block-style
 * indentation: `['messages', '[]', 'blocks']`, where `'[]'` stands for "an
 * item of a list". Lines above the cursor are read upwards; flow style
 * (`{ a: 1 }`) is not followed, which only means fewer suggestions there.
 */
export function yamlPathAt(text, offset) {
  const lines = text.slice(0, offset).split('\n');
  const current = lineShape(lines.pop() ?? '');
  const path = [];
  // Looking for the key that holds a mapping whose keys sit at `col`, or the key that holds a list whose dashes sit at `col`.
  let need = current.dash ? 'list' : 'map';
  let col = current.lead;
  if (current.dash) path.unshift('[]');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const l = lineShape(line);
    if (need === 'map') {
      if (col === 0) break;
      if (l.dash && l.keyCol === col) {
        // The cursor's mapping is this list item.
        path.unshift('[]');
        need = 'list';
        col = l.lead;
      } else if (l.keyCol < col && l.key) {
        path.unshift(l.key);
        if (l.dash) {
          path.unshift('[]');
          need = 'list';
          col = l.lead;
        } else col = l.keyCol;
      } else if (l.dash && l.keyCol < col) {
        path.unshift('[]');
        need = 'list';
        col = l.lead;
      }
    } else if (l.dash && l.lead === col) {
      // Another item of the same list.
      continue;
    } else if (l.key && l.keyCol <= col && !(l.dash && l.lead === col)) {
      path.unshift(l.key);
      if (l.dash) {
        path.unshift('[]');
        col = l.lead;
      } else {
        need = 'map';
        col = l.keyCol;
      }
    } else if (l.dash && l.lead < col) {
      path.unshift('[]');
      col = l.lead;
    }
  }
  return path;
}

function deref(schema, node) {
  let n = node;
  for (let i = 0; i < 10 && n && typeof n.$ref === 'string'; i++) {
    const parts = n.$ref.replace(/^#\//, '').split('/');
    n = parts.reduce((o, p) => (o ? o[p] : undefined), schema);
  }
  return n ?? null;
}

/** Every branch a schema node stands for (anyOf / oneOf / allOf flattened), $refs followed. */
function branches(schema, node, depth = 0) {
  const n = deref(schema, node);
  if (!n || depth > 8) return [];
  const subs = [...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])];
  if (subs.length === 0) return [n];
  return [n, ...subs.flatMap((s) => branches(schema, s, depth + 1))];
}

/** The schema nodes that a path may name. */
export function schemaNodesAt(schema, path) {
  let nodes = branches(schema, schema);
  for (const seg of path) {
    const next = [];
    for (const n of nodes) {
      if (seg === '[]') {
        if (n.items) next.push(...branches(schema, n.items));
      } else if (n.properties && Object.hasOwn(n.properties, seg)) {
        next.push(...branches(schema, n.properties[seg]));
      } else if (n.additionalProperties && typeof n.additionalProperties === 'object') {
        next.push(...branches(schema, n.additionalProperties));
      }
    }
    nodes = next;
    if (nodes.length === 0) break;
  }
  return nodes;
}

/** Key names a mapping at `path` may hold, each with its description when the schema gives one. */
export function keysAt(schema, path) {
  const out = new Map();
  for (const n of schemaNodesAt(schema, path)) {
    for (const [k, v] of Object.entries(n.properties ?? {})) {
      if (k === '$schema') continue;
      if (!out.has(k)) out.set(k, deref(schema, v)?.description ?? '');
    }
  }
  return [...out].map(([label, info]) => ({ label, info }));
}

/** A path as a catalogue key names it: `messages[].blocks`, `fields.*.key` (`*` is any key of a map). */
const pathName = (path) => path.reduce((s, seg) => (seg === '[]' ? `${s}[]` : s ? `${s}.${seg}` : seg), '');

const infoKeys = new WeakMap();

/**
 * The catalogue key of every description the schema gives a key, by its
 * English words: `schema.` and the shortest path where it first describes
 * one (`schema.timezone`, `schema.fields.*.key`, `schema.messages[].when`).
 * Where the same words describe other keys (the fallback's messages, each
 * duration, each Liquid template), they share that key, so the catalogue
 * says each once. Walked once per schema; a node seen before (a recursive
 * $ref such as a bullet's bullets) is not walked again.
 */
export function schemaInfoKeys(schema) {
  if (infoKeys.has(schema)) return infoKeys.get(schema);
  const keys = new Map();
  const walked = new Set();
  const queue = [{ path: [], nodes: branches(schema, schema) }];
  while (queue.length > 0) {
    const { path, nodes } = queue.shift();
    if (nodes.every((n) => walked.has(n))) continue;
    for (const n of nodes) walked.add(n);
    const children = new Map();
    const child = (seg, node) => children.set(seg, [...(children.get(seg) ?? []), ...branches(schema, node)]);
    for (const n of nodes) {
      for (const [k, v] of Object.entries(n.properties ?? {})) {
        const description = deref(schema, v)?.description;
        if (description && !keys.has(description)) keys.set(description, `schema.${pathName([...path, k])}`);
        child(k, v);
      }
      if (n.items) child('[]', n.items);
      if (n.additionalProperties && typeof n.additionalProperties === 'object') child('*', n.additionalProperties);
    }
    for (const [seg, next] of children) queue.push({ path: [...path, seg], nodes: next });
  }
  infoKeys.set(schema, keys);
  return keys;
}

/** A key's description as words for the editor to say ({code, params}); the English itself for words the catalogue walk did not meet (the catalogue test keeps that from happening). */
function infoWords(schema, description) {
  const code = schemaInfoKeys(schema).get(description);
  return code ? { code, params: {} } : description;
}

/** The values a scalar at `path` may take, when the schema lists them (enum, const, boolean). */
export function valuesAt(schema, path) {
  const out = new Set();
  for (const n of schemaNodesAt(schema, path)) {
    for (const v of n.enum ?? []) out.add(String(v));
    if (n.const !== undefined) out.add(String(n.const));
    if (n.type === 'boolean') {
      out.add('true');
      out.add('false');
    }
  }
  return [...out];
}

/**
 * What to offer at `offset`: { from, options } or null. `names` are the
 * draft's declared names: [{ label, detail }] (fields, profile keys, values),
 * each detail already a string in the operator's language. A key's `info`
 * (its description) comes as words, {code, params}, for the editor to say.
 */
export function completionsAt(text, offset, schema, names) {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const line = text.slice(lineStart, offset);
  // Inside a template or an expression: a word after `{{`, an operator, `(` or `: `.
  const word = /[A-Za-z_][\w]*$/.exec(line);
  const from = offset - (word ? word[0].length : 0);
  const keyPos = /^(\s*)(-\s+)?["']?([A-Za-z_$][\w$-]*)?$/.exec(line);
  if (keyPos) {
    const path = yamlPathAt(text, offset);
    const typed = keyPos[3]?.length ?? 0;
    // writeBack maps a computed value to a profile key: its keys are the draft's values.
    if (path.length === 1 && path[0] === 'writeBack') return named(offset - typed, names, ['value'], ': ');
    if (!schema) return null;
    const keys = keysAt(schema, path);
    if (keys.length > 0) return { from: offset - typed, options: keys.map((k) => ({ label: k.label, type: 'property', info: k.info ? infoWords(schema, k.info) : undefined, apply: `${k.label}: ` })) };
  }
  const value = /^(\s*)(-\s+)?["']?([A-Za-z_$][\w$-]*)["']?\s*:\s+(.*)$/.exec(line);
  if (!value) return null;
  const inTemplate = /\{\{[^}]*$|\{%[^%]*$/.test(value[4]);
  const parentPath = [...yamlPathAt(text, lineStart + value[1].length + (value[2]?.length ?? 0)), value[3]];
  // A profile key: where a value is written back, and a field's own `key:`.
  if ((parentPath.length === 2 && parentPath[0] === 'writeBack') || (parentPath.length === 3 && parentPath[0] === 'fields' && parentPath[2] === 'key')) {
    return named(from, names, ['profileKey']);
  }
  if (!inTemplate && schema) {
    const enums = valuesAt(schema, parentPath);
    if (enums.length > 0 && /^["']?[\w-]*$/.test(value[4])) return { from: offset - value[4].replace(/^["']/, '').length, options: enums.map((v) => ({ label: v, type: 'enum' })) };
  }
  if (!names || names.length === 0) return null;
  // Names belong where expressions and templates are, not in a message's plain words.
  const expression = inTemplate || parentPath.includes('compute') || ['when', 'if', 'unless', 'value'].includes(value[3]);
  if (!expression) return null;
  return named(from, names, ['field', 'value']);
}

function named(from, names, kinds, apply = '') {
  const labels = new Set();
  const options = (names ?? [])
    .filter((n) => kinds.includes(n.kind) && !labels.has(n.label) && labels.add(n.label))
    .map((n) => ({ label: n.label, type: 'variable', detail: n.detail, ...(apply ? { apply: `${n.label}${apply}` } : {}) }));
  return options.length ? { from, options } : null;
}

/**
 * The names a compiled draft declares, from the preview's `curation`
 * (curationView): its fields (the names expressions and templates use), their
 * profile keys (where the answers come from, and where write-back writes),
 * and its computed values.
 */
export function declaredNames(curation) {
  if (!curation) return [];
  const out = [];
  const seen = new Set();
  const add = (label, kind, detail) => {
    const k = `${kind}:${label}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ label, kind, detail });
  };
  // Details as catalogue keys: the editor words them in the operator's language (this module stays free of the DOM for its test).
  for (const f of curation.fields ?? []) add(f.name, 'field', f.key && f.key !== f.name ? { code: 'complete.fieldKey', params: { key: f.key } } : { code: 'complete.field', params: { type: f.type } });
  for (const f of curation.fields ?? []) add(f.key ?? f.name, 'profileKey', { code: 'complete.profileKey', params: { name: f.name } });
  for (const v of curation.valueNames ?? []) add(v, 'value', { code: 'complete.value', params: {} });
  return out;
}
