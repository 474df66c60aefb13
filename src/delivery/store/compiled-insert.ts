// An insert whose SQL text Kysely builds and compiles once per database and
// row count, then runs with each call's values (issue 21). Building and
// compiling a planned run's inserts (its row, its 12 messages: 120 values)
// was about a third of planning's CPU, and their text depends only on the
// dialect and the number of rows; only the values change. On SQLite the
// statement cache (statement-cache.ts) then reuses the prepared statement.
// record-event.ts EventInsert does the same for the webhook's one row.
import { CompiledQuery, type Compilable, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export class CompiledInsert<Row extends object> {
  /** By row count. */
  private readonly texts = new FormsByAdapter<number, string>();

  /**
   * `columns`: every column the insert binds, in the order `build` writes
   * them (a row gives each of them, null for none); `build`: the query for
   * these rows, as it would be run.
   */
  constructor(
    private readonly columns: ReadonlyArray<keyof Row & string>,
    private readonly build: (db: Db, rows: Row[]) => Compilable,
  ) {}

  async run<R>(db: Db, rows: readonly Row[]): Promise<QueryResult<R>> {
    const text = this.sqlFor(db, rows.length);
    const params: unknown[] = [];
    for (const row of rows) for (const c of this.columns) params.push(row[c]);
    return db.executeQuery<R>(CompiledQuery.raw(text, params));
  }

  private sqlFor(db: Db, count: number): string {
    return this.texts.get(db, count, () => this.compile(db, count));
  }

  /** Compiles the insert of `count` placeholder rows, and checks that each of their values is bound, in column order (none written into the SQL). */
  private compile(db: Db, count: number): string {
    let k = 0;
    const rows = Array.from({ length: count }, () => Object.fromEntries(this.columns.map((c) => [c, `v${k++}`])) as Row);
    const compiled = this.build(db, rows).compile();
    const expected = rows.flatMap((r) => this.columns.map((c) => r[c]));
    if (compiled.parameters.length !== expected.length || compiled.parameters.some((p, i) => p !== expected[i])) {
      throw new Error(`an insert does not bind its values in column order: ${compiled.sql}`);
    }
    return compiled.sql;
  }
}

/**
 * What a compiled statement keeps per database and key (CompiledInsert: its
 * row count; CompiledStatement: its shape): by the database's adapter, one
 * per Kysely instance and shared by its transactions, since the SQL text
 * depends on the dialect.
 */
export class FormsByAdapter<K, V> {
  private readonly byAdapter = new WeakMap<object, Map<K, V>>();

  get(db: Db, key: K, make: () => V): V {
    const adapter = db.getExecutor().adapter;
    let forms = this.byAdapter.get(adapter);
    if (forms === undefined) {
      forms = new Map();
      this.byAdapter.set(adapter, forms);
    }
    let form = forms.get(key);
    if (form === undefined) {
      form = make();
      forms.set(key, form);
    }
    return form;
  }
}
