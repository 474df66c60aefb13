// A recursive-descent parser with mathjs's precedence, loosest first:
//   assignment (refused)  =
//   condition             a ? b : c            (right to left)
//   or, xor, and
//   bitwise | ^| &        (refused)
//   comparison            == != < <= > >=      (one per level; a chain is refused)
//   shift, to/in, range   (refused)
//   + -
//   * / % mod             (% is the remainder, as mod)
//   implicit 2x           (refused)
//   prefix - + not        (so -2^2 is -4 and `not a == b` is (not a) == b)
//   ^                     (right to left; 2^-1 works)
//   ??, postfix !         (refused)
//   numbers, texts, names, calls f(a, b), ( … )
// The whole text is tokenized and its terms and brackets counted before any
// recursion, so the recursion below is bounded by those limits.
import type { BinaryOp, Expr, Refusal } from './ast.js';
import { syntaxError, tokenize, type Token } from './tokens.js';
import { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_TERMS, tooDeep, tooManyTerms } from './limits.js';

export function parseExpression(source: string): Expr {
  const { tokens, terms, depth } = tokenize(source);
  if (terms > MAX_EXPRESSION_TERMS) throw tooManyTerms(terms);
  if (depth > MAX_EXPRESSION_DEPTH) throw tooDeep(depth);
  return new Parser(tokens).parse();
}

const COMPARISONS: ReadonlySet<string> = new Set(['==', '!=', '<', '<=', '>', '>=']);
const CONSTANTS: ReadonlyMap<string, number | boolean | null> = new Map<string, number | boolean | null>([
  ['true', true],
  ['false', false],
  ['null', null],
  ['NaN', NaN],
  ['Infinity', Infinity],
]);

const refused = (what: Refusal, operands: Expr[] = [], operator = ''): Expr => ({ kind: 'refused', what, operator, operands });
const binary = (op: BinaryOp, left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right });

class Parser {
  private i = 0;
  /** Bracket nesting at the current token. */
  private nesting = 0;
  /** While a condition's `? …` part is read, the nesting it is at: its `:` is not a range there. */
  private conditionLevel: number | null = null;

  constructor(private readonly tokens: Token[]) {}

  parse(): Expr {
    if (this.isSeparator()) return this.severalExpressions();
    const node = this.assignment();
    if (this.isSeparator()) return this.severalExpressions();
    const t = this.peek();
    if (t.kind !== 'end') throw syntaxError(`unexpected '${t.text}'`, t.at);
    return node;
  }

  // --- tokens -----------------------------------------------------------------

