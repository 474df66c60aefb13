// The tree of one expression. Constructs that parse but are not part of the
// language (assignments, lists, `x.y`, `3!`, …) become a `refused` node, so
// the compiler reports them in the same order as everything else (an unknown
// function name before a bad argument, an unknown name inside `5 cm`).

export type UnaryOp = '-' | '+' | 'not';
export type ArithmeticOp = '+' | '-' | '*' | '/' | '^' | 'mod';
export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type LogicalOp = 'and' | 'or' | 'xor';
export type BinaryOp = ArithmeticOp | ComparisonOp | LogicalOp;

export type Refusal =
  | 'assignment'
  | 'several expressions'
  | 'property or index'
  | 'list'
  | 'object'
  | 'range'
  | 'chained comparison'
  | 'implicit multiplication'
  | 'percentage'
  | 'undefined'
  | 'method call'
  | 'operator';

export type Expr =
  | { kind: 'constant'; value: number | string | boolean | null }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; op: UnaryOp; arg: Expr }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'conditional'; test: Expr; then: Expr; else: Expr }
  | { kind: 'call'; callee: string; args: Expr[] }
  /** `operands` are compiled first, so a problem inside them is reported before the refusal. */
  | { kind: 'refused'; what: Refusal; operator: string; operands: Expr[] };
