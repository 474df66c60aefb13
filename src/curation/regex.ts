// Regular expressions a curation writes (`capture()`, a text field's
// `pattern:`), run by RE2JS, a pure-JavaScript port of RE2: its matching time
// grows linearly with the text, whatever the pattern, so no answer can make a
// match freeze the event loop the way `(a+)+$` freezes a backtracking engine
// (JavaScript's own RegExp). RE2 has no look-around and no back-references;
// such a pattern is refused at load. Texts are bounded too: a match reads at
// most MAX_MATCH_CHARS characters, so one match costs at most a few
// milliseconds.
import { RE2JS } from 're2js';

export const MAX_MATCH_CHARS = 2000;
/**
 * A match costs the text's length times the pattern's compiled size: RE2
 * writes a counted repetition out (`[a-z]{1000}` is 1,000 steps), so the size
 * is bounded too. 300 steps over 2,000 characters is a few milliseconds; the
 * refund menu's pattern is 34.
 */
export const MAX_PATTERN_STEPS = 300;
export const MAX_MATCH_CHARS_TEXT = MAX_MATCH_CHARS.toLocaleString('en-US');

export interface CompiledPattern {
  source: string;
  /** Capturing groups in the pattern. */
  groups: number;
  re: RE2JS;
}

/** The pattern, or the sentence that says why it is not one (RE2's own words, without its prefix). */
export function compilePattern(source: string): { ok: true; pattern: CompiledPattern } | { ok: false; why: string } {
  try {
    const re = RE2JS.compile(source);
    const steps = stepsOf(re);
    if (steps > MAX_PATTERN_STEPS) {
      return { ok: false, why: `it is too large (${steps} steps once compiled, at most ${MAX_PATTERN_STEPS}): a counted repetition such as {1000} is written out in full; use + or *, or a smaller count` };
    }
    return { ok: true, pattern: { source, groups: re.groupCount(), re } };
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    return { ok: false, why: raw.replace(/^error parsing regexp: /, '') };
  }
}

/**
 * The size of the compiled program. RE2JS does not type it, so it is read
 * defensively; the tests refuse `[a-z]{1000}`, which fails if it ever moves.
 */
function stepsOf(re: RE2JS): number {
  const prog = (re as unknown as { re2Input?: { prog?: { numInst?: () => number } } }).re2Input?.prog;
  return typeof prog?.numInst === 'function' ? prog.numInst() : 0;
}

/** The text of `group` (0: the whole match) of the first match, or null; the caller keeps `text` within MAX_MATCH_CHARS. */
export function firstMatch(p: CompiledPattern, text: string, group: number): string | null {
  const m = p.re.matcher(text);
  if (!m.find()) return null;
  return m.group(group) ?? null;
}

export function matches(p: CompiledPattern, text: string): boolean {
  return p.re.matcher(text).find();
}
