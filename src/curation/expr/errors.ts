// The two ways an expression fails: at load (the file is wrong) and while
// computing for one customer (a curation bug or an edge the file did not foresee).
import type { Said } from '../load-errors.js';

/** A problem while computing for one customer; its message never quotes an answer. */
export class ComputeError extends Error {}

/**
 * fail('reason'): the file itself says the answers cannot be used. The plan
 * sends the fallback with this reason; the dry run of `check` does not count
 * it as a problem of the file.
 */
export class FailError extends ComputeError {}

/** A problem found while compiling, at `column` (1-based) of the expression when known. */
export class ExpressionError extends Error {
  /** The message with its catalogue key, when it has one. */
  readonly said: Said | null;
  constructor(
    message: string | Said,
    readonly column: number | null = null,
  ) {
    super(typeof message === 'string' ? message : message.text);
    this.said = typeof message === 'string' ? null : message;
  }
}
