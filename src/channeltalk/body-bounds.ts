// How deep and how wide a delivery may be. The deepest recorded delivery
// nests 7 levels (test/fixtures/webhooks/rec-message-form-submitted.json),
// the widest holds about 120 values, and the largest Channel Talk plausibly
// sends (test/support/largest-delivery.ts) 656.
//
// Depth: everything downstream that walks a value recursively (JSON.stringify
// when the event is stored, the hash of an unusable body, the recorder) would
// overflow the stack on a body nested thousands deep, which used to answer
// 5xx: Channel Talk counts that toward blocking the webhook.
// Width: a body of thousands of small values costs far more than its bytes
// (13,000 keys in 128 KB took about 60 ms of the event loop to parse and
// normalize, a realistic 85 KB delivery 2 ms).
//
// Both are refused up front, as 400, by two checks that never recurse: one
// over the JSON text before it is parsed, one over an object that arrives
// already parsed (normalize()).

/** Levels of objects and arrays a delivery may nest; the body itself is level 1. */
export const MAX_DELIVERY_DEPTH = 32;
/** Keys and array elements a delivery may hold, at every level together. */
export const MAX_DELIVERY_VALUES = 5_000;

export function tooDeepMessage(max = MAX_DELIVERY_DEPTH): string {
  return `the body is nested deeper than ${max} levels`;
}

export function tooWideMessage(max = MAX_DELIVERY_VALUES): string {
  return `the body holds more than ${max.toLocaleString('en')} values (keys and array elements)`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Why JSON text is out of bounds, or null, by one pass over its characters
 * (brackets and commas inside strings do not count). A container's values
 * are its commas plus one, so the count may exceed the truth by one per empty
 * container. Text that is not JSON is left for the parser to refuse.
 */
export function jsonTextOutOfBounds(text: string, maxDepth = MAX_DELIVERY_DEPTH, maxValues = MAX_DELIVERY_VALUES): string | null {
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return tooDeepMessage(maxDepth);
      if (++values > maxValues) return tooWideMessage(maxValues);
    } else if (c === COMMA) {
      if (++values > maxValues) return tooWideMessage(maxValues);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return null;
}

/**
 * Why a parsed value is out of bounds, or null, walked with stacks of its own
 * (no recursion). for…in, not Object.values: a body of thousands of keys is a
 * dictionary-mode object, and copying its values costs several times more.
 */
export function valueOutOfBounds(value: unknown, maxDepth = MAX_DELIVERY_DEPTH, maxValues = MAX_DELIVERY_VALUES): string | null {
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  let values = 0;
  for (let v = stack.pop(), depth = depths.pop() ?? 1; v !== undefined; v = stack.pop(), depth = depths.pop() ?? 1) {
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return tooDeepMessage(maxDepth);
    const o = v as Record<string, unknown>;
    for (const k in o) {
      if (++values > maxValues) return tooWideMessage(maxValues);
      const child = o[k];
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return null;
}