  private peek(ahead = 0): Token {
    const t = this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)];
    if (!t) throw new Error('tokenize always ends with an end token');
    return t;
  }

  private take(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }

  /** Takes an operator: a line break after one continues the expression, as in mathjs. */
  private takeOp(): Token {
    const t = this.take();
    while (this.peek().kind === 'newline') this.take();
    return t;
  }

  /** The token after the current one, past line breaks. */
  private peekPastLines(): Token {
    let ahead = 1;
    while (this.peek(ahead).kind === 'newline') ahead++;
    return this.peek(ahead);
  }

  private isOp(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'op' && t.text === text;
  }

  private isWord(text: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text === text;
  }

  private isSeparator(): boolean {
    return this.isOp(';') || this.peek().kind === 'newline';
  }

  private expectClose(close: string): void {
    const t = this.peek();
    if (!this.isOp(close)) throw t.kind === 'end' ? syntaxError(`'${close}' is missing`, t.at) : syntaxError(`'${close}' is expected, not '${t.text}'`, t.at);
    this.take();
    this.nesting--;
  }

  private open(): void {
    this.take();
    this.nesting++;
  }

  // --- levels, loosest first -----------------------------------------------------

  private severalExpressions(): Expr {
    while (this.peek().kind !== 'end') this.take();
    return refused('several expressions');
  }

  private assignment(): Expr {
    const node = this.conditional();
    if (!this.isOp('=')) return node;
    this.takeOp();
    this.assignment();
    return refused('assignment');
  }

  private conditional(): Expr {
    let node = this.logical('or');
    while (this.isOp('?')) {
      const outer = this.conditionLevel;
      this.conditionLevel = this.nesting;
      this.takeOp();
      const then = this.assignment();
      if (!this.isOp(':')) {
        const t = this.peek();
        throw syntaxError(t.kind === 'end' ? "the ': …' part of 'condition ? a : b' is missing" : `':' is expected, not '${t.text}'`, t.at);
      }
      this.conditionLevel = null;
      this.takeOp();
      const otherwise = this.assignment();
      node = { kind: 'conditional', test: node, then, else: otherwise };
      this.conditionLevel = outer;
    }
    return node;
  }

  private logical(op: 'or' | 'xor' | 'and'): Expr {
    const tighter = (): Expr => (op === 'or' ? this.logical('xor') : op === 'xor' ? this.logical('and') : this.bitwise(0));
    let node = tighter();
    while (this.isWord(op)) {
      this.takeOp();
      node = binary(op, node, tighter());
    }
    return node;
  }

  /** `|`, `^|`, `&`: parsed so that they are refused by name. */
  private bitwise(level: number): Expr {
    const ops = ['|', '^|', '&'];
    const tighter = (): Expr => (level < ops.length - 1 ? this.bitwise(level + 1) : this.comparison());
    let node = tighter();
    const op = ops[level] ?? '';
    while (this.isOp(op)) {
      this.takeOp();
      node = refused('operator', [node, tighter()], op);
    }
    return node;
  }

  private comparison(): Expr {
    const operands = [this.shift()];
    const ops: string[] = [];
    for (let t = this.peek(); t.kind === 'op' && COMPARISONS.has(t.text); t = this.peek()) {
      ops.push(this.takeOp().text);
      operands.push(this.shift());
    }
    const [left, right] = operands;
    if (!left) throw new Error('a comparison has a first operand');
    if (!right) return left;
    if (operands.length > 2) return refused('chained comparison', operands);
    return binary(ops[0] as BinaryOp, left, right);
  }

  private shift(): Expr {
    let node = this.conversion();
    for (let t = this.peek(); t.kind === 'op' && (t.text === '<<' || t.text === '>>' || t.text === '>>>'); t = this.peek()) {
      this.takeOp();
      node = refused('operator', [node, this.conversion()], t.text);
    }
    return node;
  }

  private conversion(): Expr {
    let node = this.range();
    while (this.isWord('to') || this.isWord('in')) {
      const word = this.takeOp().text;
      const next = this.peek();
      // mathjs reads a final `in` as the unit inch: `5 in` is 5 * in.
      if (word === 'in' && (next.kind === 'end' || (next.kind === 'op' && '])},;'.includes(next.text)))) {
        node = refused('implicit multiplication', [node, { kind: 'name', name: 'in' }]);
      } else {
        node = refused('operator', [node, this.range()], word);
      }
    }
    return node;
  }

  private range(): Expr {
    if (this.isOp(':')) {
      const t = this.peek();
      if (this.conditionLevel === this.nesting) throw syntaxError("the '? …' part of 'condition ? a : b' is empty", t.at);
      this.rangeRest();
      return refused('range');
    }
    const node = this.additive();
    if (!this.isOp(':') || this.conditionLevel === this.nesting) return node;
    this.rangeRest();
    return refused('range');
  }

  private rangeRest(): void {
    for (let parts = 1; this.isOp(':') && parts < 3; parts++) {
      this.takeOp();
      const t = this.peek();
      const implicitEnd = t.kind === 'end' || (t.kind === 'op' && (t.text === ')' || t.text === ']' || t.text === ','));
      if (!implicitEnd) this.additive();
    }
  }

  private additive(): Expr {
    let node = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.takeOp().text as '+' | '-';
      node = binary(op, node, this.multiplicative());
    }
    return node;
  }

  private multiplicative(): Expr {
    let node = this.implicit();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '*' || t.text === '/' || t.text === '%')) {
        this.takeOp();
        node = binary(t.text === '%' ? 'mod' : t.text, node, this.implicit());
      } else if (t.kind === 'word' && t.text === 'mod') {
        this.takeOp();
        node = binary('mod', node, this.implicit());
      } else if (t.kind === 'op' && (t.text === '.*' || t.text === './')) {
        this.takeOp();
        node = refused('operator', [node, this.implicit()], t.text);
      } else {
        return node;
      }
    }
  }

  /** Two values side by side (`2x`, `5 cm`, `(a)(b)`): mathjs multiplied them; we refuse it. */
  private implicit(): Expr {
    let node = this.percentage();
    for (;;) {
      const t = this.peek();
      const numberAfter = t.kind === 'number' && !(node.kind === 'constant' || node.kind === 'unary' || node.kind === 'binary');
      if (!(t.kind === 'name' || this.isOp('(') || numberAfter)) return node;
      node = refused('implicit multiplication', [node, this.percentage()]);
    }
  }

  /** `50%` with nothing after it was a percentage in mathjs; `%` with a value after it is the remainder. */
  private percentage(): Expr {
    const node = this.prefix();
    if (this.isOp('%') && !this.startsValue(this.peekPastLines())) {
      this.takeOp();
      return refused('percentage', [node]);
    }
    return node;
  }

  private startsValue(t: Token): boolean {
    if (t.kind === 'number' || t.kind === 'text' || t.kind === 'name' || t.kind === 'word') return true;
    return t.kind === 'op' && ['(', '[', '{', '-', '+', '~'].includes(t.text);
  }

  /** Prefix operators apply to everything up to the next operator looser than `^`. */
  private prefix(): Expr {
    const ops: string[] = [];
    while (this.isOp('-') || this.isOp('+') || this.isOp('~') || this.isWord('not')) ops.push(this.takeOp().text);
    let node = this.power();
    for (let k = ops.length - 1; k >= 0; k--) {
      const op = ops[k];
      if (op === '-' || op === '+' || op === 'not') node = { kind: 'unary', op, arg: node };
      else node = refused('operator', [node], op ?? '');
    }
    return node;
  }

  private power(): Expr {
    const node = this.nullish();
    if (this.isOp('^')) {
      this.takeOp();
      return binary('^', node, this.prefix());
    }
    if (this.isOp('.^')) {
      this.takeOp();
      return refused('operator', [node, this.prefix()], '.^');
    }
    return node;
  }

  private nullish(): Expr {
    let node = this.postfix();
    while (this.isOp('??')) {
      this.takeOp();
      node = refused('operator', [node, this.postfix()], '??');
    }
    return node;
  }

  private postfix(): Expr {
    let node = this.primary();
    while (this.isOp('!')) {
      this.take();
      node = this.accessors(refused('operator', [node], '!'));
    }
    return node;
  }

  // --- values ----------------------------------------------------------------------

  private primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.take();
        return { kind: 'constant', value: t.value };
      case 'text':
        this.take();
        return this.accessors({ kind: 'constant', value: t.text });
      case 'name':
      case 'word': {
        // Word operators in a value's place are names, as in mathjs (`mod(1, 2)` is an unknown function).
        this.take();
        if (t.text === 'undefined') return this.accessors(refused('undefined'));
        const constant = CONSTANTS.get(t.text);
        if (constant !== undefined) return this.accessors({ kind: 'constant', value: constant });
        return this.accessors({ kind: 'name', name: t.text });
      }
      case 'op':
        if (t.text === '(') return this.parenthesis();
        if (t.text === '[') return this.accessors(this.list());
        if (t.text === '{') return this.accessors(this.object());
        throw syntaxError(`a value is expected, not '${t.text}'`, t.at);
      case 'newline':
        throw syntaxError('a value is expected, not a line break', t.at);
      case 'end':
        throw syntaxError('the expression ends too early', t.at);
    }
  }

  private parenthesis(): Expr {
    this.open();
    const inner = this.assignment();
    this.expectClose(')');
    return this.accessors(inner, false);
  }

  /** Calls on a name, and the `.x` / `[i]` / `?.` accessors mathjs allowed after a value (refused). */
  private accessors(node: Expr, callable = node.kind === 'name'): Expr {
    for (;;) {
      const optional = this.isOp('?.');
      if (optional) this.take();
      if (this.isOp('(') && (callable || optional)) {
        const args = this.callArguments();
        node = node.kind === 'name' && !optional ? { kind: 'call', callee: node.name, args } : refused('method call');
      } else if (this.isOp('[')) {
        this.list();
        node = refused('property or index');
      } else if (this.isOp('.') || optional) {
        if (!optional) this.take();
        const t = this.take();
        if (t.kind !== 'name' && t.kind !== 'word') throw syntaxError('a property name is expected after the dot', t.at);
        node = refused('property or index');
      } else {
        return node;
      }
      // A call on `x.f` was a method call in mathjs; a call's result called again is `(f(1))(2)`, a product.
      callable = node.kind === 'refused' && node.what === 'property or index';
    }
  }

  private callArguments(): Expr[] {
    this.open();
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      args.push(this.assignment());
      while (this.isOp(',')) {
        this.take();
        args.push(this.assignment());
      }
    }
    this.expectClose(')');
    return args;
  }

  /** `[a, b; c, d]`: read to its end, then refused. */
  private list(): Expr {
    this.open();
    while (!this.isOp(']')) {
      if (this.isOp(',') || this.isOp(';')) this.take();
      else if (this.peek().kind === 'end') break;
      else this.assignment();
    }
    this.expectClose(']');
    return refused('list');
  }

  /** `{key: value, …}`: read to its end, then refused. */
  private object(): Expr {
    this.open();
    do {
      if (this.isOp(',')) this.take();
      if (this.isOp('}')) break;
      const key = this.take();
      if (key.kind !== 'name' && key.kind !== 'word' && key.kind !== 'text') throw syntaxError('a name or text is expected as an object key', key.at);
      if (!this.isOp(':')) throw syntaxError("':' is expected after an object key", this.peek().at);
      this.take();
      this.assignment();
    } while (this.isOp(','));
    this.expectClose('}');
    return refused('object');
  }
}
