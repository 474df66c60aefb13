// Kysely's SQLite compiler, with one change: the values SQLite's planner
// reads are written as literals, not bound as parameters: a LIMIT or OFFSET
// count, and a state compared in a WHERE clause.
//
// Why: when the value of a bound parameter can change the plan (the row
// count of a LIMIT; whether a partial index such as `messages_due ... WHERE
// state = 'pending'` applies), SQLite marks the statement so that binding that
// parameter again expires it, and the next run parses and plans the whole
// statement again. better-sqlite3 binds every parameter on every run, so each
// such query was re-prepared on every execution despite the statement cache:
// sqlite3Reprepare was about 5 % of the CPU of an acted webhook, and
// `... WHERE id = ? LIMIT ?` took 4.4 µs instead of 0.7 µs in a transaction.
// With the constant in the SQL the prepared statement is reused, and its
// plan is the one for that value.
//
// Only safe integers (LIMIT, OFFSET) and values from the state vocabulary
// (lower-case words) are inlined; any other value stays a bound parameter.
// PostgreSQL keeps Kysely's own compiler.
import {
  type BinaryOperationNode,
  ColumnNode,
  type LimitNode,
  type OffsetNode,
  type OperationNode,
  PrimitiveValueListNode,
  type QueryCompiler,
  ReferenceNode,
  SqliteDialect,
  SqliteQueryCompiler,
  ValueNode,
} from 'kysely';

/** The columns that partial indexes filter on (migrations.ts): runs.state, messages.state, jobs.state, runs.writeback_state. */
const STATE_COLUMNS: ReadonlySet<string> = new Set(['state', 'writeback_state']);
const STATE_WORD = /^[a-z_]{1,32}$/;

const isStateWord = (v: unknown): v is string => typeof v === 'string' && STATE_WORD.test(v);

function columnName(node: OperationNode): string | null {
  if (!ReferenceNode.is(node) || !ColumnNode.is(node.column)) return null;
  return node.column.column.name;
}

/** The state words a right-hand side holds, when it holds only those; null otherwise. */
function stateWords(node: OperationNode): string[] | null {
  if (ValueNode.is(node)) return isStateWord(node.value) ? [node.value] : null;
  if (PrimitiveValueListNode.is(node)) return node.values.length > 0 && node.values.every(isStateWord) ? [...node.values] : null;
  return null;
}

/** A count the planner may read, when it is a plain non-negative integer. */
function countOf(node: OperationNode): number | null {
  return ValueNode.is(node) && typeof node.value === 'number' && Number.isSafeInteger(node.value) && node.value >= 0 ? node.value : null;
}

export class StoreSqliteQueryCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    const n = countOf(node.limit);
    if (n === null) super.visitLimit(node);
    else this.append(`limit ${n}`);
  }

  protected override visitOffset(node: OffsetNode): void {
    const n = countOf(node.offset);
    if (n === null) super.visitOffset(node);
    else this.append(`offset ${n}`);
  }

  protected override visitBinaryOperation(node: BinaryOperationNode): void {
    const name = columnName(node.leftOperand);
    const words = name !== null && STATE_COLUMNS.has(name) ? stateWords(node.rightOperand) : null;
    if (words === null) {
      super.visitBinaryOperation(node);
      return;
    }
    this.visitNode(node.leftOperand);
    this.append(' ');
    this.visitNode(node.operator);
    this.append(' ');
    const list = PrimitiveValueListNode.is(node.rightOperand);
    if (list) this.append('(');
    words.forEach((w, i) => {
      if (i > 0) this.append(', ');
      this.appendStringLiteral(w);
    });
    if (list) this.append(')');
  }
}

/** Kysely's SQLite dialect with the compiler above. */
export class StoreSqliteDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new StoreSqliteQueryCompiler();
  }
}
