// The two ways an expression fails: at load (the file is wrong) and while
// computing for one customer (a curation bug or an edge the file did not foresee).

/** A problem while computing for one customer; its message never quotes an answer. */
export class ComputeError extends Error {}

/** A problem found while compiling, at `column` (1-based) of the expression when known. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly column: number | null = null,
  ) {
    super(message);
  }
}
