// The tokens of the expression language, read the way mathjs read them (the
// engine this replaced), so that every expression a curation has ever used
// splits into the same pieces: numbers (`2`, `.5`, `1.5e-3`), texts in either
// quote with JSON escapes, names, the word operators, `#` comments, and
// line breaks that end the expression unless inside brackets.
import { ExpressionError } from './errors.js';
import { said } from '../load-errors.js';
import { checkLength } from './limits.js';

export type TokenKind = 'number' | 'text' | 'name' | 'word' | 'op' | 'newline' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text (for a text token, its value). */
  text: string;
  /** The number, for a number token. */
  value: number;
  /** 0-based offset in the expression. */
  at: number;
}

/** Words that are operators (mathjs's "named delimiters"); any other word is a name. */
export const WORDS: ReadonlySet<string> = new Set(['and', 'or', 'xor', 'not', 'mod', 'to', 'in']);

const SYMBOLS = ['>>>', '==', '!=', '<=', '>=', '<<', '>>', '.*', './', '.^', '^|', '??', '?.', ',', '(', ')', '[', ']', '{', '}', ';', '+', '-', '*', '/', '%', '^', '~', '!', '&', '|', '=', ':', '?', '<', '>', '.'];
const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export interface Tokens {
  tokens: Token[];
  /** Numbers, texts and names: what the term limit counts. */
  terms: number;
  /** The deepest nesting of brackets. */
  depth: number;
}

export function tokenize(source: string): Tokens {
  checkLength(source);
  return new Lexer(source).run();
}

export function syntaxError(message: string, at: number): ExpressionError {
  return new ExpressionError(said('check.expressionSyntax', { detail: message, at: at + 1 }, `syntax error: ${message} at character ${at + 1}`), at + 1);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isNameStart = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z_$]$/.test(c);
const isNamePart = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_$]$/.test(c);
/** A dot that is a decimal mark, not the start of `.*`, `./`, `.^`. */
const isDecimalMark = (c: string | undefined, next: string | undefined): boolean => c === '.' && next !== '/' && next !== '*' && next !== '^';

class Lexer {
  private i = 0;
  private nesting = 0;
  private readonly out: Tokens = { tokens: [], terms: 0, depth: 0 };

  constructor(private readonly s: string) {}

  run(): Tokens {
    for (;;) {
      this.skipBlank();
      const c = this.s[this.i];
      if (c === undefined) break;
      if (c === '\n') {
        this.push('newline', '\n', this.i);
        this.i++;
      } else if (c === '"' || c === "'") this.text(c);
      else if (isDigit(c) || (c === '.' && isDigit(this.s[this.i + 1]))) this.number();
      else if (isNameStart(c)) this.word();
      else this.symbol();
    }
    // A trailing line break (a YAML `|` block ends with one) is not a second expression.
    while (this.out.tokens.at(-1)?.kind === 'newline') this.out.tokens.pop();
    this.push('end', '', this.s.length);
    return this.out;
  }

  private push(kind: TokenKind, text: string, at: number, value = 0): void {
    this.out.tokens.push({ kind, text, value, at });
    if (kind === 'number' || kind === 'text' || kind === 'name') this.out.terms++;
  }

  /** Spaces, tabs, comments, and line breaks inside brackets. */
  private skipBlank(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\u00A0' || (c === '\n' && this.nesting > 0)) this.i++;
      else if (c === '#') while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      else return;
    }
  }

  private text(quote: string): void {
    const start = this.i;
    let value = '';
    this.i++;
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) throw syntaxError(`the text has no closing ${quote}`, start);
      if (c === quote) break;
      if (c === '\\') {
        const e = this.s[this.i + 1] ?? '';
        const hex = this.s.slice(this.i + 2, this.i + 6);
        if (Object.hasOwn(ESCAPES, e)) {
          value += ESCAPES[e];
          this.i += 2;
        } else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(hex)) {
          value += String.fromCharCode(parseInt(hex, 16));
          this.i += 6;
        } else {
          throw syntaxError(`'\\${e}' is not an escape a text may use (write a backslash twice, as in '\\\\s' in a pattern, or use a class such as [(])`, this.i);
        }
      } else {
        value += c;
        this.i++;
      }
    }
    this.i++;
    this.push('text', value, start);
  }

  private number(): void {
    const start = this.i;
    const s = this.s;
    if (s[start] === '0' && /[xbo]/.test(s[start + 1] ?? '') && isNamePart(s[start + 2])) {
      throw syntaxError('hexadecimal, binary and octal numbers are not supported', start);
    }
    while (isDigit(s[this.i])) this.i++;
    if (isDecimalMark(s[this.i], s[this.i + 1])) this.i++;
    while (isDigit(s[this.i])) this.i++;
    const e = s[this.i];
    if (e === 'e' || e === 'E') {
      const after = s[this.i + 1];
      if (isDigit(after) || after === '+' || after === '-') {
        this.i += after === '+' || after === '-' ? 2 : 1;
        if (!isDigit(s[this.i])) throw syntaxError('a digit is expected in the exponent', this.i);
        while (isDigit(s[this.i])) this.i++;
        if (isDecimalMark(s[this.i], s[this.i + 1])) throw syntaxError('an exponent must be a whole number', this.i);
      } else if (isDecimalMark(after, s[this.i + 2])) {
        throw syntaxError('an exponent must be a whole number', this.i + 1);
      }
    }
    const text = s.slice(start, this.i);
    this.push('number', text, start, Number(text));
  }

  private word(): void {
    const start = this.i;
    while (isNamePart(this.s[this.i])) this.i++;
    const text = this.s.slice(start, this.i);
    this.push(WORDS.has(text) ? 'word' : 'name', text, start);
  }

  private symbol(): void {
    const start = this.i;
    const rest = this.s.slice(start, start + 3);
    // `a?.5:.3` is a condition, not optional chaining (as mathjs reads it).
    const sym = SYMBOLS.find((t) => rest.startsWith(t) && !(t === '?.' && isDigit(this.s[start + 2])));
    if (sym === undefined) throw syntaxError(`unexpected character '${this.s[start] ?? ''}'`, start);
    this.i += sym.length;
    if (OPEN.has(sym)) this.out.depth = Math.max(this.out.depth, ++this.nesting);
    else if (CLOSE.has(sym)) this.nesting = Math.max(0, this.nesting - 1);
    this.push('op', sym, start);
  }
}
