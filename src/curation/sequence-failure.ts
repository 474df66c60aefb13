// A failure at a place in the curation file while planning: a value that
// could not be computed, a template that could not be rendered. Its own
// module, so the message part entries (blocks/) can throw it too.
import { formatPath, type PathSegment } from './load-errors.js';
import { reasonWords, type ReasonWords } from './reason-words.js';

/** A failure at a place in the curation file; its message never contains a profile value. */
export class SequenceFailure extends Error {
  constructor(
    readonly path: readonly PathSegment[],
    message: string,
    /** A template went over its render budget (render-limits.ts): the run fails rather than falls back. */
    readonly overLimit = false,
    /** fail('reason') in the file: the answers cannot be used, as the file says. Not a problem of the file. */
    readonly chosen = false,
  ) {
    super(message);
  }

  get reason(): string {
    if (this.chosen) return `${this.message} (${formatPath(this.path)})`;
    return this.path[0] === 'compute' ? `could not compute '${String(this.path[1])}': ${this.message}` : `${formatPath(this.path)} ${this.message}`;
  }

  /** The reason as catalogue words: the place and the value's name; the failure's own sentence (no answer in it) stays as `detail`. */
  get words(): ReasonWords {
    const place = formatPath(this.path);
    if (this.chosen) return reasonWords('chosen', { text: this.message, place });
    if (this.overLimit) return reasonWords('overLimit', { place, detail: this.message });
    return this.path[0] === 'compute' ? reasonWords('computeFailed', { value: String(this.path[1]), detail: this.message }) : reasonWords('renderFailed', { place, detail: this.message });
  }
}
