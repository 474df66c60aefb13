// The webhook's JSON body without secure-json-parse's two scans of the text
// for the common delivery (issue 21). Fastify's parser (secure-json-parse with
// onProtoPoisoning and onConstructorPoisoning 'error') is JSON.parse plus two
// regular expressions over the whole text, and a walk of the value only when
// one of them matches a `"__proto__":` or `"constructor":` key, spelled out or
// with \u escapes. A text that holds neither word nor any \u escape cannot
// match either, so for it the parser's answer is JSON.parse's: taken here at
// the cost of three substring searches. Every other text (those words, an
// escape, a byte-order mark, an empty body, JSON that does not parse) is left
// to Fastify's parser, which refuses or words the error exactly as before.

/** The parsed body when JSON.parse alone gives Fastify's parser's answer; null when that parser must decide. */
export function parsePlainJson(text: string): { value: unknown } | null {
  if (text.length === 0 || text.charCodeAt(0) === 0xfeff) return null;
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) return null;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    // Not JSON: Fastify's parser throws the same and answers with its own error.
    return null;
  }
}
