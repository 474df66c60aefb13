// Any statement (select, update, delete, insert) whose SQL text Kysely builds
// and compiles once per database and shape, then runs with each call's named
// values (issue 21): CompiledInsert (compiled-insert.ts) for the rest. A
// delivered message and a planned run each run a dozen such statements, and
// building one with Kysely costs 10-30 µs of CPU where running it costs
// less; their text depends only on the dialect and on which values are null.
//
// How the values find their place: the statement is built once with a
// marker string in place of each named value, and each marker is looked for
// among the compiled parameters; every other parameter (a state written in
// the query, say) is the query's own and kept. The shape is which values are
// null or undefined (each its own shape): `build` sees those as they are, so it may branch on
// them (`IS NULL` rather than `= ?`, a condition left out), and on nothing
// else of a value. A value that `build` computes with, that Kysely writes
// into the SQL, or that the query does not bind is refused when compiled.
import type { Compilable, Kysely, QueryId, QueryResult, RootOperationNode, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { FormsByAdapter } from './compiled-insert.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A statement's text and, per parameter, the value's name or the query's own value. */
interface Form {
  sql: string;
  /** The built query's tree and id, which every run of the form carries (statementNodeOf). */
  query: RootOperationNode;
  queryId: QueryId;
  names: ReadonlyArray<string | undefined>;
  constants: readonly unknown[];
}

const MARK = '\u0000compiled-statement:';

export class CompiledStatement<P extends object> {
  /** By shape. */
  private readonly forms = new FormsByAdapter<string, Form>();

  /** `names`: every value `build` reads from its params; `build`: the query, as it would be run with them. */
  constructor(
    private readonly names: ReadonlyArray<keyof P & string>,
    private readonly build: (db: Db, params: P) => Compilable,
  ) {}

  async run<R>(db: Db, params: P): Promise<QueryResult<R>> {
    const form = this.formFor(db, params);
    const values = new Array<unknown>(form.names.length);
    for (let i = 0; i < values.length; i++) {
      const name = form.names[i];
      values[i] = name === undefined ? form.constants[i] : params[name as keyof P];
    }
    return db.executeQuery<R>({ sql: form.sql, parameters: values, query: form.query, queryId: form.queryId });
  }

  /** The first row, as executeTakeFirst gives it. */
  async first<R>(db: Db, params: P): Promise<R | undefined> {
    return (await this.run<R>(db, params)).rows[0];
  }

  /** How many rows an update, delete or insert changed. */
  async changed(db: Db, params: P): Promise<number> {
    return Number((await this.run(db, params)).numAffectedRows ?? 0n);
  }

  private formFor(db: Db, params: P): Form {
    let shape = '';
    // Null and undefined are shapes of their own: Kysely binds a null and leaves an undefined column out of an update.
    for (const n of this.names) shape += params[n] === undefined ? 'u' : params[n] === null ? '0' : '1';
    return this.forms.get(db, shape, () => this.compile(db, params));
  }

  /** Builds the statement with a marker for each value given (null ones as they are) and finds each marker among its parameters. */
  private compile(db: Db, params: P): Form {
    const marked = { ...params } as Record<string, unknown>;
    for (const n of this.names) if (!isNone(params[n])) marked[n] = MARK + n;
    const compiled = this.build(db, marked as P).compile();
    const names: Array<string | undefined> = [];
    const constants: unknown[] = [];
    for (const p of compiled.parameters) {
      const name = typeof p === 'string' && p.startsWith(MARK) ? p.slice(MARK.length) : undefined;
      if (typeof p === 'string' && p.includes(MARK) && (name === undefined || !this.names.includes(name as keyof P & string))) {
        throw new Error(`a compiled statement computes with a value instead of binding it: ${compiled.sql}`);
      }
      if (typeof p === 'number' && Number.isNaN(p)) throw new Error(`a compiled statement computes with a value instead of binding it: ${compiled.sql}`);
      names.push(name);
      constants.push(name === undefined ? p : undefined);
    }
    if (compiled.sql.includes(MARK)) throw new Error(`a compiled statement writes a value into its SQL: ${compiled.sql}`);
    for (const n of this.names) {
      if (!isNone(params[n]) && !names.includes(n)) throw new Error(`a compiled statement does not bind its value ${n}: ${compiled.sql}`);
    }
    STATEMENT_NODES.set(compiled.queryId, compiled.query);
    return { sql: compiled.sql, query: compiled.query, queryId: compiled.queryId, names, constants };
  }
}

/** The built tree of each compiled form, by the query id its runs carry. */
const STATEMENT_NODES = new WeakMap<QueryId, RootOperationNode>();

/**
 * What a compiled statement runs, as Kysely's tree, from the query id a
 * plugin's transformResult is given (a run never passes transformQuery):
 * for a plugin that notes the statements run (test/support/statement-log.ts).
 */
export function statementNodeOf(queryId: QueryId): RootOperationNode | undefined {
  return STATEMENT_NODES.get(queryId);
}

const isNone = (v: unknown): boolean => v === null || v === undefined;
