// Bounds on one expression, so that no file can make compiling (or the
// recursion of a parser) take unbounded time or stack. The shipped curations'
// longest expression is about 140 characters, 12 terms and 2 levels deep.
import { ExpressionError } from './errors.js';
import { said } from '../load-errors.js';

export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_EXPRESSION_TERMS = 200;
export const MAX_EXPRESSION_DEPTH = 32;

const SPLIT = 'split it into several values under compute';

export function tooLong(length: number): ExpressionError {
  return new ExpressionError(said('check.expressionTooLong', { length, max: MAX_EXPRESSION_LENGTH }, `is ${length} characters long; an expression may have at most ${MAX_EXPRESSION_LENGTH}: ${SPLIT}`));
}

export function tooManyTerms(terms: number): ExpressionError {
  return new ExpressionError(said('check.expressionTooManyTerms', { terms, max: MAX_EXPRESSION_TERMS }, `has ${terms} terms; an expression may have at most ${MAX_EXPRESSION_TERMS}: ${SPLIT}`));
}

export function tooDeep(depth: number): ExpressionError {
  return new ExpressionError(said('check.expressionTooDeep', { depth, max: MAX_EXPRESSION_DEPTH }, `is nested ${depth} levels deep; an expression may nest at most ${MAX_EXPRESSION_DEPTH} brackets or calls: ${SPLIT}`));
}

export function checkLength(text: string): void {
  if (text.length > MAX_EXPRESSION_LENGTH) throw tooLong(text.length);
}
