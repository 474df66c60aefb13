// How deep a delivery may nest. The deepest recorded delivery nests 7 levels
// (test/fixtures/webhooks/rec-message-form-submitted.json; body > refers >
// userChat > source > workflow > sectionPath is 6). Everything downstream that
// walks a value recursively (JSON.stringify when the event is stored, the
// hash of an unusable body, the recorder) would overflow the stack on a body
// nested thousands deep, which used to answer 5xx: Channel Talk counts that
// toward blocking the webhook. So depth is refused up front, as 400, by two
// checks that never recurse themselves: one over the JSON text before it is
// parsed, one over an object that arrives already parsed (normalize()).

/** Levels of objects and arrays a delivery may nest; the body itself is level 1. */
export const MAX_DELIVERY_DEPTH = 32;

export function tooDeepMessage(max = MAX_DELIVERY_DEPTH): string {
  return `the body is nested deeper than ${max} levels`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Whether JSON text nests deeper than `max`, by one pass over its characters
 * (brackets inside strings do not count). Text that is not JSON is left for
 * the parser to refuse; this only measures.
 */
export function jsonTextTooDeep(text: string, max = MAX_DELIVERY_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a parsed value nests deeper than `max`, walked with stacks of its
 * own (no recursion). for…in, not Object.values: a body of thousands of keys
 * is a dictionary-mode object, and copying its values costs several times more.
 */
export function valueTooDeep(value: unknown, max = MAX_DELIVERY_DEPTH): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [1];
  for (let v = values.pop(), depth = depths.pop() ?? 1; v !== undefined; v = values.pop(), depth = depths.pop() ?? 1) {
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const child = o[k];
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
