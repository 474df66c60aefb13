// Whether a rendered text is an http(s) URL Channel Talk accepts: exactly
// what wire.ts's HttpUrlSchema (zod's z.url with the http protocol) decides
// for a string, without a zod parse. A plan checks every rendered button URL,
// and the parse (its result objects, its issue list) cost several times the
// URL parser it wraps. test/curation/plan-fast-paths.test.ts compares the two.

/** zod refuses `http:example.com` and `https:/path` before parsing: the scheme must be followed by //. */
const HTTP_START = /^https?:\/\//i;
const HTTP_PROTOCOL = /^https?$/;

export function isHttpUrl(s: string): boolean {
  const trimmed = s.trim();
  if (!HTTP_START.test(trimmed)) return false;
  const url = URL.parse(trimmed);
  return url !== null && HTTP_PROTOCOL.test(url.protocol.endsWith(':') ? url.protocol.slice(0, -1) : url.protocol);
}

/** At most this many rendered URLs are remembered per button. */
const KEPT_URLS = 64;

/**
 * A button's rendered URLs, checked. When its template reads only values the
 * file fixes (settings, option keys, table cells: `fixedNames` in compile.ts),
 * a URL is one of a handful of texts, none of them a customer's: each answer
 * is kept, so most plans parse nothing. Otherwise every URL is parsed.
 */
export class UrlChecker {
  private readonly known: Map<string, boolean> | null;

  constructor(fixed: boolean) {
    this.known = fixed ? new Map() : null;
  }

  check(url: string): boolean {
    if (this.known === null) return isHttpUrl(url);
    let ok = this.known.get(url);
    if (ok === undefined) {
      ok = isHttpUrl(url);
      if (this.known.size < KEPT_URLS) this.known.set(url, ok);
    }
    return ok;
  }
}
